/**
 * Writing a tar stream, deterministically: entries sorted by the UTF-8 bytes of their paths
 * (which puts every directory before what it holds), missing parent directories added (mode
 * 0755), mtime `TAR_MTIME` (0, the epoch), uid/gid 0, uname/gname empty, devmajor/devminor 0,
 * names over 100 bytes split into the prefix field, two zero blocks and no padding to a
 * 10240-byte record.
 */
import { compareBytes, concatBytes } from '../../pack/bytes.js';
import { encodeUtf8Strict } from '../../pack/utf8.js';
import {
  BLOCK, CHKSUM, DEVMAJOR, DEVMINOR, EMPTY, GID, LINKNAME, MAGIC, MAX_OCTAL_SIZE, MODE, MTIME, NAME, PREFIX, SIZE, TAR_MTIME, TYPEFLAG, UID,
  USTAR_MAGIC, findTarPathProblem, headerSums, padded, putOctal, type TarEntry,
} from './header.js';

/**
 * Encode entries as an uncompressed tar stream (what `encodeTarGz` compresses).
 * @throws RangeError / TypeError for an entry the format cannot hold or that is malformed
 *         (unsafe or duplicate path, a path below a file, a name that does not fit the ustar
 *         name and prefix fields, a link target over 100 bytes, a mode beyond 0o7777, data on a
 *         directory), naming the path.
 * @example
 *   const tar = encodeTar(entries); decodeTar(tar); // the entries, sorted, parents added
 */
export function encodeTar(entries: readonly TarEntry[]): Uint8Array {
  const prepared = prepareEntries(entries);
  let total = 2 * BLOCK;
  for (const p of prepared) total += BLOCK + padded(p.entry.data.length);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of prepared) {
    writeHeader(out, at, p);
    at += BLOCK;
    out.set(p.entry.data, at);
    at += padded(p.entry.data.length);
  }
  return out;
}

interface Prepared {
  entry: TarEntry;
  /** The header name: the path, with a trailing '/' for a directory. */
  name: Uint8Array;
  link: Uint8Array;
  key: Uint8Array;
  /** For a parent directory the writer added: an entry it was added for. */
  impliedBy?: string | undefined;
}

function prepareEntries(entries: readonly TarEntry[]): Prepared[] {
  const byPath = new Map<string, TarEntry>();
  const impliedBy = new Map<string, string>();
  for (const e of entries) {
    checkEntryShape(e);
    if (byPath.has(e.path)) throw new RangeError(`encodeTarGz: entry ${JSON.stringify(e.path)} appears twice`);
    byPath.set(e.path, e);
  }
  for (const e of [...byPath.values()]) {
    for (let i = e.path.lastIndexOf('/'); i > 0; i = e.path.lastIndexOf('/', i - 1)) {
      const parent = e.path.slice(0, i);
      const p = byPath.get(parent);
      if (p === undefined) {
        byPath.set(parent, { path: parent, type: 'directory', mode: 0o755, data: EMPTY });
        impliedBy.set(parent, e.path);
      } else if (p.type !== 'directory') {
        throw new RangeError(`encodeTarGz: entry ${JSON.stringify(e.path)} is below ${JSON.stringify(parent)}, which is a ${p.type}`);
      }
    }
  }
  const prepared: Prepared[] = [];
  for (const entry of byPath.values()) {
    const key = encodeUtf8Strict(entry.path)!; // checked by checkEntryShape
    const name = entry.type === 'directory' ? concatBytes([key, Uint8Array.of(0x2f)]) : key;
    const link = entry.type === 'symlink' ? encodeUtf8Strict(entry.linkTarget!)! : EMPTY;
    if (link.length > 100) throw new RangeError(`encodeTarGz: entry ${JSON.stringify(entry.path)}: link target is ${link.length} bytes, ustar holds 100`);
    if (entry.data.length > MAX_OCTAL_SIZE) throw new RangeError(`encodeTarGz: entry ${JSON.stringify(entry.path)}: ${entry.data.length} bytes, ustar holds ${MAX_OCTAL_SIZE}`);
    prepared.push({ entry, name, link, key, impliedBy: impliedBy.get(entry.path) });
  }
  prepared.sort((a, b) => compareBytes(a.key, b.key));
  return prepared;
}

function checkEntryShape(e: TarEntry): void {
  if (e === null || typeof e !== 'object') throw new TypeError('encodeTarGz: an entry is not an object');
  if (typeof e.path !== 'string') throw new TypeError('encodeTarGz: entry path is not a string');
  const where = `encodeTarGz: entry ${JSON.stringify(e.path)}`;
  const problem = findTarPathProblem(e.path);
  if (problem !== undefined) throw new RangeError(`${where}: path ${problem}`);
  if (encodeUtf8Strict(e.path) === undefined) throw new RangeError(`${where}: path is not valid Unicode (lone surrogate)`);
  if (e.type !== 'file' && e.type !== 'directory' && e.type !== 'symlink') throw new TypeError(`${where}: type ${JSON.stringify(e.type)} is not file, directory or symlink`);
  if (!Number.isInteger(e.mode) || e.mode < 0 || e.mode > 0o7777) throw new RangeError(`${where}: mode ${e.mode} is not permission bits (0 to 0o7777)`);
  if (!(e.data instanceof Uint8Array)) throw new TypeError(`${where}: data is not a Uint8Array`);
  if (e.type !== 'file' && e.data.length > 0) throw new RangeError(`${where}: a ${e.type} has no data, got ${e.data.length} bytes`);
  if (e.type === 'symlink') {
    const t = e.linkTarget;
    if (typeof t !== 'string' || t === '') throw new RangeError(`${where}: a symlink needs a non-empty linkTarget`);
    if (t.includes('\0')) throw new RangeError(`${where}: link target contains a NUL`);
    if (encodeUtf8Strict(t) === undefined) throw new RangeError(`${where}: link target is not valid Unicode (lone surrogate)`);
  } else if (e.linkTarget !== undefined) {
    throw new RangeError(`${where}: only a symlink has a linkTarget`);
  }
}

function writeHeader(out: Uint8Array, at: number, p: Prepared): void {
  const h = out.subarray(at, at + BLOCK);
  const { prefix, name } = splitName(p);
  h.set(name, NAME);
  putOctal(h, MODE, 8, p.entry.mode);
  putOctal(h, UID, 8, 0);
  putOctal(h, GID, 8, 0);
  putOctal(h, SIZE, 12, p.entry.data.length);
  putOctal(h, MTIME, 12, TAR_MTIME);
  h[TYPEFLAG] = p.entry.type === 'file' ? 0x30 : p.entry.type === 'directory' ? 0x35 : 0x32;
  h.set(p.link, LINKNAME);
  h.set(USTAR_MAGIC, MAGIC);
  // uname and gname stay empty (all NUL).
  putOctal(h, DEVMAJOR, 8, 0);
  putOctal(h, DEVMINOR, 8, 0);
  h.set(prefix, PREFIX);
  h.fill(0x20, CHKSUM, CHKSUM + 8);
  // Six digits, NUL, space: what GNU tar and most writers put there.
  putOctal(h, CHKSUM, 7, headerSums(h).unsigned);
  h[CHKSUM + 7] = 0x20;
}

/** The ustar split of a long name: prefix (up to 155 bytes) '/' name (up to 100), at the last '/' that fits. */
function splitName(p: Prepared): { prefix: Uint8Array; name: Uint8Array } {
  const n = p.name;
  if (n.length <= 100) return { prefix: EMPTY, name: n };
  // Not at a directory's trailing '/': an empty name field reads as the end of the archive to
  // some readers (GNU tar refuses such names too).
  for (let i = Math.min(155, n.length - 2); i > 0; i--) {
    if (n[i] !== 0x2f) continue;
    if (n.length - i - 1 > 100) break; // a shorter prefix only makes the name longer
    return { prefix: n.subarray(0, i), name: n.subarray(i + 1) };
  }
  const implied = p.impliedBy === undefined ? '' : ` (the parent directory of ${JSON.stringify(p.impliedBy)})`;
  throw new RangeError(
    `encodeTarGz: entry ${JSON.stringify(p.entry.path)}${implied}: name of ${n.length} bytes does not fit ustar (a prefix of up to 155 bytes, '/', a name of up to 100)`,
  );
}
