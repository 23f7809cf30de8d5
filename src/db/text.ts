/**
 * Text PostgreSQL cannot store as given: NUL (refused by PostgreSQL's text types) and lone UTF-16
 * surrogates (not Unicode; drivers would silently replace them). One rule for every string that
 * reaches the database; null when the text is fine.
 */
export function textProblem(value: string): string | null {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0) return 'must not contain the NUL character';
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return 'must not contain an unpaired surrogate';
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return 'must not contain an unpaired surrogate';
    }
  }
  return null;
}

/** C0 and C1 control characters and DEL (which URL parsers drop or reject). */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}
