// Issue #14, item 4: memory stays bounded on valid input. A delta of 16 KiB (16,384 one-byte
// copy instructions, each copying the whole 64 KiB base) really produces 1 GiB; a delta on that
// result copies three 16 MiB ranges of it (48 MiB, a large result of a large base), and a delta
// on that one makes 4 KiB (a small result of a large base). index-pack, verify and the reads
// that only hash (cat-file -e, -t, -s) run as child processes, on the backend under test, and
// each must peak under 512 MB resident (process.resourceUsage().maxRSS, written at exit by a
// preload: Node cannot start at all under a 512 MB address-space limit, as V8 reserves more than
// that up front). git is the oracle for the ids: our idx must be byte for byte git's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { encodeDelta, type DeltaOp } from '../../src/pack/delta.js';
import { OBJ_OFS_DELTA, toHex } from '../../src/pack/oid.js';
import { CLI_MAIN } from '../support/cli.js';
import { cleanEnv } from '../support/example-package.js';
import { git } from '../support/git.js';
import { buildPack, pseudoRandomBytes } from '../support/pack-builder.js';
import { scratchDir } from '../support/repos.js';

const T = { timeout: 600_000 };
const LIMIT_BYTES = 512 * 1024 * 1024;
const GiB = 2 ** 30;
const MAX_RSS_PRELOAD = new URL('../support/max-rss-preload.js', import.meta.url).href;

/** The pack: a 64 KiB blob, its 1 GiB delta result, a 48 MiB delta on that, a 4 KiB delta on that. */
function hugePack(): { bytes: Uint8Array; checksum: string } {
  const base = pseudoRandomBytes(0x10000, 14);
  const d1 = new Uint8Array(3 + 5 + GiB / 0x10000);
  d1.set([0x80, 0x80, 0x04], 0); // base size 65536
  d1.set([0x80, 0x80, 0x80, 0x80, 0x04], 3); // result size 2^30
  d1.fill(0x80, 8); // copy 0x10000 bytes from offset 0, 16,384 times
  const big: DeltaOp[] = [
    { op: 'copy', offset: 0x3f000000, size: 0xffffff },
    { op: 'copy', offset: 12345, size: 0xffffff },
    { op: 'copy', offset: 0x20000001, size: 0xffffff },
    { op: 'insert', data: Uint8Array.of(1, 2, 3) },
  ];
  const d2 = encodeDelta(GiB, 3 * 0xffffff + 3, big);
  const d3 = encodeDelta(3 * 0xffffff + 3, 4096 + 1, [{ op: 'copy', offset: 0x1000123, size: 4096 }, { op: 'insert', data: Uint8Array.of(9) }]);
  const pack = buildPack(
    [
      { type: 3, data: base },
      { type: OBJ_OFS_DELTA, ofsBase: 0, data: d1 },
      { type: OBJ_OFS_DELTA, ofsBase: 1, data: d2 },
      { type: OBJ_OFS_DELTA, ofsBase: 2, data: d3 },
    ],
    getBackend(),
  );
  assert.ok(d1.length <= 16 * 1024 + 8 && pack.bytes.length < 200_000, `${d1.length}-byte delta, ${pack.bytes.length}-byte pack`);
  return { bytes: pack.bytes, checksum: toHex(pack.trailer) };
}

/** Run the command line with `args`; its exit status, output and peak RSS in bytes. */
function measured(args: string[], cwd: string): { status: number; stdout: string; stderr: string; rss: number } {
  const rssFile = join(cwd, `rss-${args[0]}-${Date.now()}`);
  const r = spawnSync(process.execPath, ['--import', MAX_RSS_PRELOAD, CLI_MAIN, ...args], {
    cwd,
    env: cleanEnv({ XTEST_PACK_TEST_MAXRSS: rssFile }),
    encoding: 'utf8',
    input: '',
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, rss: Number(readFileSync(rssFile, 'utf8')) * 1024 };
}

test('a 16 KiB delta that expands to 1 GiB: index-pack, verify and cat-file stay under 512 MB, with git\'s ids', T, (t) => {
  const dir = scratchDir('xtest-pack-1gib-');
  const { bytes, checksum } = hugePack();
  const name = `pack-${checksum}`;
  const pack = join(dir, `${name}.pack`);
  writeFileSync(pack, bytes);
  git(['index-pack', '-o', join(dir, 'git.idx'), pack]);
  const ids = git(['show-index'], { input: readFileSync(join(dir, 'git.idx')) })
    .toString()
    .trim()
    .split('\n')
    .map((l) => l.split(' ') as [string, string, string])
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map((l) => l[1]);
  assert.equal(ids.length, 4);

  const runs: [string, string[], (r: ReturnType<typeof measured>) => void][] = [
    ['index-pack', ['index-pack', '--no-progress', '-o', `${name}.idx`, `${name}.pack`], (r) => {
      assert.equal(r.stdout, `${checksum}\n`);
      assert.ok(readFileSync(join(dir, `${name}.idx`)).equals(readFileSync(join(dir, 'git.idx'))), "our idx is git's");
    }],
    ['verify', ['verify', '-v', `${name}.pack`], (r) => assert.match(r.stdout, /^chain length = 3: 1 object$/m)],
    ['cat-file -s', ['cat-file', '-s', ids[1]!, '--objects', '.'], (r) => assert.equal(r.stdout, `${GiB}\n`)],
    ['cat-file -t', ['cat-file', '-t', ids[2]!, '--objects', '.'], (r) => assert.equal(r.stdout, 'blob\n')],
    ['cat-file -e', ['cat-file', '-e', ids[3]!, '--objects', '.'], (r) => assert.equal(r.stdout, '')],
  ];
  for (const [what, args, check] of runs) {
    const r = measured(args, dir);
    assert.equal(r.status, 0, `${what}: exit ${r.status}: ${r.stderr}`);
    assert.equal(r.stderr, '');
    check(r);
    t.diagnostic(`${what}: peak RSS ${(r.rss / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(r.rss < LIMIT_BYTES, `${what}: peak RSS ${(r.rss / 2 ** 20).toFixed(1)} MiB, over 512 MB`);
  }
});
