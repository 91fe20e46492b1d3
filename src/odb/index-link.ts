/**
 * The split index's `link` extension (gitformat-index(5), "Split index"; git's split-index.c
 * `read_link_extension`) and the EWAH bitmaps it holds (git's ewah/ewah_io.c, ewah_bitmap.c):
 *
 * ```
 *   link:  shared index id (20 or 32; all zeros: no shared index) | [delete ewah | replace ewah]
 *   ewah:  bit size u32 | word count u32 | words u64* | position of the last run word u32
 *   word:  a run word: bit 0 the run's bit, bits 1-32 the run length in words, bits 33-63 the
 *          number of literal words that follow it; then those literal words, bit 0 first
 * ```
 *
 * Positions are taken out of a bitmap only up to a limit the caller knows (the shared index's
 * entry count), so a run word claiming 2^38 set bits costs nothing before it is refused.
 */
import { XtestPackError } from '../errors.js';
import { hashLength, type ObjectFormat } from '../pack/oid.js';

export interface EwahBitmap {
  /** Declared number of bits (not trusted for anything). */
  readonly bitSize: number;
  /** The 64-bit words, big-endian, as a view. */
  readonly words: Uint8Array;
  /** Absolute offset of the words, for errors. */
  readonly offset: number;
}

export interface SplitIndexLink {
  /** Id of `$GIT_DIR/sharedindex.<hex>`; all zeros when no shared index is needed. */
  readonly baseOid: Uint8Array;
  /** Shared-index entries removed from the final index. */
  readonly deleteBitmap: EwahBitmap | undefined;
  /** Shared-index entries replaced, in order, by the nameless first entries of this file. */
  readonly replaceBitmap: EwahBitmap | undefined;
}

/**
 * Decode a `link` extension's data (at absolute `offset`).
 * @throws INDEX_CORRUPT naming the file and offset.
 * @example
 *   const link = decodeLink(ext.data, 'sha1', ext.offset + 8, '.git/index');
 */
export function decodeLink(data: Uint8Array, format: ObjectFormat, offset: number, file?: string): SplitIndexLink {
  const h = hashLength(format);
  if (data.length < h) throw new XtestPackError('INDEX_CORRUPT', 'link extension too short for a shared index id', { file, offset });
  const baseOid = data.subarray(0, h);
  if (data.length === h) return { baseOid, deleteBitmap: undefined, replaceBitmap: undefined };
  const del = readEwah(data, h, offset, file, 'delete');
  const rep = readEwah(data, del.next, offset, file, 'replace');
  if (rep.next !== data.length) {
    throw new XtestPackError('INDEX_CORRUPT', `${data.length - rep.next} bytes after the link extension's bitmaps`, { file, offset: offset + rep.next });
  }
  return { baseOid, deleteBitmap: del.bitmap, replaceBitmap: rep.bitmap };
}

function readEwah(data: Uint8Array, at: number, offset: number, file: string | undefined, what: string): { bitmap: EwahBitmap; next: number } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const fail = (pos: number, reason: string): never => {
    throw new XtestPackError('INDEX_CORRUPT', `link extension, ${what} bitmap: ${reason}`, { file, offset: offset + pos });
  };
  if (data.length - at < 8) fail(at, 'truncated header');
  const bitSize = view.getUint32(at);
  const count = view.getUint32(at + 4);
  // Checked against what remains before anything is taken: 8 bytes a word, then the u32.
  if (count > Math.floor((data.length - at - 8 - 4) / 8)) fail(at + 4, `${count} words do not fit in ${data.length - at - 8} bytes`);
  const words = data.subarray(at + 8, at + 8 + count * 8);
  const rlw = view.getUint32(at + 8 + count * 8);
  if (count > 0 ? rlw >= count : rlw !== 0) fail(at + 8 + count * 8, `last run word ${rlw} of ${count}`);
  return { bitmap: { bitSize, words, offset: offset + at + 8 }, next: at + 12 + count * 8 };
}

/**
 * The set positions of `bitmap`, ascending (git's ewah_each_bit), each below `limit`.
 * @throws INDEX_CORRUPT when a position reaches `limit` or a run word claims more literal
 *         words than follow it.
 * @example
 *   ewahPositions(link.deleteBitmap, shared.entries.length, '.git/index');
 */
export function ewahPositions(bitmap: EwahBitmap, limit: number, file?: string): number[] {
  const { words, offset } = bitmap;
  const view = new DataView(words.buffer, words.byteOffset, words.byteLength);
  const n = words.length / 8;
  const out: number[] = [];
  const over = (pointer: number, pos: number): never => {
    throw new XtestPackError('INDEX_CORRUPT', `split index bitmap sets bit ${pos}, beyond the ${limit} entries of the shared index`, {
      file,
      offset: offset + pointer * 8,
    });
  };
  let pos = 0;
  let pointer = 0;
  while (pointer < n) {
    const hi = view.getUint32(pointer * 8);
    const lo = view.getUint32(pointer * 8 + 4);
    const runBit = lo & 1;
    const runWords = (lo >>> 1) + (hi & 1) * 2 ** 31;
    const literals = hi >>> 1;
    if (runBit === 1 && runWords > 0) {
      if (pos + runWords * 64 > limit) over(pointer, Math.max(pos, limit));
      for (let k = 0; k < runWords * 64; k++) out.push(pos++);
    } else {
      pos += runWords * 64;
    }
    pointer++;
    if (literals > n - pointer) {
      throw new XtestPackError('INDEX_CORRUPT', `split index bitmap: run word claims ${literals} literal words, ${n - pointer} follow`, {
        file,
        offset: offset + (pointer - 1) * 8,
      });
    }
    for (let k = 0; k < literals; k++, pointer++) {
      const wh = view.getUint32(pointer * 8);
      const wl = view.getUint32(pointer * 8 + 4);
      for (let c = 0; c < 64; c++, pos++) {
        const bit = c < 32 ? (wl >>> c) & 1 : (wh >>> (c - 32)) & 1;
        if (bit === 1) {
          if (pos >= limit) over(pointer, pos);
          out.push(pos);
        }
      }
    }
  }
  return out;
}
