/**
 * UTF-8 in pure code (no TextDecoder/TextEncoder globals), as those do it or strictly, and
 * "byte strings". One codec for every layer: tree and index paths, ignore rules, tar names.
 */

/** UTF-8 to a string, each ill-formed byte as U+FFFD (as TextDecoder does, without the global). */
export function decodeUtf8(b: Uint8Array): string {
  return decode(b, false)!;
}

/**
 * UTF-8 to a string, or undefined for any ill-formed sequence (overlong, a surrogate, beyond
 * U+10FFFF, cut short): TextDecoder's `fatal` mode.
 */
export function decodeUtf8Strict(b: Uint8Array): string | undefined {
  return decode(b, true);
}

function decode(b: Uint8Array, fatal: boolean): string | undefined {
  let ascii = true;
  for (let i = 0; i < b.length; i++) {
    if (b[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    // Short names (most paths) are fastest built char by char; no spread of a typed array.
    if (b.length <= 64) {
      let s = '';
      for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
      return s;
    }
    return byteString(b);
  }
  const cps: number[] = [];
  let i = 0;
  while (i < b.length) {
    const b0 = b[i]!;
    let need = -1;
    let cp = b0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 < 0x80) need = 0;
    else if (b0 >= 0xc2 && b0 <= 0xdf) [need, cp] = [1, b0 & 0x1f];
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      [need, cp] = [2, b0 & 0x0f];
      if (b0 === 0xe0) lo = 0xa0;
      if (b0 === 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      [need, cp] = [3, b0 & 0x07];
      if (b0 === 0xf0) lo = 0x90;
      if (b0 === 0xf4) hi = 0x8f;
    }
    if (need < 0) {
      if (fatal) return undefined;
      cps.push(0xfffd);
      i++;
      continue;
    }
    let k = 1;
    for (; k <= need; k++) {
      const c = b[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) break;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (k <= need) {
      if (fatal) return undefined;
      // The maximal well-formed prefix becomes one U+FFFD (WHATWG / TextDecoder).
      cps.push(0xfffd);
      i += k;
      continue;
    }
    cps.push(cp);
    i += need + 1;
  }
  return chunked(cps, true);
}

function chunked(codes: number[], codePoints = false): string {
  let s = '';
  for (let k = 0; k < codes.length; k += 4096) {
    const part = codes.slice(k, k + 4096);
    s += codePoints ? String.fromCodePoint(...part) : String.fromCharCode(...part);
  }
  return s;
}

/** UTF-8 of `s` (a lone surrogate as U+FFFD, as TextEncoder). */
export function encodeUtf8(s: string): Uint8Array {
  return encode(s, false)!;
}

/** UTF-8 of `s`, or undefined when it holds a lone surrogate (which has no UTF-8 form). */
export function encodeUtf8Strict(s: string): Uint8Array | undefined {
  return encode(s, true);
}

function encode(s: string, strict: boolean): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else if (strict) {
        return undefined;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

/**
 * A "byte string": one char per byte (code units 0-255), so that code comparing chars compares
 * bytes, as git's C does (`?` in a glob is one byte of a multi-byte character).
 */
export function byteString(bytes: Uint8Array): string {
  let s = '';
  for (let k = 0; k < bytes.length; k += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(k, k + 4096) as unknown as number[]);
  }
  return s;
}

/** The byte string of a path's UTF-8; an ASCII string is its own. */
export function byteStringOf(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s : byteString(encodeUtf8(s));
}
