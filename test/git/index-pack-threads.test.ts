// index-pack on worker threads (src/pack-node) against git index-pack: the idx bytes are git's
// whatever the number of threads (1, 2, 3, 4), from a file and from memory; what verify -v
// prints is the single-threaded result; an error in pass 2 is the same one (code, offset)
// whatever the number of threads; a worker that crashes, exits or hangs fails the call with
// THREAD_FAILED instead of hanging it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { openFileSource } from '../../src/fs/file-source.js';
import { encodeIdx } from '../../src/pack/idx/index.js';
import { indexPack } from '../../src/pack/index-pack.js';
import { OBJ_BLOB, OBJ_OFS_DELTA } from '../../src/pack/oid.js';
import { bytesSource } from '../../src/pack/source.js';
import { indexPackCoreThreaded, indexPackThreaded, type ThreadedIndexPackOptions } from '../../src/pack-node/index-pack-threads.js';
import { assertOneLineError, xtestPack } from '../support/cli.js';
import { buildPack, pseudoRandomBytes, simpleDelta, type EntrySpec } from '../support/pack-builder.js';
import { copyFixture, gitFormatArgs, ourFormatArgs, packFixture, scratchDir, type FixtureName } from '../support/repos.js';
import { git } from '../support/git.js';

const backend = getBackend();
const THREADS = [1, 2, 3, 4] as const;

describe('index-pack --threads: the idx is git\'s whatever the number of threads', () => {
  for (const name of ['deep-chains', 'ref-delta', 'index-v1', 'sha256', 'self'] as const satisfies readonly FixtureName[]) {
    test(`${name}: library, from the file and from memory, 1-4 threads`, async () => {
      const f = packFixture(name);
      const gitIdx = readFileSync(f.idx);
      const options: ThreadedIndexPackOptions = { format: f.format };
      for (const threads of THREADS) {
        const src = openFileSource(f.pack);
        try {
          const indexed = await indexPackCoreThreaded(src, backend, { ...options, threads });
          const idx = encodeIdx(indexed, indexed.packChecksum, backend, { version: f.idxVersion });
          assert.ok(Buffer.from(idx).equals(gitIdx), `${threads} threads, from the file: idx differs from git's`);
        } finally {
          src.close();
        }
        const mem = await indexPackCoreThreaded(bytesSource(readFileSync(f.pack), 'p.pack'), backend, { ...options, threads });
        const idx = encodeIdx(mem, mem.packChecksum, backend, { version: f.idxVersion });
        assert.ok(Buffer.from(idx).equals(gitIdx), `${threads} threads, from memory: idx differs from git's`);
      }
    });
  }

  test('ref-delta: what verify -v prints (types, sizes, chains, bases) is the single-threaded result', async () => {
    const f = packFixture('ref-delta');
    const bytes = readFileSync(f.pack);
    const one = indexPack(bytesSource(bytes, 'p.pack'), backend);
    for (const threads of THREADS) {
      const src = openFileSource(f.pack);
      try {
        const many = await indexPackThreaded(src, backend, { threads });
        for (const key of ['oids', 'offsets', 'crc32s', 'packTypes', 'types', 'sizes', 'depths', 'bases'] as const) {
          assert.deepEqual(Array.from(many[key]), Array.from(one[key]), `${threads} threads: ${key}`);
        }
      } finally {
        src.close();
      }
    }
  });

  for (const threads of [1, 2, 3]) {
    test(`CLI --threads ${threads}: git's idx bytes and checksum line (self, sha256)`, () => {
      for (const name of ['self', 'sha256'] as const) {
        const f = packFixture(name);
        const dir = scratchDir();
        const { pack } = copyFixture(f, dir, { base: 'p', withIdx: false });
        const gitOut = git(['index-pack', ...gitFormatArgs(f), '-o', join(dir, 'git.idx'), pack], { cwd: dir }).toString('utf8');
        const r = xtestPack(['index-pack', '--threads', String(threads), ...ourFormatArgs(f), '-o', join(dir, 'p.idx'), pack]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.toString('utf8'), gitOut);
        assert.ok(readFileSync(join(dir, 'p.idx')).equals(readFileSync(join(dir, 'git.idx'))), `${name}: idx differs`);
        const v = xtestPack(['verify', '--threads', String(threads), join(dir, 'p.idx')]);
        assert.equal(v.status, 0, v.stderr);
      }
    });
  }
});

describe('index-pack --threads: errors', () => {
  /**
   * 40 whole blobs, each with a chain of 3 OFS_DELTAs; the deltas at `broken` (chain number)
   * copy past the end of their base, which pass 1 cannot see (their zlib streams are sound).
   */
  function packWithBrokenChains(broken: readonly number[]): { bytes: Uint8Array; offsets: number[]; brokenAt: number[] } {
    const entries: EntrySpec[] = [];
    const brokenEntries: number[] = [];
    for (let c = 0; c < 40; c++) {
      let prev = pseudoRandomBytes(3000 + c * 17, c + 1);
      const root = entries.length;
      entries.push({ type: OBJ_BLOB, data: prev });
      for (let d = 0; d < 3; d++) {
        const next = prev.slice();
        next[d * 100 + 7] = next[d * 100 + 7]! ^ 0xff;
        let delta = simpleDelta(prev, next);
        if (broken.includes(c) && d === 1) {
          // The same two size varints (2 bytes each at these sizes), then a copy of 16 bytes
          // from offset 65535, past the base's end.
          delta = Uint8Array.of(...delta.subarray(0, 4), 0x93, 0xff, 0xff, 0x10);
          brokenEntries.push(entries.length);
        }
        entries.push({ type: OBJ_OFS_DELTA, data: delta, ofsBase: d === 0 ? root : entries.length - 1 });
        prev = next;
      }
    }
    const built = buildPack(entries, backend);
    return { bytes: built.bytes, offsets: built.offsets, brokenAt: brokenEntries.map((i) => built.offsets[i]!) };
  }

  async function threadedError(bytes: Uint8Array, threads: number, viaFile: boolean): Promise<XtestPackError> {
    let src;
    if (viaFile) {
      const path = join(scratchDir(), 'p.pack');
      writeFileSync(path, bytes);
      src = openFileSource(path);
    } else {
      src = bytesSource(bytes, 'p.pack');
    }
    try {
      await indexPackCoreThreaded(src, backend, { threads });
    } catch (e) {
      assert.ok(e instanceof XtestPackError, `not an XtestPackError: ${String(e)}`);
      return e;
    } finally {
      if ('close' in src && typeof src.close === 'function') src.close();
    }
    assert.fail(`${threads} threads: the pack was accepted`);
  }

  test('a corrupt delta in pass 2: the same error (code, offset) for 1-4 threads, that of the first broken tree', async () => {
    const { bytes, brokenAt } = packWithBrokenChains([5, 17, 33]);
    let single: XtestPackError | undefined;
    try {
      indexPack(bytesSource(bytes, 'p.pack'), backend);
    } catch (e) {
      single = e as XtestPackError;
    }
    assert.ok(single instanceof XtestPackError);
    assert.equal(single.code, 'DELTA_CORRUPT');
    assert.equal(single.offset, brokenAt[0]);
    for (const threads of THREADS) {
      for (const viaFile of [true, false]) {
        const e = await threadedError(bytes, threads, viaFile);
        assert.equal(e.code, single.code, `${threads} threads: ${e.message}`);
        assert.equal(e.offset, single.offset, `${threads} threads: ${e.message}`);
        assert.equal(e.reason, single.reason);
      }
    }
  });

  test('the same through the CLI: exit 1, one line naming the offset, no idx', () => {
    const { bytes, brokenAt } = packWithBrokenChains([9, 30]);
    const dir = scratchDir();
    const pack = join(dir, 'p.pack');
    writeFileSync(pack, bytes);
    for (const threads of [1, 2, 3]) {
      const r = xtestPack(['index-pack', '--threads', String(threads), '-o', join(dir, 'ours.idx'), pack]);
      assert.equal(r.status, 1, r.stderr);
      assertOneLineError(r.stderr);
      assert.match(r.stderr, new RegExp(`p\\.pack offset ${brokenAt[0]}: `));
      assert.throws(() => readFileSync(join(dir, 'ours.idx')), { code: 'ENOENT' });
    }
  });

  for (const fault of ['crash', 'exit', 'hang'] as const) {
    test(`a worker that ${fault === 'crash' ? 'throws' : fault === 'exit' ? 'exits' : 'hangs'}: THREAD_FAILED, no hang`, async () => {
      const f = packFixture('deep-chains');
      const src = openFileSource(f.pack);
      try {
        await assert.rejects(
          indexPackCoreThreaded(src, backend, { threads: 3, fault, stallTimeout: 500 }),
          (e: unknown) => e instanceof XtestPackError && e.code === 'THREAD_FAILED' && /worker thread \d/.test(e.message) && !e.message.includes('\n'),
        );
      } finally {
        src.close();
      }
    });
  }
});
