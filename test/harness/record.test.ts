// Issue #6, must hold 2: record mode under `node --test` with test files run concurrently
// (--test-concurrency=4; the example's test/record/ has four files asking for different and
// overlapping paths, one of them not listed in xtestPack.paths) gives the same bytes twice:
// two fresh runs into two record directories hold identical .pack, .idx and xtest-pack.json,
// nothing else (no lock, no staging directory), and the recorded manifest covers exactly the
// union of the paths asked for: its pathspecs are that union, its files every committed file
// below them. The pack is also the one a single export of that union writes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeExportManifest, normalizePathList } from '../../src/manifest/index.js';
import { cli, examplePackage, nodeTestFiles, spawnNode } from '../support/example-package.js';
import { git } from '../support/git.js';
import { scratchDir } from '../support/repos.js';

const T = { timeout: 120_000 };

/** What the four files of test/record/ ask for (see fixtures/scripts/example-package.sh). */
const ASKED = [
  ['fixtures/text/hello.txt', 'fixtures/bin'],
  ['fixtures/text', 'data/table.bin'],
  ['fixtures/ünïcödé-名前.txt', 'fixtures/empty.txt', 'data/unlisted.txt'],
  ['fixtures/text/nested/deep.json', 'fixtures/bin/tool.sh', 'fixtures/text/nested'],
];
const UNION = normalizePathList(ASKED.flat());
/** Each file has a test per path and one asking for all of them. */
const TESTS = ASKED.reduce((n, paths) => n + paths.length + 1, 0);

/** Record the four files run concurrently into a fresh directory; returns it. */
async function recordRun(repo: string): Promise<string> {
  const dir = join(scratchDir('xtest-pack-record-'), 'test-data');
  const r = await spawnNode(['--test', '--test-concurrency=4', '--test-reporter=tap', ...nodeTestFiles(repo, 'test/record')], {
    cwd: repo,
    env: { XTEST_PACK_RECORD: dir },
  });
  assert.equal(r.status, 0, `the record run failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, new RegExp(`^# pass ${TESTS}$`, 'm'), r.stdout);
  assert.match(r.stdout, /^# fail 0$/m);
  return dir;
}

function files(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n))]));
}

test('record mode, four test files run concurrently: the same bytes twice, covering exactly the union asked for', T, async () => {
  const { repo, commit } = examplePackage();
  // Two fresh runs, one after the other: each has four processes racing for the lock.
  const first = files(await recordRun(repo));
  const second = files(await recordRun(repo));

  const names = [...first.keys()];
  assert.equal(names.length, 3, `the record directory holds ${names.join(' ')}`);
  assert.match(names[0]!, /^pack-[0-9a-f]{40}\.idx$/);
  assert.equal(names[1], names[0]!.replace(/\.idx$/, '.pack'));
  assert.equal(names[2], 'xtest-pack.json');
  assert.deepEqual([...second.keys()], names);
  for (const n of names) assert.ok(first.get(n)!.equals(second.get(n)!), `${n} differs between the two runs`);

  const manifest = decodeExportManifest(first.get('xtest-pack.json')!.toString('utf8'), 'xtest-pack.json');
  assert.ok(manifest);
  assert.equal(manifest.commit, commit);
  assert.deepEqual(manifest.pathspecs, UNION);
  const committed = git(['ls-tree', '-r', '-z', '--name-only', 'HEAD', '--', ...UNION], { cwd: repo })
    .toString('utf8')
    .split('\0')
    .filter((p) => p !== '')
    .sort();
  assert.deepEqual(manifest.files.map((f) => f.path).sort(), committed);
  assert.ok(committed.includes('data/unlisted.txt') && !committed.includes('test/record/a.test.js'));

  // One export of the union, in one process, writes the same pack.
  const direct = join(scratchDir('xtest-pack-record-direct-'), 'out');
  const r = cli(['export', '--out', direct, ...UNION], { cwd: repo });
  assert.equal(r.status, 0, r.stderr);
  const exported = files(direct);
  for (const n of names) assert.ok(exported.get(n)?.equals(first.get(n)!), `${n} differs from a single export of the union`);

  // git reads the recorded pack: every object of the manifest's files is there.
  const listed = git(['show-index'], { input: first.get(names[0]!)! }).toString('utf8');
  for (const f of manifest.files) assert.ok(listed.includes(f.oid), `${f.path} (${f.oid}) is not in the recorded pack`);
});
