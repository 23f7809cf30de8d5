import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { badInput } from '../errors.js';
import { BULK_COLUMNS, type BulkRow } from '../modules/tenants/tenant-admin.service.js';

const EXPECTED = `${BULK_COLUMNS.required.join(',')}[,${BULK_COLUMNS.optional.join(',')}]`;

/** What is wrong with a header line, all at once, or null. A lone column holding a separator is a file in another dialect. */
function headerProblem(header: string[]): string | null {
  const other = header.length === 1 ? [';', '\t', '|'].find((sep) => header[0]!.includes(sep)) : undefined;
  if (other) return `the columns are separated by ${JSON.stringify(other)}: they must be separated by commas (${EXPECTED})`;
  const known = new Set<string>([...BULK_COLUMNS.required, ...BULK_COLUMNS.optional]);
  const missing = BULK_COLUMNS.required.filter((c) => !header.includes(c));
  const unknown = header.filter((c) => !known.has(c));
  const twice = header.filter((c, i) => header.indexOf(c) !== i);
  const list = (what: string, names: string[]) => (names.length ? [`${what}${names.length > 1 ? 's' : ''} ${names.join(', ')}`] : []);
  const problems = [...list('missing column', missing), ...list('unknown column', unknown), ...list('repeated column', twice)];
  return problems.length ? `${problems.join('; ')} (expected ${EXPECTED})` : null;
}

/** The rows of a bulk file, its header checked first; a row whose field count differs from the header's says so. */
export function readBulkCsv(file: string): BulkRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(readFileSync(file, 'utf8'), { skip_empty_lines: true, trim: true, bom: true, relax_column_count: true, info: true }) as unknown as typeof records;
  } catch (err) {
    throw badInput('file', err instanceof Error ? err.message : String(err));
  }
  const [head, ...body] = records;
  if (!head) throw badInput('file', 'is empty');
  const header = head.record.map((c) => c.toLowerCase());
  const problem = headerProblem(header);
  if (problem) throw badInput('header', problem);
  if (!body.length) throw badInput('file', 'has no rows');
  return body.map(({ record, info }) => ({
    line: info.lines,
    values: Object.fromEntries(header.map((column, i) => [column, record[i]])),
    problems: record.length === header.length ? [] : [`has ${record.length} fields, the header ${header.length}`],
  }));
}
