/**
 * git's `quote_c_style` (quote.c), as used for paths in ls-tree output when core.quotePath is
 * on (the default): a path with control characters, `"`, `\`, DEL or bytes >= 0x80 is printed
 * in double quotes with C escapes and octal for the rest.
 */
const ESCAPES: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 0x22: '"', 0x5c: '\\' };

function needsQuote(c: number): boolean {
  return c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f;
}

/**
 * The path bytes as git prints them, quoted when needed.
 * @example
 *   quotePath(new TextEncoder().encode('a"b')) === '"a\\"b"'
 */
export function quotePath(bytes: Uint8Array): Uint8Array {
  if (!bytes.some(needsQuote)) return bytes;
  const out: number[] = [0x22];
  for (const c of bytes) {
    if (!needsQuote(c)) out.push(c);
    else {
      const e = ESCAPES[c];
      const s = e !== undefined ? `\\${e}` : `\\${c.toString(8).padStart(3, '0')}`;
      for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
    }
  }
  out.push(0x22);
  return Uint8Array.from(out);
}
