/**
 * Pack directories on disk: writing a pack and its idx so that a reader never sees a partial
 * one (the pack is streamed to a temporary name, renamed into place, then the idx is written
 * atomically: a pack without its idx is ignored by readers), and merging a directory's packs.
 */
import { closeSync, openSync, readdirSync, renameSync, rmSync, writeSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { nodeStorage } from '../fs/node-storage.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { ObjectDatabase } from '../odb/database.js';
import { packDirectoryFormat } from '../odb/open.js';
import { encodeIdx, openIdx } from '../pack/idx/index.js';
import { toHex, type ObjectFormat } from '../pack/oid.js';
import { bytesSource } from '../pack/source.js';
import type { PackObjectSource, WritePackOptions, WrittenPack } from '../pack/write.js';
import { writePackThreaded, type ThreadOptions } from './pack-workers.js';

export interface WrittenPackFiles extends WrittenPack {
  /** The pack's path (`<dir>/pack-<checksum>.pack`). */
  readonly packPath: string;
  readonly idxPath: string;
}

/**
 * Write `objects` as `<dir>/pack-<checksum>.pack` and `.idx` (idx version 2 unless told).
 * @throws IO, and the errors of writePack.
 * @example
 *   writePackFiles(dir, objects, backend, 'sha1', { window: 10 });
 */
export function writePackFiles(
  dir: string,
  objects: readonly PackObjectSource[],
  backend: Backend,
  format: ObjectFormat,
  options: WritePackOptions & ThreadOptions & { idxVersion?: 1 | 2 } = {},
): WrittenPackFiles {
  const tmp = join(dir, `.tmp-pack-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    const out = fd;
    // Entries are small and many: gather them into large writes.
    const buffer = new Uint8Array(1 << 20);
    let held = 0;
    const flush = () => {
      writeAll(out, buffer.subarray(0, held));
      held = 0;
    };
    const written = writePackThreaded(
      objects,
      {
        write: (b) => {
          if (held + b.length > buffer.length) flush();
          if (b.length >= buffer.length) writeAll(out, b);
          else {
            buffer.set(b, held);
            held += b.length;
          }
        },
      },
      backend,
      format,
      options,
    );
    flush();
    closeSync(fd);
    fd = undefined;
    const base = join(dir, `pack-${toHex(written.checksum)}`);
    chmodSync(tmp, 0o444 & ~process.umask());
    renameSync(tmp, `${base}.pack`);
    writeFileAtomic(`${base}.idx`, encodeIdx(written, written.checksum, backend, { version: options.idxVersion ?? 2 }), 0o444);
    return { ...written, packPath: `${base}.pack`, idxPath: `${base}.idx` };
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (e instanceof XtestPackError) throw e;
    throw new XtestPackError('IO', `cannot write a pack: ${(e as Error).message}`, { file: dir, cause: e });
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  let done = 0;
  while (done < b.length) done += writeSync(fd, b, done, b.length - done);
}

/** The `pack-*.pack` files (with an idx) directly in `dir`, sorted. */
export function listPacks(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^pack-[0-9a-f]+\.pack$/.test(n) && names.includes(n.replace(/\.pack$/, '.idx')))
    .sort()
    .map((n) => join(dir, n));
}

export interface RepackResult {
  readonly written: WrittenPackFiles | undefined;
  /** How many packs the directory held before. */
  readonly merged: number;
  readonly removed: string[];
}

/**
 * Merge all packs of `dir` into one deterministic pack (the same objects give the same bytes
 * whatever packs they came from), then remove the old ones.
 * @throws IO, and read errors of the packs (every object is verified on the way).
 * @example
 *   repackDirectory('test-data/', backend);
 */
export function repackDirectory(dir: string, backend: Backend, options: WritePackOptions & ThreadOptions = {}): RepackResult {
  const packs = listPacks(dir);
  if (packs.length === 0) return { written: undefined, merged: 0, removed: [] };
  const format = packDirectoryFormat(dir, nodeStorage, backend);
  const odb = ObjectDatabase.open(dir, nodeStorage, backend, format);
  try {
    const objects: PackObjectSource[] = [];
    const seen = new Set<string>();
    for (const p of packs) {
      const idxPath = p.replace(/\.pack$/, '.idx');
      const idx = openIdx(bytesSource(nodeStorage.readFile(idxPath)!, idxPath), backend, { format, verify: true });
      for (let i = 0; i < idx.count; i++) {
        const oid = idx.oidAt(i).slice();
        const hex = toHex(oid);
        if (seen.has(hex)) continue;
        seen.add(hex);
        const obj = odb.get(oid);
        objects.push({ oid, type: obj.type, size: obj.data.length, path: '', load: () => odb.get(oid).data });
      }
    }
    const written = writePackFiles(dir, objects, backend, format, options);
    const removed: string[] = [];
    for (const p of packs) {
      if (p === written.packPath) continue;
      rmSync(p.replace(/\.pack$/, '.idx'), { force: true });
      rmSync(p, { force: true });
      removed.push(p);
    }
    return { written, merged: packs.length, removed };
  } finally {
    odb.close();
  }
}

/** Bytes of object data a source list keeps from its first read for the writer (else read twice). */
const KEEP_BUDGET = 64 * 1024 * 1024;

/**
 * Pack sources for objects of `odb`: each is read once here for its type and size, and its data
 * kept for the writer while they fit `keepBudget` bytes (read again later otherwise), so that
 * small exports read each object once and large ones stay bounded.
 * @throws OBJECT_MISSING and the read errors of `odb`.
 * @example
 *   writePackFiles(out, packSources(repo.odb, [{ oid, path: 'a.txt' }]), backend, repo.format);
 */
export function packSources(odb: ObjectDatabase, items: Iterable<{ oid: Uint8Array; path: string }>, keepBudget = KEEP_BUDGET): PackObjectSource[] {
  const out: PackObjectSource[] = [];
  let kept = 0;
  for (const { oid, path } of items) {
    const obj = odb.get(oid);
    const data = obj.data;
    const keep = kept + data.length <= keepBudget;
    if (keep) kept += data.length;
    out.push({ oid, type: obj.type, size: data.length, path, load: keep ? () => data : () => odb.get(oid).data });
  }
  return out;
}
