// Hand-made git objects and pack directories for the checkout tests: trees with any names,
// modes and order (hostile ones git would never write), commits over them, written
// with writePackFiles without verification (so an object may even lie about its id). Ids are
// computed here with node:crypto, apart from the backends under test.
import { createHash } from 'node:crypto';
import type { Backend } from '../../src/backend/types.js';
import { writePackFiles } from '../../src/export/pack-dir.js';
import type { ObjectFormat, ObjectType } from '../../src/pack/oid.js';
import type { PackObjectSource } from '../../src/pack/write.js';

export interface HandObject extends PackObjectSource {
  readonly hex: string;
  readonly bytes: Uint8Array;
}

const enc = new TextEncoder();

function bytesOf(x: string | Uint8Array): Uint8Array {
  return typeof x === 'string' ? enc.encode(x) : x;
}

/** The id git gives `bytes` as an object of `type`. */
export function objectId(format: ObjectFormat, type: ObjectType, bytes: Uint8Array): Buffer {
  return createHash(format).update(`${type} ${bytes.length}\0`).update(bytes).digest();
}

/** An object; `lieAbout` gives it the id of other bytes (a pack that lies about an object). */
export function makeObject(format: ObjectFormat, type: ObjectType, data: string | Uint8Array, lieAbout?: string | Uint8Array): HandObject {
  const bytes = bytesOf(data);
  const oid = objectId(format, type, lieAbout === undefined ? bytes : bytesOf(lieAbout));
  return { oid, hex: oid.toString('hex'), type, size: bytes.length, path: '', bytes, load: () => bytes };
}

export interface HandEntry {
  /** Octal mode text as written in the tree: '100644', '100755', '120000', '40000', '160000'. */
  readonly mode: string;
  readonly name: string | Uint8Array;
  readonly oid: Uint8Array;
}

/** A tree of `entries` in the order given (nothing sorted, nothing checked). */
export function makeTree(format: ObjectFormat, entries: readonly HandEntry[]): HandObject {
  const parts: Uint8Array[] = [];
  for (const e of entries) parts.push(enc.encode(`${e.mode} `), bytesOf(e.name), new Uint8Array([0]), e.oid);
  return makeObject(format, 'tree', Buffer.concat(parts));
}

export function makeCommit(format: ObjectFormat, tree: HandObject, message = 'hand-made\n'): HandObject {
  return makeObject(
    format,
    'commit',
    `tree ${tree.hex}\nauthor A U Thor <author@example.com> 1700000000 +0000\ncommitter C O Mitter <committer@example.com> 1700000000 +0000\n\n${message}`,
  );
}

/**
 * A node of a hand-made tree, in the order it is written: a file (`content`, optionally
 * `exec`), a symbolic link (`link`), a directory (`children`), a gitlink (`gitlink`, hex), or
 * any `mode` with `content`.
 */
export type Node =
  | { name: string | Uint8Array; content: string | Uint8Array; exec?: boolean; mode?: string }
  | { name: string | Uint8Array; link: string | Uint8Array }
  | { name: string | Uint8Array; children: readonly Node[] }
  | { name: string | Uint8Array; gitlink: string };

export interface HandTree {
  readonly objects: HandObject[];
  readonly tree: HandObject;
  readonly commit: HandObject;
}

/** git's tree order (base_name_compare): bytes, a directory's name as if it ended in '/'. */
export function gitOrder(entries: readonly HandEntry[]): HandEntry[] {
  const key = (e: HandEntry) => Buffer.concat([Buffer.from(bytesOf(e.name)), Buffer.from(e.mode === '40000' ? '/' : '')]);
  return entries.map((e) => ({ e, k: key(e) })).sort((a, b) => Buffer.compare(a.k, b.k)).map((x) => x.e);
}

/**
 * The objects of a tree of `nodes` and a commit of it. Each tree's entries are put in git's
 * order (a stable sort: names given twice stay as given), so that a tree is hostile only in
 * what a test means it to be; `asGiven` writes them exactly in the order given.
 */
export function handTree(format: ObjectFormat, nodes: readonly Node[], { asGiven = false }: { asGiven?: boolean } = {}): HandTree {
  const objects = new Map<string, HandObject>();
  const add = (o: HandObject) => {
    if (!objects.has(o.hex)) objects.set(o.hex, o);
    return o;
  };
  const build = (list: readonly Node[]): HandObject => {
    const entries: HandEntry[] = list.map((n) => {
      if ('children' in n) return { mode: '40000', name: n.name, oid: build(n.children).oid };
      if ('link' in n) return { mode: '120000', name: n.name, oid: add(makeObject(format, 'blob', n.link)).oid };
      if ('gitlink' in n) return { mode: '160000', name: n.name, oid: Buffer.from(n.gitlink, 'hex') };
      return { mode: n.mode ?? (n.exec ? '100755' : '100644'), name: n.name, oid: add(makeObject(format, 'blob', n.content)).oid };
    });
    return add(makeTree(format, asGiven ? entries : gitOrder(entries)));
  };
  const tree = build(nodes);
  const commit = add(makeCommit(format, tree));
  return { objects: [...objects.values()], tree, commit };
}

/** Write `objects` as one pack (+ idx) in `dir`, unverified (an object may lie) and without deltas. */
export function writeHandPack(dir: string, objects: readonly HandObject[], backend: Backend, format: ObjectFormat): void {
  writePackFiles(dir, objects, backend, format, { verify: false, delta: false });
}
