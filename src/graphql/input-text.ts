import { type DocumentNode, Kind, visit } from 'graphql';
import { textProblem } from '../db/text.js';
import { AppError } from '../errors.js';

function firstBadString(value: unknown, path: string): { path: string; problem: string } | null {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path, problem } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = firstBadString(v, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = firstBadString(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Every string a request brings (variables, and literals in the document) is checked once, before
 * anything runs, against the one rule for text the database can store: refused with
 * BAD_USER_INPUT naming where it was, never altered and never left to fail in SQL. Variables are
 * checked first; a document's literals need checking only once per document.
 */
export function assertStorableVariables(variables: Record<string, unknown> | undefined): void {
  const inVariables = firstBadString(variables ?? {}, '');
  if (inVariables) throw AppError.request('BAD_USER_INPUT', `$${inVariables.path} ${inVariables.problem}`, { field: inVariables.path });
}

export function assertStorableLiterals(document: DocumentNode): void {
  let literal: string | null = null;
  visit(document, {
    [Kind.STRING]: (node) => {
      literal ??= textProblem(node.value);
    },
  });
  if (literal) throw AppError.request('BAD_USER_INPUT', `A string in the document ${literal}`);
}
