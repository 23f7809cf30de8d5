/** Drizzle wraps driver errors ("Failed query: …"); the database's own message is the cause. */
export async function dbError(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause;
    return cause?.message ?? (err as Error).message;
  }
  throw new Error('expected the database to refuse');
}
