/**
 * The header-and-message layout shared by commits and tags (git's commit.c, tag.c).
 *
 *   <key> SP <value> LF            a header
 *   SP <more value> LF             continues the header above (gpgsig, mergetag)
 *   LF                             ends the headers
 *   <message>                      everything after, bytes as they are
 *
 * Values stay bytes: commit encodings other than UTF-8 are allowed. Serializing what was
 * parsed gives back the same bytes, whatever they were.
 */

export interface Header {
  readonly key: string;
  /** The value with continuation lines joined by LF; `undefined` for a line with no space. */
  readonly value: Uint8Array | undefined;
  /** The key line had no space, and continuation lines followed (the value starts with LF). */
  readonly noSpace?: boolean;
}

export interface HeaderBlock {
  readonly headers: readonly Header[];
  /** The bytes after the blank line; `undefined` when there is no blank line. */
  readonly message: Uint8Array | undefined;
  /** False when the bytes end inside the last header line (no LF after it). */
  readonly finalLf: boolean;
}

const LF = 0x0a;
const SP = 0x20;

/**
 * Split an object body into headers and message.
 * @example
 *   const { headers, message } = parseHeaders(commitBytes);
 */
export function parseHeaders(data: Uint8Array): HeaderBlock {
  const headers: Header[] = [];
  let p = 0;
  let finalLf = true;
  while (p < data.length) {
    if (data[p] === LF) return { headers, message: data.subarray(p + 1), finalLf: true };
    let eol = data.indexOf(LF, p);
    if (eol < 0) {
      eol = data.length;
      finalLf = false;
    }
    const line = data.subarray(p, eol);
    p = eol + 1;
    const last = headers[headers.length - 1];
    if (line[0] === SP && last !== undefined) {
      const prev = last.value ?? new Uint8Array(0);
      const joined = new Uint8Array(prev.length + line.length);
      joined.set(prev);
      joined[prev.length] = LF;
      joined.set(line.subarray(1), prev.length + 1);
      headers[headers.length - 1] = last.value === undefined || last.noSpace ? { key: last.key, value: joined, noSpace: true } : { key: last.key, value: joined };
      continue;
    }
    const sp = line.indexOf(SP);
    headers.push(
      sp < 0
        ? { key: latin1(line), value: undefined }
        : { key: latin1(line.subarray(0, sp)), value: line.subarray(sp + 1) },
    );
  }
  return { headers, message: undefined, finalLf };
}

/**
 * The bytes of a header block.
 * @example
 *   serializeHeaders(parseHeaders(bytes)) // === bytes
 */
export function serializeHeaders(block: HeaderBlock): Uint8Array {
  let n = block.message === undefined ? 0 : 1 + block.message.length;
  for (const hd of block.headers) {
    n += hd.key.length + 1;
    if (hd.value !== undefined) {
      n += (hd.noSpace ? 0 : 1) + hd.value.length;
      for (const c of hd.value) if (c === LF) n++;
    }
  }
  if (!block.finalLf && block.headers.length > 0) n--;
  const out = new Uint8Array(n);
  let p = 0;
  block.headers.forEach((hd, i) => {
    for (let k = 0; k < hd.key.length; k++) out[p++] = hd.key.charCodeAt(k);
    if (hd.value !== undefined) {
      if (!hd.noSpace) out[p++] = SP;
      for (const c of hd.value) {
        out[p++] = c;
        if (c === LF) out[p++] = SP;
      }
    }
    if (block.finalLf || i < block.headers.length - 1) out[p++] = LF;
  });
  if (block.message !== undefined) {
    out[p++] = LF;
    out.set(block.message, p);
  }
  return out;
}

/** The first header named `key`, as bytes. */
export function headerValue(block: HeaderBlock, key: string): Uint8Array | undefined {
  return block.headers.find((h) => h.key === key)?.value;
}

/** Bytes as a string of the same char codes (for ASCII fields). */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
