// Issue #14, item 1: a SHA-1 collision attack stops every command that computes or checks an
// object id, with SHA1_COLLISION and git's wording ("SHA-1 appears to be part of a collision
// attack: <hex>"), a non-zero exit, and nothing written.
//
// No real collision is used here because none exists for git objects: the public collisions
// (SHAttered, SHA-1 is a Shambles) are raw files, and the "blob <size>\0" header git hashes
// first shifts their near-collision blocks off the 64-byte block boundaries and changes the
// chaining value, so sha1dc rightly finds nothing in those blobs (test/backend/sha1dc.test.ts
// detects the raw files, as git's t0013 does). So the collision is injected: a backend whose
// detecting SHA-1 reports one for a chosen object id, with sha1dc's own error
// (test/support/collision.ts); command-line children get it through `node --import`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { checkoutPackSync } from '../../src/checkout/checkout.js';
import { XtestPackError } from '../../src/errors.js';
import { discover, fetchPack, memoryPackSink } from '../../src/fetch/fetch-pack.js';
import { openFileSource } from '../../src/fs/file-source.js';
import { testDataSync } from '../../src/harness/helper.js';
import { indexPack } from '../../src/pack/index-pack.js';
import { verifyPack } from '../../src/pack/verify.js';
import { CLI_MAIN, assertOneLineError } from '../support/cli.js';
import { COLLISION_ENV, COLLISION_PRELOAD, collidingBackend } from '../support/collision.js';
import { cleanEnv, examplePackage, packDirectory, publishedCopy } from '../support/example-package.js';
import { blobIds, fetchRepos } from '../support/fetch-repos.js';
import { transportFor, serverStarter } from '../support/fetch-client.js';
import { git } from '../support/git.js';
import { scratchDir } from '../support/repos.js';

const T = { timeout: 120_000 };
const backend = getBackend();
const WORDING = /SHA-1 appears to be part of a collision attack: [0-9a-f]{40}/;

/** A repository with a whole blob, a blob stored as a delta, a tree and a commit, in one pack. */
interface Fixture {
  repo: string;
  commit: string;
  pack: string;
  /** `git verify-pack -v` of the pack: id -> offset, and which are deltas. */
  entries: Map<string, { offset: number; delta: boolean; type: string }>;
  /** A whole blob (small.txt at HEAD) and a blob stored as a delta (one version of big.txt). */
  whole: string;
  delta: string;
  /** big.txt at HEAD. */
  big: string;
  tree: string;
  /** `xtest-pack export` of small.txt and big.txt: a pack directory. */
  exported: string;
}

let fx: Fixture;

before(() => {
  const repo = join(scratchDir('xtest-pack-collision-'), 'repo');
  git(['init', '-q', '-b', 'main', repo]);
  const lines = Array.from({ length: 400 }, (_, i) => `line ${i} of a file that changes a little\n`).join('');
  writeFileSync(join(repo, 'small.txt'), 'small\n');
  writeFileSync(join(repo, 'big.txt'), lines);
  git(['add', '.'], { cwd: repo });
  git(['commit', '-q', '-m', 'one'], { cwd: repo });
  writeFileSync(join(repo, 'big.txt'), lines.replace('line 200', 'LINE 200'));
  git(['commit', '-q', '-am', 'two'], { cwd: repo });
  git(['repack', '-adq'], { cwd: repo });
  const packDir = join(repo, '.git', 'objects', 'pack');
  const pack = join(packDir, readdirSync(packDir).find((n) => n.endsWith('.pack'))!);
  const entries = new Map<string, { offset: number; delta: boolean; type: string }>();
  for (const line of git(['verify-pack', '-v', pack]).toString().split('\n')) {
    const m = /^([0-9a-f]{40}) (\w+)\s+\d+ \d+ (\d+)( \d+ [0-9a-f]{40})?$/.exec(line);
    if (m) entries.set(m[1]!, { offset: Number(m[3]), delta: m[4] !== undefined, type: m[2]! });
  }
  const rev = (r: string) => git(['rev-parse', r], { cwd: repo }).toString().trim();
  const small = rev('HEAD:small.txt');
  const bigNow = rev('HEAD:big.txt');
  const bigThen = rev('HEAD~:big.txt');
  const delta = entries.get(bigNow)!.delta ? bigNow : bigThen;
  assert.ok(entries.get(delta)!.delta, 'one version of big.txt is a delta');
  const exported = join(scratchDir('xtest-pack-collision-export-'), 'data');
  const r = run(['export', '--repo', repo, '--out', exported, 'small.txt', 'big.txt']);
  assert.equal(r.status, 0, r.stderr);
  fx = { repo, commit: rev('HEAD'), pack, entries, whole: small, delta, big: bigNow, tree: rev('HEAD^{tree}'), exported };
});

/** The command line in a child process; `collide` lists the ids its SHA-1 reports a collision for. */
function run(args: string[], opts: { collide?: string[]; cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const env = cleanEnv({ ...opts.env, ...(opts.collide ? { [COLLISION_ENV]: opts.collide.join(',') } : {}) });
  const r = spawnSync(process.execPath, ['--import', COLLISION_PRELOAD, CLI_MAIN, ...args], { cwd: opts.cwd, env, encoding: 'utf8', input: '' });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 1, one line on stderr in git's wording naming `oid`, and `mentions` in it. */
function assertRefused(r: { status: number; stderr: string }, oid: string, mentions: string[] = []): void {
  assert.equal(r.status, 1, `exit ${r.status}: ${r.stderr}`);
  assertOneLineError(r.stderr);
  assert.match(r.stderr, WORDING);
  assert.ok(r.stderr.includes(`collision attack: ${oid}`), r.stderr);
  for (const m of mentions) assert.ok(r.stderr.includes(m), `stderr does not name ${m}: ${r.stderr}`);
}

/** `fn` throws SHA1_COLLISION in git's wording, for `oid`; returns the error. */
function expectCollision(fn: () => unknown, oid: string): XtestPackError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof XtestPackError, `not an XtestPackError: ${String(caught)}`);
  assert.equal(caught.code, 'SHA1_COLLISION', caught.message);
  assert.match(caught.message, WORDING);
  assert.ok(caught.message.includes(oid), caught.message);
  assert.doesNotMatch(caught.message, /\n/);
  return caught;
}

function copyPack(): { dir: string; pack: string } {
  const dir = scratchDir('xtest-pack-collision-pack-');
  const pack = join(dir, 'p.pack');
  writeFileSync(pack, readFileSync(fx.pack));
  return { dir, pack };
}

describe('index-pack and verify', () => {
  for (const which of ['whole', 'delta'] as const) {
    test(`index-pack: a ${which} object that collides: exit 1, the pack and offset named, no idx written`, T, () => {
      const oid = fx[which];
      const { dir, pack } = copyPack();
      const r = run(['index-pack', pack], { collide: [oid] });
      assertRefused(r, oid, ['p.pack', `offset ${fx.entries.get(oid)!.offset}`]);
      assert.deepEqual(readdirSync(dir), ['p.pack'], 'nothing written');

      const e = expectCollision(() => indexPack(openFileSource(pack), collidingBackend(backend, [oid])), oid);
      assert.equal(e.file, 'p.pack');
      assert.equal(e.offset, fx.entries.get(oid)!.offset);
    });
  }

  test('index-pack --no-collision-detection skips the search: the idx is written, as git writes it', T, () => {
    const { dir, pack } = copyPack();
    const r = run(['index-pack', '--no-collision-detection', pack], { collide: [fx.whole, fx.delta] });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(join(dir, 'p.idx')), readFileSync(fx.pack.replace(/\.pack$/, '.idx')));
    const indexed = indexPack(openFileSource(pack), collidingBackend(backend, [fx.whole]), { collisionDetection: false });
    assert.equal(indexed.count, fx.entries.size);
  });

  test('verify: exit 1 naming the pack; --no-collision-detection passes; verifyPack throws SHA1_COLLISION', T, () => {
    const idx = fx.pack.replace(/\.pack$/, '.idx');
    const r = run(['verify', fx.pack], { collide: [fx.delta] });
    assertRefused(r, fx.delta, [`offset ${fx.entries.get(fx.delta)!.offset}`]);
    const v = run(['verify', '-v', fx.pack], { collide: [fx.whole] });
    assert.equal(v.status, 1);
    assert.match(v.stdout, /: bad\n$/);
    assert.equal(run(['verify', '--no-collision-detection', fx.pack], { collide: [fx.whole, fx.delta] }).status, 0);
    expectCollision(() => verifyPack(openFileSource(fx.pack), readFileSync(idx), collidingBackend(backend, [fx.tree])), fx.tree);
  });
});

describe('reading: checkout, cat-file, rev-parse', () => {
  test('checkout (command line): a colliding blob or tree: exit 1, the output directory not made', T, () => {
    for (const oid of [fx.whole, fx.big, fx.tree]) {
      const out = join(scratchDir('xtest-pack-collision-out-'), 'out');
      const r = run(['checkout', '--objects', fx.exported, '--out', out, fx.commit], { collide: [oid] });
      assertRefused(r, oid);
      assert.equal(existsSync(out), false, 'nothing written');
    }
  });

  test('checkoutPackSync: SHA1_COLLISION naming the object; an existing output directory left as it was', T, () => {
    const out = scratchDir('xtest-pack-collision-out-');
    writeFileSync(join(out, 'other.txt'), 'mine\n');
    const e = expectCollision(
      () => checkoutPackSync({ objects: fx.exported, oid: fx.commit, out, backend: collidingBackend(backend, [fx.big]) }),
      fx.big,
    );
    assert.equal(e.oid, fx.big);
    assert.equal(e.path, 'big.txt');
    assert.deepEqual(readdirSync(out), ['other.txt']);
  });

  test('checkout over a file already there: its content is hashed to compare it, and a collision there stops the checkout', T, () => {
    const out = scratchDir('xtest-pack-collision-out-');
    writeFileSync(join(out, 'small.txt'), 'small\n');
    const r = run(['checkout', '--objects', fx.exported, '--out', out, fx.commit, '--', 'small.txt'], { collide: [fx.whole] });
    assertRefused(r, fx.whole, ['path "small.txt"']);
    assert.deepEqual(readdirSync(out), ['small.txt']);
    assert.equal(readFileSync(join(out, 'small.txt'), 'utf8'), 'small\n');
  });

  test('cat-file -p of a colliding blob and rev-parse through a colliding tree: exit 1, nothing on stdout', T, () => {
    const c = run(['cat-file', '-p', fx.whole, '--objects', fx.exported], { collide: [fx.whole] });
    assertRefused(c, fx.whole, [fx.whole]);
    assert.equal(c.stdout, '');
    const p = run(['rev-parse', '--repo', fx.repo, 'HEAD:big.txt'], { collide: [fx.tree] });
    assertRefused(p, fx.tree);
    assert.equal(p.stdout, '');
    assert.equal(run(['rev-parse', '--repo', fx.repo, 'HEAD:big.txt']).status, 0, 'the same without the injection');
  });
});

describe('writing: export', () => {
  test('export: a colliding blob on the way: exit 1, no pack directory', T, () => {
    for (const oid of [fx.whole, fx.big, fx.tree]) {
      const out = join(scratchDir('xtest-pack-collision-export-'), 'data');
      const r = run(['export', '--repo', fx.repo, '--out', out, 'small.txt', 'big.txt'], { collide: [oid] });
      assertRefused(r, oid);
      assert.equal(existsSync(out), false, 'nothing written');
    }
  });
});

describe('the test helper, status, fetch', () => {
  let published = '';
  let objects = '';
  let fixturesTree = '';
  let rootTree = '';
  let fixtureBlob = '';
  before(() => {
    const { repo } = examplePackage();
    published = publishedCopy(repo);
    objects = packDirectory(repo);
    const rev = (r: string) => git(['rev-parse', r], { cwd: repo }).toString().trim();
    fixturesTree = rev('HEAD:fixtures');
    rootTree = rev('HEAD^{tree}');
    fixtureBlob = git(['ls-tree', '-r', '--object-only', 'HEAD', 'fixtures'], { cwd: repo }).toString().split('\n')[0]!;
  });

  test('testDataSync in pack mode: SHA1_COLLISION, and nothing materialized', T, () => {
    const tmp = scratchDir('xtest-pack-collision-tmp-');
    for (const oid of [fixturesTree, fixtureBlob]) {
      expectCollision(
        () => testDataSync(['fixtures'], { from: published, env: { XTEST_PACK_OBJECTS: objects, XTEST_PACK_TMPDIR: tmp }, backend: collidingBackend(backend, [oid]) }),
        oid,
      );
      const leftovers = readdirSync(tmp, { recursive: true }).map(String).filter((p) => p.includes('fixtures'));
      assert.deepEqual(leftovers, [], 'no fixture file was written');
    }
  });

  test('status: a colliding tree on the way to a listed path; status --verify: a colliding blob', T, () => {
    const env = { XTEST_PACK_OBJECTS: objects };
    assertRefused(run(['status'], { cwd: published, env, collide: [rootTree] }), rootTree);
    assertRefused(run(['status', '--verify'], { cwd: published, env, collide: [fixtureBlob] }), fixtureBlob);
    assert.equal(run(['status', '--verify'], { cwd: published, env }).status, 0, 'the same without the injection');
  });

  const startServer = serverStarter();
  test('fetchPack: the fetched pack is indexed with detection: SHA1_COLLISION naming the URL', T, async () => {
    const repo = fetchRepos().sha1;
    const server = await startServer();
    const t = transportFor(server.url(repo.name));
    const caps = await discover(t);
    const wants = blobIds(repo, repo.head).slice(0, 3);
    let caught: unknown;
    try {
      await fetchPack(t, caps, { wants }, memoryPackSink(), collidingBackend(backend, [wants[1]!]));
    } catch (e) {
      caught = e;
    }
    const e = expectCollision(() => {
      throw caught;
    }, wants[1]!);
    assert.ok(e.file?.includes(repo.name) && e.file.endsWith('(pack)'), e.message);
    assert.ok(e.offset !== undefined && e.offset >= 12, e.message);
  });
});

// The loose-object path of the object database: the repository's objects unpacked.
test('a loose object that collides: cat-file in a repository of loose objects', T, () => {
  const repo = join(scratchDir('xtest-pack-collision-loose-'), 'repo');
  git(['init', '-q', '-b', 'main', repo]);
  mkdirSync(join(repo, 'd'));
  writeFileSync(join(repo, 'd', 'f.txt'), 'loose\n');
  git(['add', '.'], { cwd: repo });
  git(['commit', '-q', '-m', 'loose'], { cwd: repo });
  const blob = git(['rev-parse', 'HEAD:d/f.txt'], { cwd: repo }).toString().trim();
  const r = run(['cat-file', 'blob', blob, '--repo', repo], { collide: [blob] });
  assertRefused(r, blob, [`.git/objects/${blob.slice(0, 2)}/${blob.slice(2)}`]);
});
