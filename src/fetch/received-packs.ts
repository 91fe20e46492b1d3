/**
 * The packs a fetch has received, on disk in a scratch directory, read as one object database:
 *
 *   <dir>/incoming-<n>.pack           while a response streams in (written as it arrives)
 *   <dir>/pack-<checksum>.pack/.idx   once the pack is complete and indexed (every object
 *                                     inflated and hashed: its id is what its bytes hash to)
 *
 * Nothing is held whole in memory: a pack goes to disk as it arrives, and objects are read
 * back through the object database, which hashes each one again as it reads it.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { openFileSource, type FileSource } from '../fs/file-source.js';
import { nodeStorage } from '../fs/node-storage.js';
import { ObjectDatabase } from '../odb/database.js';
import { encodeIdx } from '../pack/idx/index.js';
import { toHex, type ObjectFormat } from '../pack/oid.js';
import type { ByteSource } from '../pack/source.js';
import type { FetchPackResult, PackSink } from './fetch-pack.js';

/** A pack sink writing to a file, that gives the file back as a source for indexing. */
export interface FilePackSink extends PackSink {
  readonly path: string;
  /** Pack bytes written. */
  readonly length: number;
  /** Close the file (and the source, if opened). Safe to call twice. */
  close(): void;
}

/**
 * The packs received so far in `dir` (created if needed), as an object database.
 * @example
 *   const store = new ReceivedPacks(dir, backend, 'sha1');
 *   const sink = store.sink(); const r = await fetchPack(t, caps, req, sink, backend); store.add(sink, r);
 *   store.odb.get(oid);
 */
export class ReceivedPacks {
  readonly dir: string;
  readonly format: ObjectFormat;
  readonly #backend: Backend;
  #odb: ObjectDatabase | undefined;
  #next = 0;
  /** Objects in the packs received (counted per pack: an object sent twice counts twice). */
  objects = 0;
  /** Pack bytes received. */
  packBytes = 0;

  constructor(dir: string, backend: Backend, format: ObjectFormat) {
    this.dir = dir;
    this.format = format;
    this.#backend = backend;
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new XtestPackError('IO', `cannot create: ${(e as Error).message}`, { file: dir, cause: e });
    }
  }

  /**
   * The object database of every pack added so far (reopened after each `add`).
   * @example
   *   store.odb.has(oid)
   */
  get odb(): ObjectDatabase {
    this.#odb ??= ObjectDatabase.open(this.dir, nodeStorage, this.#backend, this.format);
    return this.#odb;
  }

  /**
   * A sink for the next response's pack; `onBytes` is called with the pack bytes written so far.
   * @throws IO from `write`, and whatever `onBytes` throws (a byte limit).
   */
  sink(onBytes?: (length: number) => void): FilePackSink {
    const path = join(this.dir, `incoming-${this.#next++}.pack`);
    let fd: number | undefined;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      throw new XtestPackError('IO', `cannot create: ${(e as Error).message}`, { file: path, cause: e });
    }
    let length = 0;
    let source: FileSource | undefined;
    const closeFd = () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    };
    return {
      path,
      get length() {
        return length;
      },
      write(chunk) {
        if (fd === undefined) throw new XtestPackError('IO', 'write after close', { file: path });
        let done = 0;
        try {
          while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
        } catch (e) {
          throw new XtestPackError('IO', `cannot write: ${(e as Error).message}`, { file: path, cause: e });
        }
        length += chunk.length;
        onBytes?.(length);
      },
      source(): ByteSource {
        closeFd();
        source = openFileSource(path);
        return source;
      },
      close() {
        closeFd();
        source?.close();
        source = undefined;
      },
    };
  }

  /**
   * Keep the pack `sink` received, indexed by `fetchPack` (`result.indexed`): it is renamed to
   * `pack-<checksum>.pack`, its idx written beside it, and the database reopened over it.
   * @throws IO
   */
  add(sink: FilePackSink, result: FetchPackResult): void {
    sink.close();
    const indexed = result.indexed;
    if (indexed === undefined) throw new Error('ReceivedPacks.add: the pack was not indexed (the sink gives its source)');
    this.objects += indexed.count;
    this.packBytes += indexed.packSize;
    if (indexed.count === 0) {
      rmSync(sink.path, { force: true });
      return;
    }
    const base = join(this.dir, `pack-${toHex(indexed.packChecksum)}`);
    try {
      // The pack, then its idx: readers pass over a pack without its idx.
      renameSync(sink.path, `${base}.pack`);
      writeFileAtomic(`${base}.idx`, encodeIdx(indexed, indexed.packChecksum, this.#backend, { version: 2 }), 0o444);
    } catch (e) {
      if (e instanceof XtestPackError) throw e;
      throw new XtestPackError('IO', `cannot keep a received pack: ${(e as Error).message}`, { file: base, cause: e });
    }
    this.#odb?.close();
    this.#odb = undefined;
  }

  /** Drop a sink whose fetch failed (its file removed). */
  discard(sink: FilePackSink): void {
    sink.close();
    rmSync(sink.path, { force: true });
  }

  /** Close the database's files (the directory stays: its owner removes it). */
  close(): void {
    this.#odb?.close();
    this.#odb = undefined;
  }
}
