// writePack against git on whole repositories (SHA-1 and SHA-256; long histories of small
// edits, annotated tags of every kind, gitlinks, symlinks, empty blobs and trees): every
// object of the repository written with each delta setting gives a pack that git index-pack
// --strict --fsck-objects accepts, whose idx (versions 1 and 2) git writes byte for byte as we
// do, from which git cat-file reads every object back identical, and whose delta chains (git
// verify-pack -v) are no longer than asked. Also writePackFiles' files on disk, the same for
// any number of threads.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { writePackFiles } from '../../src/export/pack-dir.js';
import { PARALLEL_MIN_BYTES } from '../../src/export/pack-workers.js';
import { concatBytes } from '../../src/pack/bytes.js';
import { encodeIdx } from '../../src/pack/idx/index.js';
import { fromHex, objectHeader, toHex, type ObjectFormat, type ObjectType } from '../../src/pack/oid.js';
import { planPack, writePack, type PackObjectSource, type WritePackOptions } from '../../src/pack/write.js';
import { catFileBatch, exportRepos, gitIndexPack, repoFormat } from '../support/export-repos.js';
import { git } from '../support/git.js';
import { pseudoRandomBytes } from '../support/pack-builder.js';
import { gitFormatArgs, gitVerboseEntries, packFixture, scratchDir } from '../support/repos.js';

const backend = getBackend();
const T = { timeout: 60_000 };

interface RepoObjects {
  readonly name: string;
  readonly repo: string;
  readonly format: ObjectFormat;
  readonly objects: { oid: string; type: ObjectType; data: Buffer; path: string }[];
}

/** Every object reachable from the refs of `repo`, with the path git's rev-list gives it. */
function allObjects(name: string, repo: string): RepoObjects {
  const format = repoFormat(repo);
  const listed = git(['rev-list', '--objects', '--all'], { cwd: repo })
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const sp = l.indexOf(' ');
      return sp < 0 ? { oid: l, path: '' } : { oid: l.slice(0, sp), path: l.slice(sp + 1) };
    });
  const got = catFileBatch(repo, listed.map((l) => l.oid));
  const objects = listed.map((l) => {
    const o = got.get(l.oid)!;
    return { oid: l.oid, type: o.type as ObjectType, data: o.data, path: l.path };
  });
  return { name, repo, format, objects };
}

function sources(r: RepoObjects): PackObjectSource[] {
  return r.objects.map((o) => ({ oid: fromHex(o.oid)!, type: o.type, size: o.data.length, path: o.path, load: () => o.data }));
}

const cache = new Map<string, RepoObjects>();
function repoObjects(name: 'main' | 'sha256' | 'deep-chains' | 'tags'): RepoObjects {
  let r = cache.get(name);
  if (!r) {
    const repo = name === 'main' ? exportRepos().main : name === 'sha256' ? exportRepos().sha256 : packFixture(name).repo;
    r = allObjects(name, repo);
    cache.set(name, r);
  }
  return r;
}

const SETTINGS: readonly WritePackOptions[] = [
  {},
  { delta: false },
  { window: 0 },
  { window: 1, depth: 1 },
  { window: 10, depth: 2, level: 9 },
  { window: 50, depth: 50, level: 0 },
];

describe('writePack: whole repositories, checked by git', () => {
  for (const name of ['main', 'sha256', 'deep-chains', 'tags'] as const) {
    test(`${name}: every setting gives a pack git accepts with --strict, the same idx, the same objects, chains within depth`, T, () => {
      const r = repoObjects(name);
      assert.ok(r.objects.length > 5);
      let sawDeltas = false;
      for (const options of SETTINGS) {
        const what = `${name} ${JSON.stringify(options)}`;
        const chunks: Uint8Array[] = [];
        const written = writePack(sources(r), { write: (c) => chunks.push(c.slice()) }, backend, r.format, options);
        const pack = concatBytes(chunks);
        assert.equal(written.count, r.objects.length, what);
        assert.equal(written.size, pack.length, what);

        // In a repository of its own: git indexes it with --strict (every link inside the pack),
        // and its idx is ours, byte for byte.
        const bare = join(scratchDir('xtest-pack-git-write-'), 'r.git');
        git(['init', '-q', '--bare', ...gitFormatArgs(r), bare]);
        const base = join(bare, 'objects', 'pack', `pack-${toHex(written.checksum)}`);
        writeFileSync(`${base}.pack`, pack);
        const printed = git(['index-pack', '--strict', '--fsck-objects', `${base}.pack`], { cwd: bare }).toString('utf8');
        assert.equal(printed, `${toHex(written.checksum)}\n`, `${what}: git index-pack printed ${JSON.stringify(printed)}`);
        assert.ok(readFileSync(`${base}.idx`).equals(encodeIdx(written, written.checksum, backend, { version: 2 })), `${what}: idx v2 differs from git's`);
        const v1 = gitIndexPack(pack, r.format, { version: 1 });
        assert.ok(v1.idx.equals(encodeIdx(written, written.checksum, backend, { version: 1 })), `${what}: idx v1 differs from git's`);

        // git reads every object back as it was.
        const back = catFileBatch(bare, r.objects.map((o) => o.oid));
        for (const o of r.objects) {
          const g = back.get(o.oid)!;
          assert.equal(g.type, o.type, `${what}: type of ${o.oid}`);
          assert.ok(g.data.equals(o.data), `${what}: ${o.oid} reads back different`);
        }
        git(['fsck', '--strict', '--no-progress', '--no-dangling'], { cwd: bare });

        // Delta chains, as git sees them.
        const entries = gitVerboseEntries(`${base}.idx`, r.format);
        assert.equal(entries.length, r.objects.length);
        const depth = Math.max(0, ...entries.map((e) => e.depth));
        const deltas = entries.filter((e) => e.depth > 0).length;
        assert.equal(deltas, written.deltas, `${what}: deltas counted`);
        assert.ok(depth <= (options.depth ?? 50), `${what}: a chain of ${depth}`);
        if (options.delta === false || options.window === 0) assert.equal(deltas, 0, `${what}: deltas with deltas off`);
        if (deltas > 0) sawDeltas = true;
        if (name === 'deep-chains' && options.delta !== false && options.window !== 0) {
          // A long history of small edits: deltas everywhere they can be, chains as deep as allowed.
          const wanted = (options.window ?? 10) >= 10 ? r.objects.length / 3 : 0;
          assert.ok(deltas > wanted, `${what}: only ${deltas} deltas of ${r.objects.length}`);
          if ((options.depth ?? 50) <= 2) assert.equal(depth, options.depth, `${what}: chains never reach the depth allowed`);
          else assert.ok(depth > 2, `${what}: chains no deeper than ${depth}`);
        }
      }
      if (name !== 'tags') assert.ok(sawDeltas, `${name}: no setting wrote a delta`);
    });
  }

  test('the same objects in another order give the same pack (whole repository)', () => {
    const r = repoObjects('deep-chains');
    const write = (objs: PackObjectSource[]) => {
      const chunks: Uint8Array[] = [];
      writePack(objs, { write: (c) => chunks.push(c.slice()) }, backend, r.format);
      return Buffer.from(concatBytes(chunks));
    };
    const src = sources(r);
    const a = write(src);
    assert.ok(write([...src].reverse()).equals(a), 'reversed input gave other bytes');
    const interleaved = src.filter((_, i) => i % 2 === 1).concat(src.filter((_, i) => i % 2 === 0));
    assert.ok(write(interleaved).equals(a), 'reordered input gave other bytes');
  });
});

describe('writePackFiles', () => {
  test('pack-<checksum>.pack and .idx (v1 and v2), read-only, nothing else left; git agrees', () => {
    const r = repoObjects('sha256');
    for (const idxVersion of [1, 2] as const) {
      const dir = scratchDir('xtest-pack-packfiles-');
      const written = writePackFiles(dir, sources(r), backend, r.format, { idxVersion });
      const name = `pack-${toHex(written.checksum)}`;
      assert.deepEqual(readdirSync(dir).sort(), [`${name}.idx`, `${name}.pack`]);
      assert.equal(written.packPath, join(dir, `${name}.pack`));
      assert.equal(written.idxPath, join(dir, `${name}.idx`));
      for (const f of [written.packPath, written.idxPath]) assert.equal(statSync(f).mode & 0o222, 0, `${f} is writable`);
      const g = gitIndexPack(written.packPath, r.format, { version: idxVersion, strict: true });
      assert.ok(g.idx.equals(readFileSync(written.idxPath)), `idx v${idxVersion} differs from git's`);
      assert.equal(statSync(written.packPath).size, written.size);
    }
  });

  test('threads 1, 2 and 3, and the default (objects over PARALLEL_MIN_BYTES): the same files, which git index-pack --strict and verify-pack -v accept', () => {
    // Versions of a few texts under many directories, some random blobs: several segments.
    const objs: PackObjectSource[] = [];
    for (let g = 0; g < 24; g++) {
      const base = pseudoRandomBytes(20_000 + g * 4_000, g + 1).map((x) => (x < 60 ? 0x20 : 0x61 + (x % 7)));
      for (let v = 0; v < 4; v++) {
        const data = v === 0 ? base : concatBytes([base.subarray(0, 1000 * v), new TextEncoder().encode(`version ${v}\n`), base.subarray(1000 * v + 5)]);
        const path = `dir${v}/file-${g}.txt`;
        const oid = backend.createHash('sha1').update(objectHeader('blob', data.length)).update(data).digest();
        objs.push({ oid, type: 'blob', size: data.length, path, load: () => data });
      }
    }
    // A random blob that brings the objects to PARALLEL_MIN_BYTES, where the default starts
    // workers (on a machine with more than one CPU and no XTEST_PACK_THREADS).
    const random = pseudoRandomBytes(Math.max(1_500_000, PARALLEL_MIN_BYTES + 1 - objs.reduce((n, o) => n + o.size, 0)), 99);
    objs.push({ oid: backend.createHash('sha1').update(objectHeader('blob', random.length)).update(random).digest(), type: 'blob', size: random.length, path: 'big.bin', load: () => random });
    assert.ok(planPack(objs, 'sha1').starts.length - 1 >= 3);
    const files = [undefined, 1, 2, 3].map((threads) => {
      const dir = scratchDir('xtest-pack-packfiles-threads-');
      const w = writePackFiles(dir, objs, backend, 'sha1', threads === undefined ? {} : { threads });
      return { pack: readFileSync(w.packPath), idx: readFileSync(w.idxPath), idxPath: w.idxPath, name: w.packPath.slice(dir.length), deltas: w.deltas };
    });
    // git verify-pack -v: every object, chains within the default depth, as many deltas as we count.
    const entries = gitVerboseEntries(files[0]!.idxPath, 'sha1');
    assert.equal(entries.length, objs.length);
    assert.equal(entries.filter((e) => e.depth > 0).length, files[0]!.deltas);
    assert.ok(Math.max(...entries.map((e) => e.depth)) <= 50);
    for (const f of files.slice(1)) {
      assert.equal(f.name, files[0]!.name);
      assert.ok(f.pack.equals(files[0]!.pack) && f.idx.equals(files[0]!.idx));
    }
    assert.ok(files[0]!.deltas >= 24 * 3 - 4, `${files[0]!.deltas} deltas`);
    const g = gitIndexPack(files[0]!.pack, 'sha1', { strict: true });
    assert.ok(g.idx.equals(files[0]!.idx), "git's idx differs");
  });
});
