/**
 * cat-file --batch and --batch-check (git-cat-file(1), "BATCH OUTPUT"; builtin/cat-file.c of
 * git 2.39): for each object name read from the input, or for every object with
 * --batch-all-objects, a line in the batch format and, with --batch, the object's contents and
 * a newline. Names that name nothing give `<name> missing`, short ids several objects share
 * `<name> ambiguous`.
 *
 * What is read is what git reads: --batch-check learns a packed object's type and size from
 * entry headers and the first bytes of its delta (pack-info.ts), a loose object's from the
 * first bytes of its file; --batch reads each object whole, through the delta-base cache. As
 * git's cat-file, nothing is hashed: with `verify`, every object is read whole and its id
 * checked (an option of this command only; every other read verifies by default).
 *
 * --batch-all-objects lists every object once: sorted by id (each pack's idx is sorted, the
 * loose ids are sorted, and the lists are merged), or with `unordered` as git does, the loose
 * objects first, then each pack in pack order.
 */
import { XtestPackError } from '../errors.js';
import { ObjectHasher } from '../pack/index-buffers.js';
import { HeadInflater } from '../pack/inflate-head.js';
import { fromHex, hashLength, toHex, typeName, type ObjectType } from '../pack/oid.js';
import { bytesEqual } from '../pack/bytes.js';
import type { PackFile, PackObject } from '../pack/pack-file.js';
import { DEFAULT_KEEP_BYTES, PackSequence } from '../pack/pack-sequence.js';
import { PackInfoReader, diskSize, findOid, packOrder, rankOf, readIdxTables, walkPack, type IdxTables, type PackOrder } from '../pack/pack-info.js';
import { BatchOutput, type BatchSink } from './batch-output.js';
import { parseBatchFormat, type BatchFormat } from './batch-format.js';
import { decodeLooseHeader, type LooseEntry, type ObjectDatabase, type ObjectLocation } from './database.js';
import { resolveRevision, type RevisionContext } from './revision.js';

export interface CatFileBatchOptions {
  /** --batch: each object's contents after its line (else --batch-check: the line only). */
  contents: boolean;
  /** The batch format (default `%(objectname) %(objecttype) %(objectsize)`). */
  format?: string | undefined;
  /** --batch-all-objects: every object of the database; the input is not read. */
  allObjects?: boolean;
  /** With allObjects: loose objects first, then each pack in pack order (git's --unordered). */
  unordered?: boolean;
  /** -z: input names end with NUL, not newline. */
  nulTerminated?: boolean;
  /**
   * Read every object whole and hash it, comparing with its id (default false: git's
   * cat-file does not, and neither does this command unless asked).
   */
  verify?: boolean;
  /** With verify: SHA-1 with collision detection, as ids are computed (default true). */
  collisionDetection?: boolean;
}

/** The input of names: successive chunks of bytes, `undefined` at its end. */
export interface BatchInput {
  read(): Uint8Array | undefined;
}

/** What one line says of an object: filled in place for each object. */
interface Described {
  type: ObjectType;
  size: number;
  disk: number;
  /** The delta base's id at `baseAt` in `base`, or no base. */
  base: Uint8Array | undefined;
  baseAt: number;
}

const MISSING = new TextEncoder().encode(' missing\n');
/** Delta results up to this size are built in one reused buffer when nothing keeps them. */
const SCRATCH_BYTES = 4 << 20;
/**
 * Names from the input may be anywhere in a pack, one read of it (a system call) each; a pack
 * up to this size is read whole once those reads have read as many bytes as it holds, as git's
 * mmap pages it in (PackFile.holdWhenRead).
 */
const PACK_HOLD_LIMIT = 1 << 30;
const AMBIGUOUS = new TextEncoder().encode(' ambiguous\n');
const EMPTY = new Uint8Array(0);
/**
 * The empty tree's ids: git knows this object without looking (object-file.c
 * `find_cached_object`), so a lookup by id finds it in any repository, as a tree of 0 bytes
 * that takes 0 bytes on disk and has no delta base.
 */
const EMPTY_TREE: Readonly<Record<string, Uint8Array>> = {
  sha1: fromHex('4b825dc642cb6eb9a060e54bf8d69288fbee4904')!,
  sha256: fromHex('6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321')!,
};
const TYPE_BYTES: Readonly<Record<ObjectType, Uint8Array>> = {
  commit: new TextEncoder().encode('commit'),
  tree: new TextEncoder().encode('tree'),
  blob: new TextEncoder().encode('blob'),
  tag: new TextEncoder().encode('tag'),
};

/**
 * Run cat-file --batch or --batch-check over `ctx`'s database: names from `input` (unless
 * `allObjects`), output to `sink` in large pieces (flushed whenever the input has been read up
 * to what it holds, so that a caller that writes a name and waits gets its answer).
 * @throws USAGE for a bad format or a name in a syntax not read here (`:path`, `@{...}`,
 *         `^{/...}`); the object read errors (PACK_CORRUPT, OBJECT_CORRUPT, ...; OID_MISMATCH
 *         and SHA1_COLLISION with `verify`), naming the file and object.
 * @example
 *   catFileBatch({ odb, refs }, { contents: false, allObjects: true }, { read: () => undefined }, (c) => writeSync(1, c));
 */
export function catFileBatch(ctx: RevisionContext, options: CatFileBatchOptions, input: BatchInput, sink: BatchSink): void {
  const batch = new Batch(ctx, options, sink);
  try {
    if (options.allObjects) {
      if (options.unordered) batch.allUnordered();
      else batch.allSorted();
    } else batch.names(input, options.nulTerminated ? 0 : 0x0a);
  } finally {
    batch.out.flush();
  }
}

class Batch {
  readonly out: BatchOutput;
  readonly #ctx: RevisionContext;
  readonly #odb: ObjectDatabase;
  readonly #format: BatchFormat;
  readonly #options: CatFileBatchOptions;
  readonly #h: number;
  readonly #head = new HeadInflater();
  readonly #d: Described = { type: 'blob', size: 0, disk: 0, base: undefined, baseAt: 0 };
  readonly #readers = new Map<PackFile, PackInfoReader>();
  readonly #orders = new Map<PackFile, { tables: IdxTables; order: PackOrder }>();
  readonly #decoder = new TextDecoder();
  /** Names come from the input: reads may jump anywhere in a pack (see PACK_HOLD_LIMIT). */
  #holdPacks = false;
  /** Whether each object is read whole: for its contents, or to verify it. */
  readonly #whole: boolean;
  /** Where delta results that are not kept are built (a view of it is written out, then reused). */
  readonly #scratch = new Uint8Array(SCRATCH_BYTES);
  /** Ids computed for --verify, one hasher reset per object. */
  #ids: ObjectHasher | undefined;

  constructor(ctx: RevisionContext, options: CatFileBatchOptions, sink: BatchSink) {
    this.#ctx = ctx;
    this.#odb = ctx.odb;
    this.#options = options;
    this.#format = parseBatchFormat(options.format);
    this.#h = hashLength(ctx.odb.format);
    this.#whole = options.contents || options.verify === true;
    this.out = new BatchOutput(sink);
  }

  // -------------------------------------------------------------------------------------------
  // Names from the input

  names(input: BatchInput, sep: number): void {
    this.#holdPacks = true;
    let pending: Uint8Array = EMPTY;
    for (;;) {
      this.out.flush();
      const chunk = input.read();
      if (chunk === undefined) break;
      if (chunk.length === 0) continue;
      let buf = chunk;
      if (pending.length > 0) {
        buf = new Uint8Array(pending.length + chunk.length);
        buf.set(pending);
        buf.set(chunk, pending.length);
      }
      let start = 0;
      for (let i = buf.indexOf(sep); i >= 0; i = buf.indexOf(sep, start)) {
        this.#line(buf.subarray(start, i), sep);
        start = i + 1;
      }
      pending = buf.slice(start);
    }
    if (pending.length > 0) this.#line(pending, sep);
  }

  #line(line: Uint8Array, sep: number): void {
    // As git's strbuf_getline: a CR before the LF goes too.
    if (sep === 0x0a && line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    let name = line;
    let rest: Uint8Array | undefined;
    if (this.#format.rest) {
      let ws = 0;
      while (ws < line.length && line[ws] !== 0x20 && line[ws] !== 0x09) ws++;
      if (ws < line.length) {
        name = line.subarray(0, ws);
        let r = ws;
        while (r < line.length && (line[r] === 0x20 || line[r] === 0x09)) r++;
        rest = line.subarray(r);
      }
    }
    const oid = this.#resolve(name);
    if (oid === 'missing' || oid === 'ambiguous') {
      this.out.bytes(name);
      this.out.bytes(oid === 'missing' ? MISSING : AMBIGUOUS);
      return;
    }
    if (this.#isEmptyTree(oid, 0)) {
      this.#emptyTree(oid, 0, rest);
      return;
    }
    const at = this.#odb.locate(oid);
    if (at === undefined) {
      this.out.bytes(name);
      this.out.bytes(MISSING);
      return;
    }
    if (this.#format.nameOnly && !this.#whole) {
      // Nothing of the object is asked for: that it exists is all.
      this.#lineOut(oid, 0, rest);
      return;
    }
    this.#located(oid, 0, at, rest);
  }

  #isEmptyTree(ids: Uint8Array, at: number): boolean {
    const e = EMPTY_TREE[this.#odb.format]!;
    for (let k = 0; k < e.length; k++) if (ids[at + k] !== e[k]) return false;
    return true;
  }

  /** The empty tree, as git's lookup by id gives it (known without being read). */
  #emptyTree(ids: Uint8Array, at: number, rest: Uint8Array | undefined): void {
    const d = this.#d;
    d.disk = 0;
    d.base = undefined;
    this.#write(ids, at, 'tree', EMPTY, rest, '');
  }

  /** The id a name gives, as git's get_oid_with_context: full ids as they are, else a revision. */
  #resolve(name: Uint8Array): Uint8Array | 'missing' | 'ambiguous' {
    const h = this.#h;
    if (name.length === 2 * h) {
      const oid = new Uint8Array(h);
      let k = 0;
      for (; k < h; k++) {
        const hi = hexValue(name[2 * k]!);
        const lo = hexValue(name[2 * k + 1]!);
        if (hi < 0 || lo < 0) break;
        oid[k] = (hi << 4) | lo;
      }
      if (k === h) return oid;
    }
    const text = this.#decoder.decode(name);
    const colon = text.indexOf(':');
    const rev = colon < 0 ? text : text.slice(0, colon);
    if (colon === 0 || rev.includes('@{') || rev.includes('^{/')) {
      throw new XtestPackError('USAGE', `${JSON.stringify(text)}: index entries (:path), reflogs and @{...}, and ^{/text} are not read by xtest-pack`);
    }
    try {
      return resolveRevision(this.#ctx, text).oid;
    } catch (e) {
      if (!(e instanceof XtestPackError)) throw e;
      if (e.code === 'AMBIGUOUS_OID') return 'ambiguous';
      if (e.code === 'UNKNOWN_REVISION' || e.code === 'OBJECT_MISSING') return 'missing';
      throw e;
    }
  }

  /** The line (and contents) of `oid` (at `oidAt` in `ids`), found at `at`. */
  #located(ids: Uint8Array, oidAt: number, at: ObjectLocation, rest: Uint8Array | undefined): void {
    const f = this.#format;
    const d = this.#d;
    if (at.pack === undefined) {
      const oid = ids.subarray(oidAt, oidAt + this.#h);
      d.disk = at.bytes.length;
      d.base = undefined;
      if (this.#whole) {
        const obj = this.#odb.decodeLoose(at.bytes, at.path, oid);
        this.#write(ids, oidAt, obj.type, obj.data, rest, at.path);
      } else {
        const hdr = decodeLooseHeader(at.bytes, this.#odb.backend, this.#head, at.path, toHex(oid));
        d.type = hdr.type;
        d.size = hdr.size;
        this.#lineOut(ids, oidAt, rest);
      }
      return;
    }
    const { pack, offset } = at;
    if (this.#holdPacks) pack.holdWhenRead(PACK_HOLD_LIMIT);
    if (f.disk || f.deltaBase || !this.#whole) {
      let reader = this.#readers.get(pack);
      if (!reader) this.#readers.set(pack, (reader = new PackInfoReader(pack, this.#head)));
      const info = reader.objectInfo(offset, f.size && !this.#whole);
      d.type = typeName(info.type)!;
      d.size = info.size;
      d.base = undefined;
      if (f.disk || (f.deltaBase && info.baseOffset >= 0)) {
        const { tables, order } = this.#order(pack);
        if (f.disk) d.disk = diskSize(order, rankOf(order, offset));
        if (f.deltaBase && info.baseOffset >= 0) {
          const r = rankOf(order, info.baseOffset);
          if (r < 0) throw new XtestPackError('PACK_CORRUPT', `delta base offset ${info.baseOffset} is not where an object starts`, { file: pack.source.name, offset });
          d.base = tables.oids;
          d.baseAt = order.positions[r]! * this.#h;
        }
      }
    }
    if (this.#whole) {
      const obj = pack.readShared(offset, this.#scratch);
      this.#write(ids, oidAt, obj.type, obj.data, rest, pack.source.name);
    } else this.#lineOut(ids, oidAt, rest);
  }

  /** The reverse index of `pack`, built on first use. */
  #order(pack: PackFile): { tables: IdxTables; order: PackOrder } {
    let o = this.#orders.get(pack);
    if (!o) {
      const tables = readIdxTables(pack.idx, pack.objectsEnd);
      o = { tables, order: packOrder(tables.offsets, pack.objectsEnd) };
      this.#orders.set(pack, o);
    }
    return o;
  }

  /** An object read whole: verified when asked, then its line and (with --batch) its contents. */
  #write(ids: Uint8Array, oidAt: number, type: ObjectType, data: Uint8Array, rest: Uint8Array | undefined, where: string): void {
    if (this.#options.verify) this.#verify(ids.subarray(oidAt, oidAt + this.#h), type, data, where);
    const d = this.#d;
    d.type = type;
    d.size = data.length;
    this.#lineOut(ids, oidAt, rest);
    if (this.#options.contents) {
      this.out.bytes(data);
      this.out.byte(0x0a);
    }
  }

  #verify(oid: Uint8Array, type: ObjectType, data: Uint8Array, where: string): void {
    let actual: Uint8Array;
    try {
      this.#ids ??= new ObjectHasher(this.#odb.backend, this.#odb.format, { collisionDetection: this.#options.collisionDetection ?? true });
      actual = this.#ids.id(type, data);
    } catch (e) {
      throw e instanceof XtestPackError ? e.at({ file: where, oid: toHex(oid) }) : e;
    }
    if (!bytesEqual(actual, oid)) {
      throw new XtestPackError('OID_MISMATCH', `content hashes to ${toHex(actual)}`, { file: where, oid: toHex(oid) });
    }
  }

  /** The format, expanded for the object described in `#d`. */
  #lineOut(ids: Uint8Array, oidAt: number, rest: Uint8Array | undefined): void {
    const out = this.out;
    const d = this.#d;
    const h = this.#h;
    for (const p of this.#format.parts) {
      if (typeof p !== 'string') out.bytes(p);
      else if (p === 'objectname') out.hex(ids, oidAt, h);
      else if (p === 'objecttype') out.bytes(TYPE_BYTES[d.type]);
      else if (p === 'objectsize') out.decimal(d.size);
      else if (p === 'objectsize:disk') out.decimal(d.disk);
      else if (p === 'deltabase') {
        if (d.base === undefined) out.zeros(h);
        else out.hex(d.base, d.baseAt, h);
      } else if (rest !== undefined) out.bytes(rest);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Every object

  /** Whether a walk of every object needs each one's headers read (not only when read whole). */
  #needsInfo(): boolean {
    const f = this.#format;
    return (!this.#whole && !f.nameOnly) || f.disk || f.deltaBase;
  }

  /**
   * The line (and contents) of idx entry `i` of `pack`, whose ids and offsets are `tables`:
   * a `type` of 0 when only reading it whole tells.
   */
  #packed(pack: PackFile, tables: IdxTables, i: number, type: number, size: number, base: number, disk: number, read?: () => PackObject): void {
    const h = this.#h;
    const ids = tables.oids;
    const d = this.#d;
    if (type > 0) {
      d.type = typeName(type)!;
      d.size = size;
    }
    d.disk = disk;
    d.base = base < 0 ? undefined : ids;
    d.baseAt = base * h;
    if (this.#whole) {
      const obj = read ? read() : pack.readShared(tables.offsets[i]!, this.#scratch);
      this.#write(ids, i * h, obj.type, obj.data, undefined, pack.source.name);
    } else this.#lineOut(ids, i * h, undefined);
  }
  #loose(e: LooseEntry, oid: Uint8Array): void {
    if (this.#isEmptyTree(oid, 0)) {
      this.#emptyTree(oid, 0, undefined);
      return;
    }
    if (this.#format.nameOnly && !this.#whole) {
      this.#lineOut(oid, 0, undefined);
      return;
    }
    const at = this.#odb.locate(oid);
    if (at === undefined) {
      // Gone since it was listed.
      this.out.ascii(e.hex);
      this.out.bytes(MISSING);
      return;
    }
    this.#located(oid, 0, at, undefined);
  }

  allSorted(): void {
    const h = this.#h;
    const f = this.#format;
    const info = this.#needsInfo() || this.#whole;
    // Each pack's objects with what the format needs, by idx position; then a merge by id.
    const packs = this.#odb.packs().map((pack) => {
      const tables = readIdxTables(pack.idx, pack.objectsEnd);
      checkSorted(tables.oids, h, pack.idx.source.name);
      const n = tables.offsets.length;
      const type = new Uint8Array(n);
      const size = new Float64Array(info ? n : 0);
      const base = new Int32Array(info ? n : 0).fill(-1);
      const disk = new Float64Array(f.disk ? n : 0);
      if (info) {
        walkPack(pack, f.size && !this.#whole, (pos, t, sz, b, dk) => {
          type[pos] = t;
          size[pos] = sz;
          base[pos] = b;
          if (f.disk) disk[pos] = dk;
        }, this.#head, { tables, order: packOrder(tables.offsets, pack.objectsEnd) });
      }
      // Read whole in idx order, which is the order of the merge below.
      const reads = new Uint32Array(this.#whole ? n : 0);
      for (let i = 0; i < reads.length; i++) reads[i] = i;
      // In id order the reads land all over the pack (see PACK_HOLD_LIMIT).
      if (this.#whole) pack.holdWhenRead(PACK_HOLD_LIMIT);
      const seq = this.#whole ? new PackSequence(pack, tables, reads, base, DEFAULT_KEEP_BYTES, this.#scratch) : undefined;
      return { pack, tables, type, size, base, disk, seq };
    });
    const emit = (k: number, i: number): void => {
      const p = packs[k]!;
      // Looked up by id, as git does here: the empty tree is not read from the pack.
      if (this.#isEmptyTree(p.tables.oids, i * h)) {
        p.seq?.skip(i);
        this.#emptyTree(p.tables.oids, i * h, undefined);
        return;
      }
      const read = p.seq ? () => p.seq!.read(i) : undefined;
      if (info) this.#packed(p.pack, p.tables, i, p.type[i]!, p.size[i]!, p.base[i]!, f.disk ? p.disk[i]! : 0, read);
      else this.#packed(p.pack, p.tables, i, 0, -1, -1, 0, read);
    };
    const loose = this.#odb.looseObjects().sort((a, b) => (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0));
    if (packs.length === 1 && loose.length === 0) {
      // One sorted list: no merge.
      const ids = packs[0]!.tables.oids;
      for (let i = 0, n = ids.length / h; i < n; i++) {
        if (i > 0 && compareAt(ids, (i - 1) * h, ids, i * h, h) === 0) packs[0]!.seq?.skip(i);
        else emit(0, i);
      }
      return;
    }
    const looseIds = new Uint8Array(loose.length * h);
    loose.forEach((e, k) => looseIds.set(fromHex(e.hex)!, k * h));
    // A k-way merge of sorted id lists; for an id in several, the first pack's entry, as git's
    // lookup finds it (packs before loose objects).
    const lists = [...packs.map((p) => p.tables.oids), looseIds];
    const next = lists.map(() => 0);
    for (;;) {
      let best = -1;
      for (let k = 0; k < lists.length; k++) {
        if (next[k]! * h >= lists[k]!.length) continue;
        if (best < 0 || compareAt(lists[k]!, next[k]! * h, lists[best]!, next[best]! * h, h) < 0) best = k;
      }
      if (best < 0) break;
      const ids = lists[best]!;
      const at = next[best]! * h;
      if (best < packs.length) emit(best, next[best]!);
      else this.#loose(loose[next[best]!]!, ids.subarray(at, at + h));
      next[best]!++;
      // Every list moves past this id (the entries passed over are not read).
      for (let k = 0; k < lists.length; k++) {
        while (next[k]! * h < lists[k]!.length && compareAt(lists[k]!, next[k]! * h, ids, at, h) === 0) {
          if (k < packs.length) packs[k]!.seq?.skip(next[k]!);
          next[k]!++;
        }
      }
    }
  }

  /**
   * Every object of `pack` read whole, in pack order: a first walk of the entry headers finds
   * each delta's base and counts the deltas on each object, then PackSequence reads them,
   * each entry inflated once (where a delta-base cache alone re-reads the bases it did not
   * keep, as git's unpack_entry does).
   */
  #wholeInPackOrder(
    pack: PackFile,
    tables: IdxTables,
    order: PackOrder,
    visit: (i: number, type: number, size: number, base: number, disk: number, read: () => PackObject) => void,
  ): void {
    const n = order.positions.length;
    const baseOf = new Int32Array(n);
    walkPack(pack, false, (pos, _type, _size, base) => void (baseOf[pos] = base), this.#head, { tables, order });
    const seq = new PackSequence(pack, tables, order.positions, baseOf, DEFAULT_KEEP_BYTES, this.#scratch);
    let read = false;
    for (let r = 0; r < n; r++) {
      const pos = order.positions[r]!;
      read = false;
      visit(pos, 0, -1, baseOf[pos]!, diskSize(order, r), () => ((read = true), seq.read(pos)));
      if (!read) seq.skip(pos);
    }
  }

  allUnordered(): void {
    const h = this.#h;
    const f = this.#format;
    const info = this.#needsInfo();
    const seen = new Set<string>();
    for (const e of this.#odb.looseObjects()) {
      if (seen.has(e.hex)) continue;
      seen.add(e.hex);
      this.#loose(e, fromHex(e.hex)!);
    }
    const done: IdxTables[] = [];
    for (const pack of this.#odb.packs()) {
      const tables = readIdxTables(pack.idx, pack.objectsEnd);
      const order = packOrder(tables.offsets, pack.objectsEnd);
      const ids = tables.oids;
      const dup = duplicates(tables, order, h);
      const others = seen.size > 0 || done.length > 0;
      const visit = (i: number, type: number, size: number, base: number, disk: number, read?: () => PackObject): void => {
        if (dup !== undefined && dup[i]) return;
        if (others) {
          const oid = ids.subarray(i * h, i * h + h);
          if (seen.size > 0 && seen.has(toHex(oid))) return;
          if (inEarlier(done, h, oid)) return;
        }
        this.#packed(pack, tables, i, type, size, base, disk, read);
      };
      if (this.#whole) this.#wholeInPackOrder(pack, tables, order, visit);
      else if (info) walkPack(pack, f.size, visit, this.#head, { tables, order });
      else {
        for (let r = 0; r < order.positions.length; r++) visit(order.positions[r]!, 0, -1, -1, diskSize(order, r));
      }
      done.push(tables);
    }
  }
}

/** Whether one of the packs walked before holds `oid`. */
function inEarlier(done: readonly IdxTables[], h: number, oid: Uint8Array): boolean {
  for (const other of done) if (findOid(other.oids, h, oid) >= 0) return true;
  return false;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function compareAt(a: Uint8Array, ai: number, b: Uint8Array, bi: number, h: number): number {
  for (let k = 0; k < h; k++) {
    const c = a[ai + k]! - b[bi + k]!;
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * Check that the ids are in order (an idx out of order would make the merge skip objects).
 * @throws IDX_CORRUPT naming the file.
 */
function checkSorted(ids: Uint8Array, h: number, name: string): void {
  for (let at = h; at < ids.length; at += h) {
    if (compareAt(ids, at - h, ids, at, h) > 0) {
      throw new XtestPackError('IDX_CORRUPT', `ids out of order at entry ${at / h}`, { file: name, oid: toHex(ids.subarray(at, at + h)) });
    }
  }
}

/**
 * The entries of a pack whose id an entry earlier in pack order has too (a pack may hold an
 * object twice), or undefined when there are none: equal ids sit side by side in the idx.
 */
function duplicates(tables: IdxTables, order: PackOrder, h: number): Uint8Array | undefined {
  const ids = tables.oids;
  const n = order.positions.length;
  let dup: Uint8Array | undefined;
  for (let i = 1; i < n; i++) {
    if (compareAt(ids, (i - 1) * h, ids, i * h, h) !== 0) continue;
    // A run of equal ids from i - 1: all but the one first in the pack are duplicates.
    let end = i + 1;
    while (end < n && compareAt(ids, i * h, ids, end * h, h) === 0) end++;
    dup ??= new Uint8Array(n);
    let keep = i - 1;
    for (let k = i; k < end; k++) if (tables.offsets[k]! < tables.offsets[keep]!) keep = k;
    for (let k = i - 1; k < end; k++) if (k !== keep) dup[k] = 1;
    i = end - 1;
  }
  return dup;
}
