/**
 * The output of cat-file --batch: bytes gathered in one large buffer and handed to a sink in
 * large pieces (a CLI writes each with one write(2) on its stdout), written without strings or
 * allocations per object: ids as hex, sizes as decimal digits, straight into the buffer.
 * An object's contents larger than a quarter of the buffer go to the sink as they are, after
 * what the buffer holds.
 */

/** Where the output goes: called with a view the callee must use before it returns. */
export type BatchSink = (chunk: Uint8Array) => void;

const HEX = new TextEncoder().encode('0123456789abcdef');

/** git's default output buffer would be 4 KiB (stdio); larger pieces mean fewer system calls. */
export const BATCH_BUFFER = 1 << 20;

/**
 * A buffered writer of bytes, ASCII, hex ids and decimal numbers.
 * @example
 *   const out = new BatchOutput((c) => writeSync(1, c));
 *   out.hex(oid); out.byte(0x20); out.decimal(size); out.byte(0x0a); out.flush();
 */
export class BatchOutput {
  readonly #sink: BatchSink;
  readonly #buf: Uint8Array;
  #n = 0;

  constructor(sink: BatchSink, size = BATCH_BUFFER) {
    this.#sink = sink;
    this.#buf = new Uint8Array(size);
  }

  /** Hand what is buffered to the sink. */
  flush(): void {
    if (this.#n > 0) {
      const n = this.#n;
      this.#n = 0;
      this.#sink(this.#buf.subarray(0, n));
    }
  }

  #room(n: number): void {
    if (this.#n + n > this.#buf.length) this.flush();
  }

  byte(c: number): void {
    if (this.#n === this.#buf.length) this.flush();
    this.#buf[this.#n++] = c;
  }

  /** `s`, whose characters are all below U+0080. */
  ascii(s: string): void {
    this.#room(s.length);
    const b = this.#buf;
    let n = this.#n;
    for (let i = 0; i < s.length; i++) b[n++] = s.charCodeAt(i);
    this.#n = n;
  }

  bytes(data: Uint8Array): void {
    const b = this.#buf;
    const length = data.length;
    if (length > b.length >>> 2) {
      this.flush();
      this.#sink(data);
      return;
    }
    this.#room(length);
    // A loop beats set() for the few bytes of a type name or a format's literal text.
    if (length <= 32) {
      const n = this.#n;
      for (let k = 0; k < length; k++) b[n + k] = data[k]!;
    } else b.set(data, this.#n);
    this.#n += length;
  }

  /** `length` bytes of `ids` from `at`, as lowercase hex. */
  hex(ids: Uint8Array, at = 0, length = ids.length - at): void {
    this.#room(length * 2);
    const b = this.#buf;
    let n = this.#n;
    for (let i = at, end = at + length; i < end; i++) {
      const v = ids[i]!;
      b[n++] = HEX[v >>> 4]!;
      b[n++] = HEX[v & 15]!;
    }
    this.#n = n;
  }

  /** `length` zero ids' worth of hex ('0' * 2 * length): git's null id. */
  zeros(length: number): void {
    this.#room(length * 2);
    this.#buf.fill(0x30, this.#n, this.#n + length * 2);
    this.#n += length * 2;
  }

  /** A whole number ≥ 0 in decimal. */
  decimal(v: number): void {
    this.#room(16);
    const b = this.#buf;
    if (v < 10) {
      b[this.#n++] = 0x30 + v;
      return;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    const start = this.#n;
    let n = start + digits;
    this.#n = n;
    for (let t = v; n > start; t = Math.floor(t / 10)) b[--n] = 0x30 + (t % 10);
  }
}
