import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { AppError, createFormatError } from '../../src/errors.js';

const leak = new GraphQLError('relation "secret_table" does not exist', {
  originalError: Object.assign(new Error('relation "secret_table" does not exist'), { stack: 'at db.ts:1' }),
  path: ['assets'],
});

describe('error formatting', () => {
  it('masks an unexpected error in production: no message, no stack, code INTERNAL_SERVER_ERROR', () => {
    const formatted = createFormatError(true)({ message: leak.message, path: ['assets'], extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at db.ts:1'] } }, leak);
    expect(formatted).toEqual({ message: 'Internal server error', path: ['assets'], locations: undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('passes deliberate errors with their code and extensions, without stacks', () => {
    const quota = new AppError('QUOTA_EXCEEDED', 'The plan allows 10 assets; 10 in use', { limit: 10, usage: 10 });
    const formatted = createFormatError(true)({ message: quota.message, extensions: { ...quota.extensions, stacktrace: ['x'] } }, quota);
    expect(formatted).toEqual({ message: quota.message, extensions: { code: 'QUOTA_EXCEEDED', limit: 10, usage: 10 } });
  });

  it("folds Apollo's own request codes into the contract's set", () => {
    const formatted = createFormatError(true)({ message: 'Syntax Error', extensions: { code: 'GRAPHQL_PARSE_FAILED' } }, new Error('x'));
    expect(formatted.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
