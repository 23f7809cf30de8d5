import type { CodegenConfig } from '@graphql-codegen/cli';

// The firmware's operations become typed documents and a hash → document list; `npm run codegen`
// then folds that list into clients/device/manifest.json, which only ever grows.
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['clients/device/operations/*.graphql'],
  generates: {
    'clients/device/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: { enumsAsTypes: true, useTypeImports: true },
    },
  },
  emitLegacyCommonJSImports: false,
  silent: true,
};

export default config;
