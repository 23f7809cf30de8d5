import { sql } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import { rows } from '../../src/db/rows.js';

/** Everything migrations define, as one comparable string. */
export async function schemaFingerprint(db: Database): Promise<string> {
  const [r] = await rows<{ f: string }>(
    db,
    sql`select concat_ws(' | ',
      (select string_agg(table_name || '.' || column_name || ':' || data_type, ',' order by table_name, column_name)
         from information_schema.columns where table_schema = 'public'),
      (select string_agg(tablename || '.' || policyname || ':' || coalesce(qual, ''), ',' order by tablename, policyname) from pg_policies),
      (select string_agg(indexname, ',' order by indexname) from pg_indexes where schemaname = 'public'),
      (select string_agg(proname, ',' order by proname) from pg_proc where pronamespace = 'public'::regnamespace),
      (select count(*)::text from drizzle.__drizzle_migrations)) as f`,
  );
  return r!.f;
}
