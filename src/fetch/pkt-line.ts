/**
 * pkt-line framing (gitprotocol-common.adoc "pkt-line Format"; git's pkt-line.c, pkt-line.h).
 *
 *   +---------+--------------------------+
 *   | 4 hex   | payload: length - 4 bytes |   length counts its own 4 bytes; at most 65520
 *   +---------+--------------------------+   (LARGE_PACKET_MAX), so a payload holds 65516
 *   "0000" flush-pkt   "0001" delim-pkt   "0002" response-end-pkt
 *   "0003" never valid (git dies)        "0004" an empty data line (senders should not send it)
 *
 * Git reads the length with `hexval`, which takes upper- and lower-case digits and nothing else
 * (no sign, no space, no `0x`): so do we. Text lines end in LF by convention and receivers take
 * them without (git sends `shallow <oid>` with none).
 */
import { XtestPackError } from '../errors.js';

/** The longest pkt-line, header included (pkt-line.h `LARGE_PACKET_MAX`). */
export const LARGE_PACKET_MAX = 65520;
/** The longest payload of a pkt-line (pkt-line.h `LARGE_PACKET_DATA_MAX`). */
export const LARGE_PACKET_DATA_MAX = LARGE_PACKET_MAX - 4;

/** One pkt-line as read off the wire. */
export type Pkt =
  | { readonly type: 'data'; readonly data: Uint8Array }
  | { readonly type: 'flush' }
  | { readonly type: 'delim' }
  | { readonly type: 'response-end' };

const SPECIAL: Readonly<Record<Exclude<Pkt['type'], 'data'>, number>> = { flush: 0, delim: 1, 'response-end': 2 };

/**
 * Encode one pkt-line: a data payload of 1 to 65516 bytes, or a special packet.
 * @throws RangeError for an empty payload (git senders do not send `0004`) or one over 65516 bytes.
 * @example
 *   encodePkt({ type: 'data', data: ascii('done\n') }) // "0009done\n"
 *   encodePkt({ type: 'flush' })                        // "0000"
 */
export function encodePkt(pkt: Pkt): Uint8Array {
  if (pkt.type !== 'data') return hex4(SPECIAL[pkt.type]);
  const n = pkt.data.length;
  if (n === 0) throw new RangeError('pkt-line payload is empty (git senders do not send 0004)');
  if (n > LARGE_PACKET_DATA_MAX) throw new RangeError(`pkt-line payload of ${n} bytes exceeds ${LARGE_PACKET_DATA_MAX}`);
  const out = hex4(n + 4, n);
  out.set(pkt.data, 4);
  return out;
}

/**
 * Encode a text line: `text` plus LF in one data pkt-line. `text` is printable ASCII (space to
 * `~`): every line xtest-pack sends is.
 * @throws RangeError for other characters or a line too long for one pkt-line.
 * @example
 *   encodeTextPkt('want 1a3e64c6c4a623626ff0687008732a8e007e2a1c') // "0032want 1a3e…\n"
 */
export function encodeTextPkt(text: string): Uint8Array {
  const data = new Uint8Array(text.length + 1);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new RangeError(`pkt-line text has a character outside printable ASCII at ${i}`);
    data[i] = c;
  }
  data[text.length] = 0x0a;
  return encodePkt({ type: 'data', data });
}

/**
 * The payload of a text pkt-line as a string (one character per byte), without its LF.
 * @example
 *   pktText(pkt.data) // "version 2"
 */
export function pktText(data: Uint8Array): string {
  const end = data.length > 0 && data[data.length - 1] === 0x0a ? data.length - 1 : data.length;
  let s = '';
  for (let i = 0; i < end; i++) s += String.fromCharCode(data[i]!);
  return s;
}

/**
 * Decode a whole buffer of pkt-lines.
 * @throws PROTOCOL_CORRUPT (with the offset of the bad packet) for a malformed length, `0003`,
 *         a length over 65520, or bytes that end inside a packet.
 * @example
 *   decodePkts(ascii('000eversion 2\n0000')) // [{ type: 'data', … }, { type: 'flush' }]
 */
export function decodePkts(bytes: Uint8Array): Pkt[] {
  const d = new PktLineDecoder();
  d.push(bytes);
  const out: Pkt[] = [];
  for (let p = d.next(); p !== undefined; p = d.next()) out.push(p);
  d.finish();
  return out;
}

/**
 * An incremental pkt-line decoder: push chunks as they arrive (split anywhere), take packets
 * with `next()` until it returns `undefined`, then push more. `finish()` at the end of the
 * stream refuses a packet cut short. A data packet's bytes may be a view of a pushed chunk.
 * @example
 *   const d = new PktLineDecoder();
 *   for await (const chunk of body) { d.push(chunk); for (let p = d.next(); p; p = d.next()) use(p); }
 *   d.finish();
 */
export class PktLineDecoder {
  #chunks: Uint8Array[] = [];
  /** Read position in `#chunks[0]`. */
  #pos = 0;
  #buffered = 0;
  #offset = 0;

  /** Absolute stream offset of the next unread byte (the start of the next packet). */
  get offset(): number {
    return this.#offset;
  }

  /** Bytes pushed and not yet taken as packets. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Add bytes; they are kept (not copied) until taken. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /**
   * The next whole packet, or `undefined` when more bytes are needed. A malformed header is
   * refused as soon as its bad digit has arrived.
   * @throws PROTOCOL_CORRUPT
   */
  next(): Pkt | undefined {
    const have = Math.min(4, this.#buffered);
    const head = this.#peek(have);
    let length = 0;
    for (let i = 0; i < have; i++) {
      const v = hexValue(head[i]!);
      if (v < 0) {
        throw new XtestPackError('PROTOCOL_CORRUPT', `malformed pkt-line length ${quoteHead(head)}`, { offset: this.#offset });
      }
      length = length * 16 + v;
    }
    if (have < 4) return undefined;
    if (length < 4) {
      if (length === 3) {
        throw new XtestPackError('PROTOCOL_CORRUPT', 'pkt-line length 0003 is invalid', { offset: this.#offset });
      }
      this.#advance(4);
      return { type: length === 0 ? 'flush' : length === 1 ? 'delim' : 'response-end' };
    }
    if (length > LARGE_PACKET_MAX) {
      throw new XtestPackError('PROTOCOL_CORRUPT', `pkt-line length ${length} exceeds ${LARGE_PACKET_MAX}`, { offset: this.#offset });
    }
    if (this.#buffered < length) return undefined;
    this.#advance(4);
    return { type: 'data', data: this.#take(length - 4) };
  }

  /**
   * Declare the end of the stream.
   * @throws PROTOCOL_CORRUPT when it ends inside a packet.
   */
  finish(): void {
    if (this.#buffered === 0) return;
    const have = Math.min(4, this.#buffered);
    const what =
      have < 4
        ? `${have} of the 4 length bytes`
        : `${this.#buffered - 4} of the ${parseHexHead(this.#peek(4)) - 4} payload bytes`;
    throw new XtestPackError('PROTOCOL_CORRUPT', `cut short inside a pkt-line (${what} arrived)`, { offset: this.#offset });
  }

  /** The next `n` buffered bytes (`n` ≤ 4), without consuming them. */
  #peek(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#pos >= n) return first.subarray(this.#pos, this.#pos + n);
    return this.#copy(n, false);
  }

  #take(n: number): Uint8Array {
    // `0004` may be the last bytes buffered: there is no chunk left to take nothing from.
    if (n === 0) return new Uint8Array(0);
    const first = this.#chunks[0]!;
    if (first.length - this.#pos >= n) {
      const out = first.subarray(this.#pos, this.#pos + n);
      this.#advance(n);
      return out;
    }
    return this.#copy(n, true);
  }

  /** A copy of the next `n` bytes, gathered across chunks; consumed when `consume`. */
  #copy(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let ci = 0;
    let pos = this.#pos;
    let at = 0;
    while (at < n) {
      const c = this.#chunks[ci]!;
      const k = Math.min(n - at, c.length - pos);
      out.set(c.subarray(pos, pos + k), at);
      at += k;
      pos += k;
      if (pos === c.length) {
        ci++;
        pos = 0;
      }
    }
    if (consume) this.#advance(n);
    return out;
  }

  #advance(n: number): void {
    this.#buffered -= n;
    this.#offset += n;
    let left = n;
    while (left > 0) {
      const c = this.#chunks[0]!;
      const k = Math.min(left, c.length - this.#pos);
      this.#pos += k;
      left -= k;
      if (this.#pos === c.length) {
        this.#chunks.shift();
        this.#pos = 0;
      }
    }
  }
}

/** 4 lower-case hex digits of `v`, at the start of a buffer of `4 + extra` bytes. */
function hex4(v: number, extra = 0): Uint8Array {
  const out = new Uint8Array(4 + extra);
  for (let i = 3; i >= 0; i--) {
    const d = v & 15;
    out[i] = d < 10 ? 0x30 + d : 0x57 + d;
    v >>= 4;
  }
  return out;
}

/** Value of an ASCII hex digit (either case), -1 for anything else. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function parseHexHead(head: Uint8Array): number {
  let v = 0;
  for (const c of head) v = v * 16 + hexValue(c);
  return v;
}

/** The length bytes for a message: printable ASCII as is, others as \xNN. */
function quoteHead(head: Uint8Array): string {
  let s = '';
  for (const c of head) s += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  return `"${s}"`;
}
