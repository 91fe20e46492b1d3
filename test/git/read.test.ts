// Random access against git cat-file: every object of a repository, read through PackFile
// from its pack and git's idx, in a shuffled order and again with no delta-base cache, has
// the type and bytes `git cat-file --batch` gives.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { openFileSource } from '../../src/fs/file-source.js';
import { openIdx } from '../../src/pack/idx/index.js';
import { bytesSource } from '../../src/pack/source.js';
import { fromHex, toHex } from '../../src/pack/oid.js';
import { DeltaBaseCache, PackFile } from '../../src/pack/pack-file.js';
import { git } from '../support/git.js';
import { packFixture, type FixtureName, type PackFixture } from '../support/repos.js';

const backend = getBackend();

interface GitObject {
  oid: string;
  type: string;
  size: number;
  data: Buffer;
}

/** Every object of the fixture's repository, as git cat-file sees it. */
function catAll(f: PackFixture): GitObject[] {
  const list = git(
    ['cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype) %(objectsize)'],
    { cwd: f.repo },
  )
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
  const out = git(['cat-file', '--batch'], { cwd: f.repo, input: list.map((l) => l.split(' ')[0]).join('\n') + '\n' });
  const objects: GitObject[] = [];
  let at = 0;
  for (const line of list) {
    const [oid, type, size] = line.split(' ') as [string, string, string];
    const nl = out.indexOf(0x0a, at);
    assert.ok(nl > at, `cat-file --batch output ends early, before ${oid}`);
    assert.equal(out.subarray(at, nl).toString('utf8'), line, 'cat-file --batch header');
    const start = nl + 1;
    const end = start + Number(size);
    assert.equal(out[end], 0x0a, `no newline after the contents of ${oid}`);
    objects.push({ oid, type, size: Number(size), data: out.subarray(start, end) });
    at = end + 1;
  }
  assert.equal(at, out.length, 'cat-file --batch printed more than asked');
  return objects;
}

/** A deterministic shuffle (an LCG), so that a failure reproduces. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const a = items.slice();
  let s = seed >>> 0;
  for (let i = a.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function openPack(f: PackFixture, cache?: DeltaBaseCache): { pack: PackFile; close: () => void } {
  const src = openFileSource(f.pack);
  const idx = openIdx(bytesSource(readFileSync(f.idx)), backend, { verify: true });
  assert.equal(idx.format, f.format);
  const pack = PackFile.open(src, idx, backend, cache ? { cache } : {});
  return { pack, close: () => src.close() };
}

function assertSame(pack: PackFile, o: GitObject): void {
  const got = pack.findObject(fromHex(o.oid)!);
  assert.ok(got, `${o.oid} not found`);
  assert.equal(got.type, o.type, `type of ${o.oid}`);
  assert.equal(got.data.length, o.size, `size of ${o.oid}`);
  assert.ok(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.length).equals(o.data), `bytes of ${o.oid}`);
}

const READ_FIXTURES: readonly FixtureName[] = ['deep-chains', 'ref-delta', 'sha256', 'tags'];

for (const name of READ_FIXTURES) {
  describe(`read: ${name}`, () => {
    let objects: GitObject[] | undefined;
    const all = (): GitObject[] => (objects ??= catAll(packFixture(name)));

    test('the pack holds every object of the repository, and nothing else', () => {
      const f = packFixture(name);
      const { pack, close } = openPack(f);
      try {
        assert.ok(all().length > 10);
        assert.equal(pack.idx.count, all().length);
        for (const o of all()) assert.ok(pack.has(fromHex(o.oid)!), o.oid);
      } finally {
        close();
      }
    });

    test('findObject in a shuffled order: the type and bytes of git cat-file', () => {
      const { pack, close } = openPack(packFixture(name));
      try {
        for (const o of shuffled(all(), 7)) assertSame(pack, o);
        // and again, now that the cache is warm
        for (const o of shuffled(all(), 8)) assertSame(pack, o);
      } finally {
        close();
      }
    });

    test('findObject with a delta-base cache too small to hold anything', () => {
      const { pack, close } = openPack(packFixture(name), new DeltaBaseCache(0));
      try {
        for (const o of shuffled(all(), 9)) assertSame(pack, o);
      } finally {
        close();
      }
    });

    test('readAt every offset, from the end of the pack to its start', () => {
      const { pack, close } = openPack(packFixture(name));
      try {
        const byOid = new Map(all().map((o) => [o.oid, o]));
        const entries: { offset: number; oid: string }[] = [];
        for (let i = 0; i < pack.idx.count; i++) entries.push({ offset: pack.idx.offsetAt(i), oid: toHex(pack.idx.oidAt(i)) });
        entries.sort((a, b) => b.offset - a.offset);
        for (const e of entries) {
          const o = byOid.get(e.oid);
          assert.ok(o, `the idx lists ${e.oid}, git does not know it`);
          const got = pack.readAt(e.offset);
          assert.equal(got.type, o.type);
          assert.ok(Buffer.from(got.data).equals(o.data), `bytes at offset ${e.offset}`);
        }
      } finally {
        close();
      }
    });

    test('an id the pack does not hold: undefined', () => {
      const f = packFixture(name);
      const { pack, close } = openPack(f);
      try {
        const have = new Set(all().map((o) => o.oid));
        let missing = 'f'.repeat(f.format === 'sha1' ? 40 : 64);
        if (have.has(missing)) missing = '0'.repeat(missing.length);
        assert.equal(pack.findObject(fromHex(missing)!), undefined);
      } finally {
        close();
      }
    });
  });
}
