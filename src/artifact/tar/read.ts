/**
 * Reading a tar stream, strictly: every header checksum, every size against what remains
 * (nothing is allocated on a declared size) and every path checked. pax extended headers
 * (`path`, `linkpath`, `size`; the rest ignored), GNU long names (`L`, `K`) and base-256 sizes
 * are read; hard links, devices, FIFOs, sparse files and unknown types are refused. Trailing zero
 * bytes after the archive's end are tolerated; anything else is refused. Offsets in errors are
 * in the tar stream, as tar's block numbers are.
 */
import { XtestPackError } from '../../errors.js';
import { concatBytes } from '../../pack/bytes.js';
import { decodeUtf8, decodeUtf8Strict } from '../../pack/utf8.js';
import {
  BLOCK, CHKSUM, EMPTY, GNU_MAGIC, LINKNAME, MAGIC, MODE, NAME, PREFIX, SIZE, TYPEFLAG, USTAR_MAGIC,
  field, findTarPathProblem, firstNonZero, hasBytes, headerSums, latin1, padded, parseNumber, type TarEntry,
} from './header.js';

/**
 * Decode an uncompressed tar stream (what `decodeTarGz` does after gunzip).
 * @throws ARCHIVE_CORRUPT, UNSAFE_PATH (see the module comment); offsets are in `tar`.
 * @example
 *   decodeTar(encodeTar([{ path: 'x', type: 'file', mode: 0o644, data }]))[0]!.path === 'x'
 */
export function decodeTar(tar: Uint8Array, options: { file?: string | undefined } = {}): TarEntry[] {
  return new TarReader(tar, options.file).read();
}

/** An ARCHIVE_CORRUPT (or UNSAFE_PATH) error at `offset` of `file`. */
export function archiveError(file: string | undefined, offset: number, reason: string, code: 'ARCHIVE_CORRUPT' | 'UNSAFE_PATH' = 'ARCHIVE_CORRUPT'): XtestPackError {
  return new XtestPackError(code, reason, { file, offset });
}

/** Extended-header values that apply to the next entry. */
interface Pending {
  /** Offset of the first extended header, for "has no entry after it". */
  offset: number;
  paxPath?: string | undefined;
  paxLinkpath?: string | undefined;
  paxSize?: number | undefined;
  longName?: Uint8Array | undefined;
  longLink?: Uint8Array | undefined;
  seen: Set<string>;
}

/** Entry types read and refused (anything else unknown is refused too). */
const REFUSED_TYPES = new Map([
  ['1', 'a hard link'],
  ['3', 'a character device'],
  ['4', 'a block device'],
  ['6', 'a FIFO'],
  ['D', 'a GNU incremental directory dump'],
  ['M', 'a GNU multi-volume continuation'],
  ['N', 'an old GNU long-name list'],
  ['S', 'a GNU sparse file'],
  ['V', 'a GNU volume label'],
]);

class TarReader {
  readonly #tar: Uint8Array;
  readonly #file: string | undefined;
  #pending: Pending | undefined;
  readonly #entries: TarEntry[] = [];
  /** Path -> offset and type, for duplicates and entries below non-directories. */
  readonly #seen = new Map<string, { offset: number; type: TarEntry['type'] }>();

  constructor(tar: Uint8Array, file: string | undefined) {
    this.#tar = tar;
    this.#file = file;
  }

  read(): TarEntry[] {
    const tar = this.#tar;
    let pos = 0;
    for (;;) {
      if (tar.length - pos < BLOCK) {
        if (pos === tar.length) throw this.#fail(pos, 'tar: archive ends without the two zero blocks that end it (truncated?)');
        throw this.#fail(pos, `tar: archive ends inside a header block (${tar.length - pos} of 512 bytes)`);
      }
      const h = tar.subarray(pos, pos + BLOCK);
      if (firstNonZero(h, 0) < 0) {
        this.#end(pos);
        break;
      }
      pos = this.#entry(h, pos);
    }
    this.#checkAncestors();
    return this.#entries;
  }

  #fail(offset: number, reason: string, code: 'ARCHIVE_CORRUPT' | 'UNSAFE_PATH' = 'ARCHIVE_CORRUPT'): XtestPackError {
    return archiveError(this.#file, offset, reason, code);
  }

  /** The zero block at `pos` must be followed by another, then only zero bytes. */
  #end(pos: number): void {
    const tar = this.#tar;
    if (this.#pending !== undefined) throw this.#fail(this.#pending.offset, 'tar: extended header has no entry after it');
    if (tar.length - pos < 2 * BLOCK) throw this.#fail(pos, 'tar: archive ends after a single zero block (truncated?)');
    if (firstNonZero(tar.subarray(pos + BLOCK, pos + 2 * BLOCK), 0) >= 0) throw this.#fail(pos, 'tar: a lone zero block inside the archive');
    const garbage = firstNonZero(tar, pos + 2 * BLOCK);
    if (garbage >= 0) throw this.#fail(garbage, `tar: ${tar.length - garbage} bytes of trailing garbage after the end of the archive`);
  }

  /** Read the header at `pos` and its data; return the offset of the next header. */
  #entry(h: Uint8Array, pos: number): number {
    const tar = this.#tar;
    const gnu = hasBytes(h, MAGIC, GNU_MAGIC);
    const rawName = gnu || !h[PREFIX] ? field(h, NAME, 100) : concatBytes([field(h, PREFIX, 155), Uint8Array.of(0x2f), field(h, NAME, 100)]);
    const shown = (): string => JSON.stringify(this.#pending?.paxPath ?? decodeUtf8(this.#pending?.longName ?? rawName));
    const sums = headerSums(h);
    const stored = parseNumber(h, CHKSUM, 8, false);
    if (stored === undefined) throw this.#fail(pos, `entry ${shown()}: header checksum field is not an octal number`);
    if (stored !== sums.unsigned && stored !== sums.signed) throw this.#fail(pos, `entry ${shown()}: header checksum ${stored} does not match the header's sum ${sums.unsigned}`);
    if (!gnu && !hasBytes(h, MAGIC, USTAR_MAGIC)) {
      throw this.#fail(pos, `entry ${shown()}: not a ustar header (magic ${JSON.stringify(latin1(h.subarray(MAGIC, MAGIC + 8)))})`);
    }
    const headerSize = parseNumber(h, SIZE, 12, true);
    if (headerSize === undefined) throw this.#fail(pos, `entry ${shown()}: size field is not a number (or is negative)`);
    const type = String.fromCharCode(h[TYPEFLAG]!);
    // A pax size applies to the entry, not to the extended headers themselves.
    const isExtension = type === 'x' || type === 'g' || type === 'L' || type === 'K';
    const size = !isExtension && this.#pending?.paxSize !== undefined ? this.#pending.paxSize : headerSize;
    const dataStart = pos + BLOCK;
    const remaining = tar.length - dataStart;
    if (padded(size) > remaining) {
      throw this.#fail(pos, `entry ${shown()}: size ${size} runs past the end of the archive (${remaining} bytes remain)`);
    }
    const data = tar.subarray(dataStart, dataStart + size);
    const next = dataStart + padded(size);

    switch (type) {
      case 'x':
        this.#pax(data, pos, shown);
        return next;
      case 'g':
        return next; // global pax records: nothing in them changes what we read
      case 'L':
      case 'K': {
        const p = this.#pendingAt(pos, type, shown);
        const nul = data.indexOf(0);
        const value = nul < 0 ? data : data.subarray(0, nul);
        if (value.length === 0) throw this.#fail(pos, `entry ${shown()}: GNU long ${type === 'L' ? 'name' : 'link'} is empty`);
        if (type === 'L') p.longName = value;
        else p.longLink = value;
        return next;
      }
      case '0':
      case '\0':
      case '7': // contiguous file: a regular file to every reader without the extension
      case '5':
      case '2':
        break;
      default: {
        const what = REFUSED_TYPES.get(type) ?? `an unknown entry type ${JSON.stringify(type)}`;
        const link = type === '1' ? ` (to ${JSON.stringify(this.#pending?.paxLinkpath ?? decodeUtf8(this.#pending?.longLink ?? field(h, LINKNAME, 100)))})` : '';
        throw this.#fail(pos, `entry ${shown()}: ${what}${link} is not supported`);
      }
    }

    const kind: TarEntry['type'] = type === '5' ? 'directory' : type === '2' ? 'symlink' : 'file';
    const pending = this.#pending;
    let path = pending?.paxPath ?? decodeUtf8Strict(pending?.longName ?? rawName);
    if (path === undefined) throw this.#fail(pos, `entry ${shown()}: path is not valid UTF-8`, 'UNSAFE_PATH');
    this.#pending = undefined;
    const display = JSON.stringify(path);
    if (kind === 'directory' && path.endsWith('/')) path = path.slice(0, -1);
    // `tar -C dir .` names entries "./a": that is "a", and "./" is the directory itself,
    // which is where the entries go (nothing to create).
    while (path.startsWith('./')) path = path.slice(2);
    if (path === '.' && kind === 'directory') return next;
    const problem = findTarPathProblem(path);
    if (problem !== undefined) throw this.#fail(pos, `entry ${display}: path ${problem}`, 'UNSAFE_PATH');
    const mode = parseNumber(h, MODE, 8, false);
    if (mode === undefined) throw this.#fail(pos, `entry ${display}: mode field is not an octal number`);
    if (kind !== 'file' && size !== 0) throw this.#fail(pos, `entry ${display}: a ${kind} with ${size} bytes of data`);
    const dup = this.#seen.get(path);
    if (dup !== undefined) throw this.#fail(pos, `entry ${JSON.stringify(path)}: appears twice (first at offset ${dup.offset})`, 'UNSAFE_PATH');
    this.#seen.set(path, { offset: pos, type: kind });
    if (kind === 'symlink') {
      const target = pending?.paxLinkpath ?? decodeUtf8Strict(pending?.longLink ?? field(h, LINKNAME, 100));
      if (target === undefined) throw this.#fail(pos, `entry ${display}: link target is not valid UTF-8`, 'UNSAFE_PATH');
      if (target === '') throw this.#fail(pos, `entry ${display}: symlink with an empty target`);
      if (target.includes('\0')) throw this.#fail(pos, `entry ${display}: link target contains a NUL`, 'UNSAFE_PATH');
      this.#entries.push({ path, type: kind, mode: mode & 0o7777, data: EMPTY, linkTarget: target });
    } else {
      this.#entries.push({ path, type: kind, mode: mode & 0o7777, data: kind === 'file' ? data : EMPTY });
    }
    return next;
  }

  /** The pending extended values, refusing a second header of the same kind before the entry. */
  #pendingAt(pos: number, kind: string, shown: () => string): Pending {
    const p = (this.#pending ??= { offset: pos, seen: new Set() });
    if (p.seen.has(kind)) throw this.#fail(pos, `entry ${shown()}: two '${kind}' extended headers for one entry`);
    p.seen.add(kind);
    return p;
  }

  /** pax extended header records: "<length> <key>=<value>\n", the length counting the whole record. */
  #pax(data: Uint8Array, pos: number, shown: () => string): void {
    const p = this.#pendingAt(pos, 'x', shown);
    let at = 0;
    while (at < data.length) {
      const bad = (why: string): never => {
        throw this.#fail(pos, `entry ${shown()}: pax record at byte ${at} of the extended header ${why}`);
      };
      let q = at;
      let length = 0;
      while (q < data.length && data[q]! >= 0x30 && data[q]! <= 0x39 && length <= data.length) length = length * 10 + data[q++]! - 0x30;
      if (q === at || data[q] !== 0x20) bad('does not start with a length and a space');
      if (length <= q - at + 1 || length > data.length - at) bad(`has length ${length}, which does not fit`);
      if (data[at + length - 1] !== 0x0a) bad('does not end with a newline');
      const record = data.subarray(q + 1, at + length - 1);
      const eq = record.indexOf(0x3d);
      if (eq <= 0) bad('has no key=value');
      const key = latin1(record.subarray(0, eq));
      const raw = record.subarray(eq + 1);
      if (key === 'path' || key === 'linkpath') {
        const value = raw.length === 0 ? undefined : decodeUtf8Strict(raw);
        if (raw.length > 0 && value === undefined) throw this.#fail(pos, `entry ${shown()}: pax ${key} is not valid UTF-8`, 'UNSAFE_PATH');
        if (key === 'path') p.paxPath = value;
        else p.paxLinkpath = value;
      } else if (key === 'size') {
        if (raw.length === 0) p.paxSize = undefined;
        else {
          const text = latin1(raw);
          const n = /^[0-9]{1,16}$/.test(text) ? Number(text) : NaN;
          if (!Number.isSafeInteger(n)) bad(`has size ${JSON.stringify(text)}, not a number below 2^53`);
          p.paxSize = n;
        }
      } else if (key.startsWith('GNU.sparse.')) {
        throw this.#fail(pos, `entry ${shown()}: a GNU sparse file (pax ${key}) is not supported`);
      }
      at += length;
    }
  }

  /** No entry may lie below a file or a symlink of the archive (a write through a link). */
  #checkAncestors(): void {
    for (const [path, { offset }] of this.#seen) {
      for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
        const parent = this.#seen.get(path.slice(0, i));
        if (parent !== undefined && parent.type !== 'directory') {
          throw this.#fail(offset, `entry ${JSON.stringify(path)}: lies below ${JSON.stringify(path.slice(0, i))}, a ${parent.type} at offset ${parent.offset}`, 'UNSAFE_PATH');
        }
      }
    }
  }
}
