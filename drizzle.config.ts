import { defineConfig } from 'drizzle-kit';

// Generation only: migrations are applied by `anthias migrate` (src/db/migrate.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './drizzle',
});
