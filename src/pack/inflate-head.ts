/**
 * The first bytes of a zlib stream, without inflating the rest (RFC 1950 and RFC 1951): what
 * git's `get_size_from_delta` (packfile.c) and `unpack_loose_header` (object-file.c) do with a
 * small output buffer, to learn a delta's result size or a loose object's type and size.
 *
 *   zlib:    CMF FLG (CM 8, (CMF*256 + FLG) % 31 == 0, no preset dictionary) | deflate blocks
 *   block:   BFINAL (1 bit) BTYPE (2 bits): 00 stored (LEN, NLEN, bytes), 01 fixed Huffman
 *            codes, 10 dynamic (HLIT HDIST HCLEN, code-length codes, then the two code sets)
 *   symbols: literal 0-255, end of block 256, length 257-285 (+ extra bits) and a distance
 *            code 0-29 (+ extra bits) back into what is already out
 *
 * A code is kept as Mark Adler's puff.c keeps it (how many codes of each length, the symbols in
 * code order), which costs little to build: the first 20 or 32 bytes of a stream are a few dozen
 * symbols, and zlib's lookup tables would cost more to fill than those take to decode. A symbol
 * is decoded from the next 15 bits reversed (one table lookup, as Huffman codes are stored from
 * their top bit) by comparing with the first code of each length in turn. Anything this decoder
 * does not take for certain (a bad header or code, a distance before the start, input that ends
 * first) gives -1: the caller inflates the whole stream then, through the backend, which reports
 * any error properly.
 */

const MAXBITS = 15;
const MAX_LCODES = 286;
const MAX_DCODES = 30;
const FIXED_LCODES = 288;

const LENGTH_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
const LENGTH_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
const DIST_BASE = Uint16Array.of(
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
);
const DIST_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);
/** The order in which code-length code lengths are stored. */
const CL_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/**
 * A canonical Huffman code: for each length, one past its last code (`limit`) and what to add
 * to a code of that length to index `symbol` (`base`), between its shortest and longest length.
 */
class Code {
  readonly count = new Int32Array(MAXBITS + 1);
  readonly limit = new Int32Array(MAXBITS + 1);
  readonly base = new Int32Array(MAXBITS + 1);
  readonly symbol: Uint16Array;
  min = 0;
  max = 0;
  constructor(symbols: number) {
    this.symbol = new Uint16Array(symbols);
  }
}

/** Thrown inside the decoder, caught by `inflate`: never escapes. */
const FAIL = { fail: true } as const;
const NO_INPUT = new Uint8Array(0);

/**
 * A reusable decoder of the first bytes of zlib streams (its tables are scratch, kept between
 * calls). Not for concurrent use.
 * @example
 *   const head = new HeadInflater();
 *   const n = head.inflate(stream, 0, stream.length, out, 20); // bytes written to out, or -1
 */
export class HeadInflater {
  #in: Uint8Array = NO_INPUT;
  #pos = 0;
  #end = 0;
  #bitBuf = 0;
  #bitCount = 0;
  /** Bits of zeros put after the input's end to peek 15 bits: reading one of them fails. */
  #phantom = 0;
  readonly #lengths = new Uint8Array(MAX_LCODES + MAX_DCODES);
  readonly #offs = new Int32Array(MAXBITS + 1);
  readonly #lencode = new Code(MAX_LCODES);
  readonly #distcode = new Code(MAX_DCODES);
  readonly #clcode = new Code(19);
  /** REVERSED[v]: the 15 bits of v in the opposite order. */
  readonly #reversed = new Uint16Array(1 << MAXBITS);
  /** The code-length code by its next 7 bits: symbol << 3 | length. */
  readonly #clTable = new Uint16Array(1 << 7);
  /** The fixed literal/length code by its next 9 bits, the fixed distance code by its next 5: symbol << 4 | length. */
  readonly #fixedLenTable = new Uint16Array(1 << 9);
  readonly #fixedDistTable = new Uint16Array(1 << 5);
  /** Scratch of `#table`: codes per length, the next code of each length. */
  readonly #tableCount = new Int32Array(MAXBITS + 1);
  readonly #tableNext = new Int32Array(MAXBITS + 2);

  constructor() {
    const r = this.#reversed;
    for (let v = 1; v < r.length; v++) r[v] = (r[v >>> 1]! >>> 1) | ((v & 1) << (MAXBITS - 1));
    const l = this.#lengths;
    for (let s = 0; s < FIXED_LCODES; s++) l[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
    this.#table(this.#fixedLenTable, 9, l, FIXED_LCODES, 4);
    l.fill(5, 0, MAX_DCODES);
    this.#table(this.#fixedDistTable, 5, l, MAX_DCODES, 4);
  }

  /**
   * Fill `table` (2^bits entries) so that the next `bits` bits of input index the symbol they
   * start with: symbol << shift | length, for a complete code of at most `bits` bits.
   */
  #table(table: Uint16Array, bits: number, lengths: Uint8Array, count: number, shift: number): void {
    const next = this.#tableNext;
    const c = this.#tableCount;
    c.fill(0);
    next.fill(0);
    for (let s = 0; s < count; s++) c[lengths[s]!]!++;
    c[0] = 0;
    for (let len = 1; len <= MAXBITS; len++) next[len + 1] = (next[len]! + c[len]!) << 1;
    for (let s = 0; s < count; s++) this.#place(table, bits, s, lengths[s]!, next, shift);
  }

  /** Put symbol `s` of length `len` (its code the next of `next[len]`) into `table`. */
  #place(table: Uint16Array, bits: number, s: number, len: number, next: Int32Array, shift: number): void {
    if (len === 0) return;
    const code = next[len]!;
    next[len] = code + 1;
    const rev = this.#reversed[code]! >>> (MAXBITS - len);
    for (let k = rev; k < 1 << bits; k += 1 << len) table[k] = (s << shift) | len;
  }

  /**
   * Inflate the zlib stream at `input[at]` (its bytes end at `end` or earlier) until `want`
   * bytes are in `out` or the stream ends.
   * @returns the bytes written to `out` (fewer than `want` only when the stream ended first),
   *          or -1 when the stream is not one this decoder accepts or the input ends before
   *          `want` bytes are out: then inflate it whole.
   */
  inflate(input: Uint8Array, at: number, end: number, out: Uint8Array, want: number): number {
    if (end - at < 2 || want > out.length) return -1;
    const cmf = input[at]!;
    const flg = input[at + 1]!;
    if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0 || flg & 0x20) return -1;
    this.#in = input;
    this.#pos = at + 2;
    this.#end = Math.min(end, input.length);
    this.#bitBuf = 0;
    this.#bitCount = 0;
    this.#phantom = 0;
    try {
      let n = 0;
      for (;;) {
        const last = this.#bits(1);
        const type = this.#bits(2);
        if (type === 0) n = this.#stored(out, n, want);
        else if (type === 1) n = this.#fixed(out, n, want);
        else if (type === 2) n = this.#dynamic(out, n, want);
        else return -1;
        if (n === want || last) return n;
      }
    } catch (e) {
      if (e === FAIL) return -1;
      throw e;
    } finally {
      this.#in = NO_INPUT;
    }
  }

  /** Make at least `need` bits available, with phantom zeros past the input's end. */
  #fill(need: number): void {
    let buf = this.#bitBuf;
    let count = this.#bitCount;
    while (count < need) {
      if (this.#pos < this.#end) buf |= this.#in[this.#pos++]! << count;
      else this.#phantom += 8;
      count += 8;
    }
    this.#bitBuf = buf;
    this.#bitCount = count;
  }

  /** Drop `n` bits, failing when one of them was a phantom. */
  #drop(n: number): void {
    this.#bitBuf >>>= n;
    this.#bitCount -= n;
    if (this.#bitCount < this.#phantom) throw FAIL;
  }

  #bits(need: number): number {
    if (this.#bitCount < need) this.#fill(need);
    const v = this.#bitBuf & ((1 << need) - 1);
    this.#drop(need);
    return v;
  }

  #stored(out: Uint8Array, n: number, want: number): number {
    // Drop the rest of the current byte: bits are only ever whole bytes ahead.
    if (this.#phantom > 0) throw FAIL;
    this.#pos -= this.#bitCount >>> 3;
    this.#bitBuf = 0;
    this.#bitCount = 0;
    const p = this.#pos;
    const input = this.#in;
    if (p + 4 > this.#end) throw FAIL;
    const len = input[p]! | (input[p + 1]! << 8);
    if ((input[p + 2]! | (input[p + 3]! << 8)) !== (~len & 0xffff)) throw FAIL;
    const from = p + 4;
    const take = Math.min(len, want - n);
    if (from + take > this.#end) throw FAIL;
    for (let k = 0; k < take; k++) out[n + k] = input[from + k]!;
    this.#pos = from + len;
    return n + take;
  }

  /** Decode one symbol of `h`. */
  #decode(h: Code): number {
    if (this.#bitCount < MAXBITS) this.#fill(MAXBITS);
    const v = this.#reversed[this.#bitBuf & 0x7fff]!;
    const { limit, base } = h;
    for (let len = h.min; len <= h.max; len++) {
      const code = v >>> (MAXBITS - len);
      if (code < limit[len]!) {
        this.#drop(len);
        return h.symbol[base[len]! + code]!;
      }
    }
    throw FAIL;
  }

  /** A block of fixed codes: each symbol one lookup of the next 9 (or 5) bits. */
  #fixed(out: Uint8Array, n: number, want: number): number {
    const lit = this.#fixedLenTable;
    const dist = this.#fixedDistTable;
    while (n < want) {
      if (this.#bitCount < 9) this.#fill(9);
      const e = lit[this.#bitBuf & 511]!;
      this.#drop(e & 15);
      const sym = e >>> 4;
      if (sym < 256) {
        out[n++] = sym;
        continue;
      }
      if (sym === 256) return n;
      const ls = sym - 257;
      if (ls >= 29) throw FAIL;
      const len = LENGTH_BASE[ls]! + this.#bits(LENGTH_EXTRA[ls]!);
      if (this.#bitCount < 5) this.#fill(5);
      const d = dist[this.#bitBuf & 31]!;
      this.#drop(d & 15);
      const ds = d >>> 4;
      if (ds >= 30) throw FAIL;
      const back = DIST_BASE[ds]! + this.#bits(DIST_EXTRA[ds]!);
      if (back > n) throw FAIL;
      for (let k = 0; k < len && n < want; k++, n++) out[n] = out[n - back]!;
    }
    return n;
  }

  /** Literals and matches until the block ends or `want` bytes are out. */
  #codes(out: Uint8Array, n: number, want: number, lencode: Code, distcode: Code): number {
    while (n < want) {
      const sym = this.#decode(lencode);
      if (sym < 256) {
        out[n++] = sym;
        continue;
      }
      if (sym === 256) return n;
      const ls = sym - 257;
      if (ls >= 29) throw FAIL;
      const len = LENGTH_BASE[ls]! + this.#bits(LENGTH_EXTRA[ls]!);
      const ds = this.#decode(distcode);
      if (ds >= 30) throw FAIL;
      const dist = DIST_BASE[ds]! + this.#bits(DIST_EXTRA[ds]!);
      if (dist > n) throw FAIL;
      for (let k = 0; k < len && n < want; k++, n++) out[n] = out[n - dist]!;
    }
    return n;
  }

  #dynamic(out: Uint8Array, n: number, want: number): number {
    const nlen = this.#bits(5) + 257;
    const ndist = this.#bits(5) + 1;
    const ncode = this.#bits(4) + 4;
    if (nlen > MAX_LCODES || ndist > MAX_DCODES) throw FAIL;
    const lengths = this.#lengths;
    for (let i = 0; i < 19; i++) lengths[i] = 0;
    for (let i = 0; i < ncode; i++) lengths[CL_ORDER[i]!] = this.#bits(3);
    // The code-length code must be complete (as zlib and puff.c): then 7 bits always name a symbol.
    if (this.#construct(this.#clcode, lengths, 0, 19) !== 0 || this.#clcode.max === 0) throw FAIL;
    const cl = this.#clTable;
    this.#table(cl, 7, lengths, 19, 3);
    const total = nlen + ndist;
    const input = this.#in;
    const end = this.#end;
    let buf = this.#bitBuf;
    let count = this.#bitCount;
    let pos = this.#pos;
    let phantom = this.#phantom;
    for (let i = 0; i < total; ) {
      // A code (at most 7 bits) and its extra bits (at most 7).
      while (count < 14) {
        if (pos < end) buf |= input[pos++]! << count;
        else phantom += 8;
        count += 8;
      }
      const e = cl[buf & 127]!;
      const len = e & 7;
      const sym = e >>> 3;
      buf >>>= len;
      count -= len;
      if (sym < 16) {
        lengths[i++] = sym;
      } else {
        let value = 0;
        let times: number;
        if (sym === 16) {
          if (i === 0) throw FAIL;
          value = lengths[i - 1]!;
          times = 3 + (buf & 3);
          buf >>>= 2;
          count -= 2;
        } else if (sym === 17) {
          times = 3 + (buf & 7);
          buf >>>= 3;
          count -= 3;
        } else {
          times = 11 + (buf & 127);
          buf >>>= 7;
          count -= 7;
        }
        if (i + times > total) throw FAIL;
        for (const stop = i + times; i < stop; i++) lengths[i] = value;
      }
      if (count < phantom) throw FAIL;
    }
    this.#bitBuf = buf;
    this.#bitCount = count;
    this.#pos = pos;
    this.#phantom = phantom;
    if (lengths[256] === 0) throw FAIL;
    // As puff.c and zlib: an incomplete code only when it is a single code.
    const left = this.#construct(this.#lencode, lengths, 0, nlen);
    if (left < 0 || (left > 0 && nlen - this.#lencode.count[0]! !== 1)) throw FAIL;
    const dleft = this.#construct(this.#distcode, lengths, nlen, ndist);
    if (dleft < 0 || (dleft > 0 && ndist - this.#distcode.count[0]! !== 1)) throw FAIL;
    return this.#codes(out, n, want, this.#lencode, this.#distcode);
  }

  /**
   * Fill `h` from `count` code lengths at `lengths[from]`: 0 for a complete code, > 0 for an
   * incomplete one, < 0 for an over-subscribed one.
   */
  #construct(h: Code, lengths: Uint8Array, from: number, count: number): number {
    const c = h.count;
    c.fill(0);
    for (let s = from, end = from + count; s < end; s++) c[lengths[s]!]!++;
    if (c[0] === count) {
      h.min = 1;
      h.max = 0;
      return 0;
    }
    let left = 1;
    for (let len = 1; len <= MAXBITS; len++) {
      left <<= 1;
      left -= c[len]!;
      if (left < 0) return left;
    }
    const offs = this.#offs;
    let min = 0;
    let max = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= MAXBITS; len++) {
      const k = c[len]!;
      offs[len] = index;
      h.base[len] = index - first;
      h.limit[len] = first + k;
      if (k > 0) {
        if (min === 0) min = len;
        max = len;
      }
      index += k;
      first = (first + k) << 1;
    }
    h.min = min;
    h.max = max;
    for (let s = 0; s < count; s++) {
      const l = lengths[from + s]!;
      if (l !== 0) h.symbol[offs[l]!++] = s;
    }
    return left;
  }
}
