/**
 * The object database of a repository or of a bare pack directory: the union of the loose
 * objects (`xx/yyyy...`, zlib-deflated `"<type> <size>\0<data>"`), every `pack/*.pack` with its
 * `.idx`, and the databases `info/alternates` names. Every object read is hashed and compared
 * with the id it was asked for, unless the caller opts out.
 *
 * A directory holding `pack-*.pack` files directly (an exported test-data directory) is a
 * database too: its packs are read from the directory itself.
 */
import type { Backend } from '../backend/types.js';
import { ObjectHasher } from '../pack/index-buffers.js';
import { XtestPackError } from '../errors.js';
import { bytesEqual } from '../pack/bytes.js';
import { IdxFile } from '../pack/idx/index.js';
import type { HeadInflater } from '../pack/inflate-head.js';
import { fromHex, hashLength, toHex, type ObjectFormat, type ObjectType } from '../pack/oid.js';
import { DeltaBaseCache, PackFile } from '../pack/pack-file.js';
import { joinPath, type ClosableSource, type Storage } from '../fs/storage.js';

export interface RawObject {
  readonly type: ObjectType;
  readonly data: Uint8Array;
}

export interface DatabaseOptions {
  /** Hash every object read and compare with its id (default true). */
  verify?: boolean;
  /** Byte budget of the delta-base cache shared by the packs (default git's 96 MiB). */
  deltaBaseCacheLimit?: number;
  /** Called once per object read, with its id (tests count reads with it). */
  onRead?: (oidHex: string, type: ObjectType) => void;
}

/** Where `locate` finds an object: an entry of a pack, or a loose object file and its bytes. */
export type ObjectLocation =
  | { readonly pack: PackFile; readonly offset: number }
  | { readonly pack?: undefined; readonly path: string; readonly bytes: Uint8Array };

/** A loose object found by `looseObjects`. */
export interface LooseEntry {
  readonly hex: string;
  readonly path: string;
}

/** Minimum length of an abbreviated id, as git. */
export const MIN_ABBREV = 4;
/** How deep `info/alternates` chains are followed (git's limit). */
const MAX_ALTERNATE_DEPTH = 5;
const TYPES: readonly ObjectType[] = ['commit', 'tree', 'blob', 'tag'];

interface OpenPack {
  readonly name: string;
  readonly packPath: string;
  readonly idxPath: string;
  pack: PackFile | undefined;
  /** The pack's and the idx's sources, while open. */
  sources: ClosableSource[];
}

/** One objects directory: loose objects and packs, without alternates. */
class ObjectDirectory {
  readonly dir: string;
  readonly #packs: OpenPack[];
  readonly #storage: Storage;
  readonly #backend: Backend;
  readonly #format: ObjectFormat;
  readonly #cache: DeltaBaseCache;

  constructor(dir: string, storage: Storage, backend: Backend, format: ObjectFormat, cache: DeltaBaseCache) {
    this.dir = dir;
    this.#storage = storage;
    this.#backend = backend;
    this.#format = format;
    this.#cache = cache;
    this.#packs = [];
    // objects/pack/*.pack, or *.pack directly in a bare pack directory.
    for (const packDir of [joinPath(dir, 'pack'), dir]) {
      const names = storage.readDir(packDir) ?? [];
      for (const n of names.sort()) {
        if (!n.endsWith('.pack')) continue;
        const base = n.slice(0, -5);
        if (!names.includes(`${base}.idx`)) continue;
        this.#packs.push({
          name: n,
          packPath: joinPath(packDir, n),
          idxPath: joinPath(packDir, `${base}.idx`),
          pack: undefined,
          sources: [],
        });
      }
    }
  }

  #open(p: OpenPack): PackFile {
    if (p.pack) return p.pack;
    const idxSource = this.#storage.openSource(p.idxPath);
    const source = idxSource && this.#storage.openSource(p.packPath);
    if (!idxSource || !source) {
      idxSource?.close();
      throw new XtestPackError('IO', 'pack or idx vanished', { file: p.packPath });
    }
    try {
      // Opened for reading as git does: the idx's head and the pack's header and trailer are
      // checked now; entries are read in place as they are used, and every object read is
      // verified against its id.
      const idx = IdxFile.open(idxSource, this.#format);
      p.pack = PackFile.open(source, idx, this.#backend, { cache: this.#cache });
      p.sources = [source, idxSource];
      return p.pack;
    } catch (e) {
      source.close();
      idxSource.close();
      throw e instanceof XtestPackError ? e.withFile(p.idxPath) : e;
    }
  }

  #loosePath(hex: string): string {
    return joinPath(this.dir, hex.slice(0, 2), hex.slice(2));
  }

  /** The object, unverified, with where it came from; undefined when absent here. */
  read(oid: Uint8Array): { obj: RawObject; where: string } | undefined {
    for (const p of this.#packs) {
      const obj = this.#open(p).findObject(oid, { verify: false });
      if (obj) return { obj, where: p.packPath };
    }
    const hex = toHex(oid);
    const path = this.#loosePath(hex);
    const bytes = this.#storage.readFile(path);
    if (bytes === undefined) return undefined;
    return { obj: decodeLoose(bytes, this.#backend, path, hex), where: path };
  }

  /** The object checked against its id (in pieces when large), its type and size; undefined when absent here. */
  check(oid: Uint8Array, verify: (obj: RawObject, where: string) => void): { type: ObjectType; size: number } | undefined {
    for (const p of this.#packs) {
      const r = this.#open(p).checkObject(oid);
      if (r) return r;
    }
    const hex = toHex(oid);
    const path = this.#loosePath(hex);
    const bytes = this.#storage.readFile(path);
    if (bytes === undefined) return undefined;
    const obj = decodeLoose(bytes, this.#backend, path, hex);
    verify(obj, path);
    return { type: obj.type, size: obj.data.length };
  }

  /** The pack entry of `oid` in this directory's packs, or undefined. */
  locatePacked(oid: Uint8Array): ObjectLocation | undefined {
    for (const p of this.#packs) {
      const pack = this.#open(p);
      const offset = pack.locate(oid);
      if (offset >= 0) return { pack, offset };
    }
    return undefined;
  }

  /** The loose object file of `oid` here, or undefined. */
  locateLoose(oid: Uint8Array): ObjectLocation | undefined {
    const path = this.#loosePath(toHex(oid));
    const bytes = this.#storage.readFile(path);
    return bytes === undefined ? undefined : { path, bytes };
  }

  /** This directory's packs, opened, in lookup order. */
  packs(): PackFile[] {
    return this.#packs.map((p) => this.#open(p));
  }

  /** The loose objects here: fan-out directories 00 to ff, each in the order it lists its files. */
  looseObjects(into: LooseEntry[]): void {
    const rest = hashLength(this.#format) * 2 - 2;
    const name = new RegExp(`^[0-9a-f]{${rest}}$`);
    for (let b = 0; b < 256; b++) {
      const d = b.toString(16).padStart(2, '0');
      const dir = joinPath(this.dir, d);
      for (const n of this.#storage.readDir(dir) ?? []) {
        if (name.test(n)) into.push({ hex: d + n, path: joinPath(dir, n) });
      }
    }
  }

  has(oid: Uint8Array, hex: string): boolean {
    for (const p of this.#packs) if (this.#open(p).has(oid)) return true;
    return this.#storage.kind(this.#loosePath(hex)) === 'file';
  }

  /** Ids (hex) here that start with `prefix`. */
  findPrefix(prefix: string, into: Set<string>, limit: number): void {
    for (const p of this.#packs) {
      const pack = this.#open(p);
      for (const i of pack.idx.findPrefix(prefix, limit)) into.add(toHex(pack.idx.oidAt(i)));
    }
    const hexLen = hashLength(this.#format) * 2;
    const dirs = prefix.length >= 2 ? [prefix.slice(0, 2)] : Array.from({ length: 16 }, (_, i) => prefix + i.toString(16));
    for (const d of dirs) {
      for (const n of this.#storage.readDir(joinPath(this.dir, d)) ?? []) {
        const hex = d + n;
        if (hex.length === hexLen && /^[0-9a-f]+$/.test(n) && hex.startsWith(prefix)) into.add(hex);
        if (into.size >= limit) return;
      }
    }
  }

  close(): void {
    for (const p of this.#packs) {
      for (const s of p.sources) s.close();
      p.sources = [];
      p.pack = undefined;
    }
  }
}

/**
 * Decode a loose object file.
 * @throws OBJECT_CORRUPT naming the file and id.
 */
export function decodeLoose(bytes: Uint8Array, backend: Backend, path: string, hex: string): RawObject {
  const fail = (what: string): never => {
    throw new XtestPackError('OBJECT_CORRUPT', `loose object: ${what}`, { file: path, oid: hex });
  };
  // Bounded by what the file's bytes could inflate to, never by what it declares.
  const r = backend.inflateAll(bytes, bytes.length * 1032 + 64);
  if (!r.ok) return fail(r.detail);
  const d = r.data;
  const sp = d.indexOf(0x20);
  const nul = d.indexOf(0);
  if (sp < 0 || nul < 0 || sp > nul || nul > 32) return fail('bad header');
  const type = String.fromCharCode(...d.subarray(0, sp)) as ObjectType;
  if (!TYPES.includes(type)) return fail(`unknown type ${JSON.stringify(type)}`);
  const sizeText = String.fromCharCode(...d.subarray(sp + 1, nul));
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) return fail('bad size in header');
  const data = d.subarray(nul + 1);
  if (Number(sizeText) !== data.length) return fail(`header says ${sizeText} bytes, the object has ${data.length}`);
  return { type, data };
}

/**
 * The type and size a loose object file declares, from the first bytes of its inflated
 * contents only (git's `unpack_loose_header`): what cat-file --batch-check reads of it.
 * @throws OBJECT_CORRUPT naming the file and id, as `decodeLoose`.
 * @example
 *   const { type, size } = decodeLooseHeader(bytes, backend, head, path, hex);
 */
export function decodeLooseHeader(bytes: Uint8Array, backend: Backend, head: HeadInflater, path: string, hex: string): RawObjectHeader {
  const out = new Uint8Array(LOOSE_HEADER_MAX);
  const n = head.inflate(bytes, 0, bytes.length, out, LOOSE_HEADER_MAX);
  const nul = n < 0 ? -1 : out.subarray(0, n).indexOf(0);
  if (nul < 0) {
    // Not certain from the first bytes: the whole object says what is wrong (or right).
    const obj = decodeLoose(bytes, backend, path, hex);
    return { type: obj.type, size: obj.data.length };
  }
  const text = String.fromCharCode(...out.subarray(0, nul));
  const m = /^(commit|tree|blob|tag) (0|[1-9][0-9]*)$/.exec(text);
  if (!m || !Number.isSafeInteger(Number(m[2]))) {
    const obj = decodeLoose(bytes, backend, path, hex);
    return { type: obj.type, size: obj.data.length };
  }
  return { type: m[1] as ObjectType, size: Number(m[2]) };
}

/** Type and size of an object. */
export interface RawObjectHeader {
  readonly type: ObjectType;
  readonly size: number;
}

/** Inflated bytes that hold a loose object's header: git's MAX_HEADER_LEN is 32. */
const LOOSE_HEADER_MAX = 32;

/**
 * An object database: an objects directory, its alternates, their loose objects and packs.
 * @example
 *   const odb = ObjectDatabase.open('.git/objects', nodeStorage, getBackend(), 'sha1');
 *   const { type, data } = odb.get(fromHex(hex)!);
 */
export class ObjectDatabase {
  readonly format: ObjectFormat;
  readonly backend: Backend;
  readonly dirs: readonly string[];
  readonly #dirs: ObjectDirectory[];
  readonly #verify: boolean;
  readonly #onRead: ((oidHex: string, type: ObjectType) => void) | undefined;
  /** The hasher #check reuses (reset per object): a checkout hashes thousands of small ones. */
  #ids: ObjectHasher | undefined;

  /**
   * Open the objects directory `dir` and, through `info/alternates`, the ones it borrows from.
   * @throws NOT_A_REPOSITORY when `dir` is not a directory; IO.
   */
  static open(dir: string, storage: Storage, backend: Backend, format: ObjectFormat, options: DatabaseOptions = {}): ObjectDatabase {
    const root = storage.resolve(dir);
    if (storage.kind(root) !== 'dir') {
      throw new XtestPackError('NOT_A_REPOSITORY', 'not an objects directory', { file: dir });
    }
    const cache = new DeltaBaseCache(options.deltaBaseCacheLimit);
    const seen = new Set<string>();
    const dirs: ObjectDirectory[] = [];
    const add = (d: string, depth: number) => {
      if (seen.has(d)) return;
      seen.add(d);
      if (storage.kind(d) !== 'dir') {
        throw new XtestPackError('NOT_A_REPOSITORY', 'alternate object directory does not exist', { file: d });
      }
      dirs.push(new ObjectDirectory(d, storage, backend, format, cache));
      const alt = storage.readFile(joinPath(d, 'info', 'alternates'));
      if (alt === undefined) return;
      if (depth >= MAX_ALTERNATE_DEPTH) {
        throw new XtestPackError('NOT_A_REPOSITORY', `alternates nested deeper than ${MAX_ALTERNATE_DEPTH}`, { file: d });
      }
      for (const line of new TextDecoder().decode(alt).split('\n')) {
        const t = line.trim();
        if (t === '' || t.startsWith('#')) continue;
        add(storage.resolve(t.startsWith('"') ? JSON.parse(t) as string : t, d), depth + 1);
      }
    };
    add(root, 0);
    return new ObjectDatabase(dirs, backend, format, options);
  }

  private constructor(dirs: ObjectDirectory[], backend: Backend, format: ObjectFormat, options: DatabaseOptions) {
    this.#dirs = dirs;
    this.dirs = dirs.map((d) => d.dir);
    this.backend = backend;
    this.format = format;
    this.#verify = options.verify ?? true;
    this.#onRead = options.onRead;
  }

  /**
   * The object `oid`, verified against its id; `undefined` when no store holds it.
   * @throws OID_MISMATCH, SHA1_COLLISION, OBJECT_CORRUPT and the pack errors, naming the file
   *         and id.
   */
  find(oid: Uint8Array): RawObject | undefined {
    for (const d of this.#dirs) {
      const r = d.read(oid);
      if (!r) continue;
      if (this.#verify) this.#check(oid, r.obj, r.where);
      this.#onRead?.(toHex(oid), r.obj.type);
      return r.obj;
    }
    return undefined;
  }

  /**
   * The object `oid`.
   * @throws OBJECT_MISSING when no store holds it, and the errors of `find`.
   */
  get(oid: Uint8Array, expected?: ObjectType): RawObject {
    const obj = this.find(oid);
    if (!obj) throw new XtestPackError('OBJECT_MISSING', 'object not found', { oid: toHex(oid) });
    if (expected && obj.type !== expected) {
      throw new XtestPackError('OBJECT_CORRUPT', `is a ${obj.type}, expected a ${expected}`, { oid: toHex(oid) });
    }
    return obj;
  }

  /**
   * Check the object `oid` against its id, always, without keeping it (what a read that only
   * hashes needs: cat-file -e/-t/-s, status --verify): a delta result larger than LARGE_OBJECT
   * is hashed in pieces, never built. Its type and size.
   * @throws OBJECT_MISSING when no store holds it; OBJECT_CORRUPT when it is not of the
   *         `expected` type; and the errors of `find`.
   * @example
   *   const { type, size } = odb.check(oid);
   */
  check(oid: Uint8Array, expected?: ObjectType): { type: ObjectType; size: number } {
    for (const d of this.#dirs) {
      const r = d.check(oid, (obj, where) => this.#check(oid, obj, where));
      if (!r) continue;
      this.#onRead?.(toHex(oid), r.type);
      if (expected && r.type !== expected) {
        throw new XtestPackError('OBJECT_CORRUPT', `is a ${r.type}, expected a ${expected}`, { oid: toHex(oid) });
      }
      return r;
    }
    throw new XtestPackError('OBJECT_MISSING', 'object not found', { oid: toHex(oid) });
  }

  has(oid: Uint8Array): boolean {
    const hex = toHex(oid);
    return this.#dirs.some((d) => d.has(oid, hex));
  }

  /**
   * Where `oid` is stored, in git's order of lookup (`oid_object_info_extended`): the packs of
   * every objects directory, then the loose objects of each; undefined when nowhere. Nothing
   * is verified: a reader of the location decides.
   * @throws IO, and IDX_CORRUPT when an idx places it outside its pack.
   * @example
   *   const at = odb.locate(oid); if (at?.pack) at.pack.readShared(at.offset);
   */
  locate(oid: Uint8Array): ObjectLocation | undefined {
    for (const d of this.#dirs) {
      const at = d.locatePacked(oid);
      if (at) return at;
    }
    for (const d of this.#dirs) {
      const at = d.locateLoose(oid);
      if (at) return at;
    }
    return undefined;
  }

  /** Every pack of every objects directory, opened: the main directory's first, each directory's by name. */
  packs(): PackFile[] {
    return this.#dirs.flatMap((d) => d.packs());
  }

  /** Every loose object of every objects directory (main first), as `git cat-file --batch-all-objects --unordered` lists them. */
  looseObjects(): LooseEntry[] {
    const out: LooseEntry[] = [];
    for (const d of this.#dirs) d.looseObjects(out);
    return out;
  }

  /**
   * Decode the loose object file `bytes` (of `oid`, at `path`), not verified.
   * @throws OBJECT_CORRUPT naming the file and id.
   */
  decodeLoose(bytes: Uint8Array, path: string, oid: Uint8Array): RawObject {
    return decodeLoose(bytes, this.backend, path, toHex(oid));
  }

  /** Full ids (hex, sorted) that start with the hex `prefix`, at most `limit`. */
  findPrefix(prefix: string, limit = 64): string[] {
    const p = prefix.toLowerCase();
    if (!/^[0-9a-f]*$/.test(p) || p.length === 0) return [];
    const found = new Set<string>();
    for (const d of this.#dirs) d.findPrefix(p, found, limit);
    return [...found].sort().slice(0, limit);
  }

  /**
   * The one object whose id starts with `hex` (4 to full length).
   * @throws AMBIGUOUS_OID listing candidates; OBJECT_MISSING; USAGE for too short.
   */
  resolvePrefix(hex: string): Uint8Array {
    const full = hashLength(this.format) * 2;
    if (hex.length === full) {
      const oid = fromHex(hex);
      if (oid) return oid;
    }
    if (hex.length < MIN_ABBREV || hex.length > full || !/^[0-9a-fA-F]+$/.test(hex)) {
      throw new XtestPackError('USAGE', `not an object id or abbreviation of ${MIN_ABBREV}+ hex digits: ${hex}`);
    }
    const c = this.findPrefix(hex, 16);
    if (c.length === 0) throw new XtestPackError('OBJECT_MISSING', `no object id starts with ${hex}`);
    if (c.length > 1) {
      throw new XtestPackError('AMBIGUOUS_OID', `short object ID ${hex} is ambiguous; candidates: ${c.join(', ')}`);
    }
    return fromHex(c[0]!)!;
  }

  #check(oid: Uint8Array, obj: RawObject, where: string): void {
    let actual: Uint8Array;
    try {
      actual = (this.#ids ??= new ObjectHasher(this.backend, this.format, {})).id(obj.type, obj.data);
    } catch (e) {
      throw e instanceof XtestPackError ? e.at({ file: where, oid: toHex(oid) }) : e;
    }
    if (!bytesEqual(actual, oid)) {
      throw new XtestPackError('OID_MISMATCH', `content hashes to ${toHex(actual)}`, { file: where, oid: toHex(oid) });
    }
  }

  /** Close the pack files. */
  close(): void {
    for (const d of this.#dirs) d.close();
  }
}
