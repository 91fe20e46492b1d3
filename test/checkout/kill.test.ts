// A checkout killed midway never leaves a partially written file under its final name: the
// command line checks out 200 files of 0-2 MB (about 150 MB; text, executables, symlinks, in
// nested directories) and is sent SIGKILL after random delays spread over a whole run; then
// every file present under its final name must be complete and correct (its bytes hash to its
// blob id, its executable bit is right, a symlink has its whole target), every directory must
// be one the tree has, and anything else may only be a `.xtest-pack-tmp-*` staging directory.
// A checkout run again over the leftovers completes and gives the whole tree.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { writePackFiles } from '../../src/export/pack-dir.js';
import { runCheckout } from '../support/checkout-fs.js';
import { handTree, type Node } from '../support/checkout-objects.js';
import { seededRandom } from '../support/checkout-repos.js';
import { CLI_MAIN } from '../support/cli.js';
import { scratchDir } from '../support/repos.js';

const SEED = Number(process.env['XTEST_PACK_SEED'] ?? 0x5eed);
const FILES = 200;
/** Kills after a random delay over a whole run (mostly while files are staged)... */
const TRIALS = 10;
/** ...and right after the last file is staged (progress at 100%), while files are renamed into place. */
const COMMIT_TRIALS = 6;

interface Expected {
  kind: 'file' | 'symlink';
  exec: boolean;
  size: number;
  sha1: string;
  target?: string;
}

/** The tree: d<k>/[sub/]f<i>.bin, sizes 0-2 MB (skewed small), every 9th executable, every 25th a symlink. */
function buildTree() {
  const rnd = seededRandom(SEED);
  const expected = new Map<string, Expected>();
  const dirs = new Map<string, Node[]>();
  for (let i = 0; i < FILES; i++) {
    const dir = `d${i % 6}${i % 4 === 0 ? '/sub' : ''}`;
    const name = `f${i}.bin`;
    let node: Node;
    if (i % 25 === 24) {
      const target = `../${'x'.repeat(1 + rnd.int(200))}/target-${i}`;
      node = { name, link: target };
      expected.set(`${dir}/${name}`, { kind: 'symlink', exec: false, size: target.length, sha1: '', target });
    } else {
      const size = Math.floor(2 * 1024 * 1024 * rnd.next() ** 2);
      const pattern = Buffer.alloc(4096);
      for (let j = 0; j < pattern.length; j++) pattern[j] = rnd.int(256);
      const data = size > 0 ? Buffer.alloc(size, pattern) : Buffer.alloc(0);
      data.write(`file ${i}\n`.slice(0, size));
      const exec = i % 9 === 0;
      node = { name, content: data, exec };
      expected.set(`${dir}/${name}`, { kind: 'file', exec, size, sha1: createHash('sha1').update(data).digest('hex') });
    }
    dirs.set(dir, [...(dirs.get(dir) ?? []), node]);
  }
  // Nest d<k>/sub inside d<k>.
  const top: Node[] = [];
  for (let k = 0; k < 6; k++) {
    const own = dirs.get(`d${k}`) ?? [];
    const sub = dirs.get(`d${k}/sub`);
    top.push({ name: `d${k}`, children: sub ? [...own, { name: 'sub', children: sub }] : own });
  }
  return { tree: handTree('sha1', top), expected };
}

/** Every path below `out`, checked: complete files and symlinks, known directories, staging leftovers. */
function checkOutput(out: string, expected: Map<string, Expected>): { complete: number; staging: number } {
  const dirs = new Set<string>();
  for (const p of expected.keys()) for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) dirs.add(p.slice(0, i));
  let complete = 0;
  let staging = 0;
  const walk = (rel: string) => {
    for (const name of readdirSync(join(out, rel))) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const abs = join(out, path);
      const st = lstatSync(abs);
      if (rel === '' && name.startsWith('.xtest-pack-tmp-') && st.isDirectory()) {
        staging++;
        continue;
      }
      if (st.isDirectory()) {
        assert.ok(dirs.has(path), `unexpected directory ${path}`);
        walk(path);
        continue;
      }
      const e = expected.get(path);
      assert.ok(e, `unexpected file ${path} (${st.size} bytes)`);
      if (e.kind === 'symlink') {
        assert.ok(st.isSymbolicLink(), `${path} is a symlink`);
        assert.equal(readlinkSync(abs), e.target, `${path}: whole target`);
      } else {
        assert.ok(st.isFile(), `${path} is a regular file`);
        assert.equal(st.size, e.size, `${path}: partial file under its final name`);
        assert.equal(createHash('sha1').update(readFileSync(abs)).digest('hex'), e.sha1, `${path}: content`);
        assert.equal((st.mode & 0o100) !== 0, e.exec, `${path}: executable bit`);
      }
      complete++;
    }
  };
  walk('');
  return { complete, staging };
}

/**
 * Run the command line's checkout; kill it with SIGKILL `delayMs` after it starts (unless it is
 * done), or, with `afterStaging`, that long after its progress line reports every file staged.
 */
function killedCheckout(objects: string, oid: string, out: string, delayMs: number, afterStaging = false): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'checkout', afterStaging ? '--progress' : '--no-progress', '--objects', objects, '--out', out, oid], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
    };
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (afterStaging && stderr.includes(`(${FILES}/${FILES})`)) arm();
    });
    if (!afterStaging) arm();
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === null && code !== 0) reject(new Error(`checkout exited ${code}: ${stderr}`));
      else resolve({ killed: signal === 'SIGKILL', code });
    });
  });
}

describe('SIGKILL during a checkout', () => {
  test(`${TRIALS + COMMIT_TRIALS} checkouts killed at random points leave only complete files under final names`, { timeout: 240_000 }, async (t) => {
    const { tree, expected } = buildTree();
    const root = scratchDir('xtest-pack-kill-');
    const objects = join(root, 'packs');
    // The pack is only the input: written with the node backend, stored (level 0), for speed.
    mkdirSync(objects);
    writePackFiles(objects, tree.objects, getBackend('node'), 'sha1', { verify: false, delta: false, level: 0 });

    // A whole run first: it must be correct, and its duration spreads the kill points.
    const started = Date.now();
    const full = await killedCheckout(objects, tree.commit.hex, join(root, 'full'), 600_000);
    const duration = Date.now() - started;
    assert.equal(full.killed, false);
    assert.equal(checkOutput(join(root, 'full'), expected).complete, FILES);
    rmSync(join(root, 'full'), { recursive: true, force: true });

    const rnd = seededRandom(SEED + 7);
    const seen: string[] = [];
    for (let trial = 0; trial < TRIALS + COMMIT_TRIALS; trial++) {
      const out = join(root, `out-${trial}`);
      const atCommit = trial >= TRIALS;
      const delay = atCommit ? rnd.int(30) : Math.floor(rnd.next() * duration * 1.1);
      const r = await killedCheckout(objects, tree.commit.hex, out, delay, atCommit);
      let found = { complete: 0, staging: 0 };
      try {
        found = checkOutput(out, expected);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // killed before it made the directory
      }
      seen.push(`${atCommit ? 'staged+' : ''}${delay}ms: ${r.killed ? 'killed' : 'finished'}, ${found.complete} complete, ${found.staging} staging`);
      if (!r.killed) assert.equal(found.complete, FILES, 'a run that finished wrote everything');
      // Every third trial: run again over the leftovers; it completes.
      if (trial % 3 === 0) {
        const again = runCheckout({ objects, oid: tree.commit.hex, out });
        assert.equal(again.files.length, FILES);
        assert.equal(checkOutput(out, expected).complete, FILES);
      }
      rmSync(out, { recursive: true, force: true });
    }
    t.diagnostic(`full run ${duration} ms; trials: ${seen.join('; ')}`);
  });
});
