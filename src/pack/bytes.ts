/**
 * Bounds-checked byte reading and a growable writer. Offsets are absolute: a reader over a
 * window of a file knows the window's `base`, so errors name the offset in the file.
 * Numbers past 2^31 are built by multiplication, never `<<`/`|`.
 */
import { XtestPackError, type ErrorCode } from '../errors.js';

const TWO_32 = 2 ** 32;

export class ByteReader {
  readonly bytes: Uint8Array;
  /** Absolute offset of `bytes[0]` in the file or stream it was taken from. */
  readonly base: number;
  pos = 0;
  readonly #view: DataView;
  readonly #code: ErrorCode;

  constructor(bytes: Uint8Array, base = 0, code: ErrorCode = 'PACK_CORRUPT') {
    this.bytes = bytes;
    this.base = base;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#code = code;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Absolute offset of the cursor. */
  get offset(): number {
    return this.base + this.pos;
  }

  #need(n: number, what: string): void {
    if (n > this.bytes.length - this.pos) {
      throw new XtestPackError(this.#code, `truncated: ${what} needs ${n} bytes, ${this.remaining} left`, {
        offset: this.offset,
      });
    }
  }

  u8(): number {
    this.#need(1, 'byte');
    return this.bytes[this.pos++]!;
  }

  u32be(): number {
    this.#need(4, '32-bit integer');
    const v = this.#view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64be(): number {
    this.#need(8, '64-bit integer');
    const hi = this.#view.getUint32(this.pos);
    const lo = this.#view.getUint32(this.pos + 4);
    const v = hi * TWO_32 + lo;
    if (!Number.isSafeInteger(v)) {
      throw new XtestPackError(this.#code, `64-bit value ${hi}:${lo} is beyond 2^53`, { offset: this.offset });
    }
    this.pos += 8;
    return v;
  }

  /** A view (no copy) of the next `n` bytes. */
  bytesView(n: number): Uint8Array {
    this.#need(n, `${n}-byte field`);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
}

/** A growable byte buffer; `finish()` returns exactly what was written. */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  length = 0;

  constructor(initial = 256) {
    this.#buf = new Uint8Array(Math.max(16, initial));
    this.#view = new DataView(this.#buf.buffer);
  }

  #reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.#reserve(1);
    this.#buf[this.length++] = v;
    return this;
  }

  u32be(v: number): this {
    this.#reserve(4);
    this.#view.setUint32(this.length, v >>> 0);
    this.length += 4;
    return this;
  }

  u64be(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`u64be: ${v} is not a safe non-negative integer`);
    this.#reserve(8);
    this.#view.setUint32(this.length, Math.floor(v / TWO_32));
    this.#view.setUint32(this.length + 4, v % TWO_32);
    this.length += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.#reserve(b.length);
    this.#buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.length);
  }
}

/** Concatenate byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic comparison of byte strings (as memcmp, shorter first on a tie). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
