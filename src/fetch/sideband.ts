/**
 * side-band-64k multiplexing (gitprotocol-pack.adoc "Packfile Data"; git's sideband.c
 * `demultiplex_sideband`). In protocol v2 the `packfile` section of a fetch response is always
 * multiplexed this way.
 *
 *   pkt-line payload:  | band (1 byte) | data: 0 to 65515 bytes |
 *   band 1  pack data (an empty one is upload-pack's keepalive, `0005\x01`)
 *   band 2  progress and messages for the user (`\r` rewrites a line; may carry "fatal: …")
 *   band 3  a fatal error; the server stops (git's upload-pack ends the text with a NUL)
 */
import { XtestPackError } from '../errors.js';
import { LARGE_PACKET_DATA_MAX } from './pkt-line.js';

/** The most data one side-band-64k packet holds: a pkt-line payload less the band byte. */
export const SIDEBAND_DATA_MAX = LARGE_PACKET_DATA_MAX - 1;

export type Band = 1 | 2 | 3;

/** One demultiplexed packet. `data` is a view of the payload. */
export interface SidebandPacket {
  readonly band: Band;
  readonly data: Uint8Array;
}

/**
 * Split a side-band pkt-line payload into band and data.
 * @throws PROTOCOL_CORRUPT for an empty payload or a band other than 1, 2 and 3 (`offset` is
 *         the packet's, as the caller knows it).
 * @example
 *   decodeSideband(pkt.data) // { band: 1, data: <pack bytes> }
 */
export function decodeSideband(payload: Uint8Array, offset?: number): SidebandPacket {
  const band = payload[0];
  if (band === undefined) {
    throw new XtestPackError('PROTOCOL_CORRUPT', 'empty side-band packet (no band byte)', { offset });
  }
  if (band !== 1 && band !== 2 && band !== 3) {
    throw new XtestPackError('PROTOCOL_CORRUPT', `side-band packet on band ${band} (only 1, 2 and 3 exist)`, { offset });
  }
  return { band, data: payload.subarray(1) };
}

/**
 * The pkt-line payload for `data` on `band`.
 * @throws RangeError for more than 65515 bytes of data.
 * @example
 *   encodePkt({ type: 'data', data: encodeSideband(1, packChunk) })
 */
export function encodeSideband(band: Band, data: Uint8Array): Uint8Array {
  if (data.length > SIDEBAND_DATA_MAX) throw new RangeError(`side-band data of ${data.length} bytes exceeds ${SIDEBAND_DATA_MAX}`);
  const out = new Uint8Array(data.length + 1);
  out[0] = band;
  out.set(data, 1);
  return out;
}

/**
 * Text a server sent (an ERR line, band 2 or 3) made safe for a one-line message: trailing NULs
 * and line ends dropped, inner line breaks shown as ` / `, other control bytes and every
 * non-ASCII byte shown as `\xNN` (a hostile server cannot move the cursor or fake a second
 * line), and at most `max` characters kept (the end, where git puts the reason, wins).
 * @example
 *   remoteText(ascii('aborting due to possible repository corruption on the remote side.\0'))
 */
export function remoteText(data: Uint8Array, max = 240): string {
  let end = data.length;
  while (end > 0 && (data[end - 1] === 0 || data[end - 1] === 0x0a || data[end - 1] === 0x0d)) end--;
  let s = '';
  let start = 0;
  while (start < end && (data[start] === 0x0a || data[start] === 0x0d)) start++;
  for (let i = start; i < end; i++) {
    const c = data[i]!;
    if (c === 0x0a || c === 0x0d) {
      if (!s.endsWith(' / ')) s += ' / ';
    } else if (c >= 0x20 && c < 0x7f && c !== 0x5c) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s.length > max ? `…${s.slice(s.length - max + 1)}` : s;
}

/**
 * The last few hundred bytes of band 2, kept so that an error can show what the server said
 * last (band 2 is never written to stderr: autopkgtest treats stderr as failure).
 * @example
 *   const tail = new ProgressTail(); tail.add(packet.data); … tail.lastLine() // "fatal: unable to read 8933b2…"
 */
export class ProgressTail {
  #buf: Uint8Array;
  #length = 0;

  constructor(size = 512) {
    this.#buf = new Uint8Array(size);
  }

  /** Keep `data`'s bytes (only the last `size` of everything added stay). */
  add(data: Uint8Array): void {
    const size = this.#buf.length;
    if (data.length >= size) {
      this.#buf.set(data.subarray(data.length - size));
      this.#length = size;
      return;
    }
    const keep = Math.min(this.#length, size - data.length);
    this.#buf.copyWithin(0, this.#length - keep, this.#length);
    this.#buf.set(data, keep);
    this.#length = keep + data.length;
  }

  /** The last non-empty line (lines end in LF or CR), as `remoteText` shows it; `undefined` if none. */
  lastLine(): string | undefined {
    const b = this.#buf.subarray(0, this.#length);
    let end = b.length;
    for (;;) {
      while (end > 0 && (b[end - 1] === 0x0a || b[end - 1] === 0x0d || b[end - 1] === 0)) end--;
      if (end === 0) return undefined;
      let start = end;
      while (start > 0 && b[start - 1] !== 0x0a && b[start - 1] !== 0x0d) start--;
      const text = remoteText(b.subarray(start, end));
      if (text.trim() !== '') return text;
      end = start;
    }
  }
}
