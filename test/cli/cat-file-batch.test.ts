// The built command line in batch mode, as scripts use it: stdout written to a real pipe (the
// bytes git prints, all of them, when they fill the pipe many times over), a co-process that
// writes a name and waits for its answer before writing the next, and a reader that goes away
// (`| head`): exit 141 as git's SIGPIPE, nothing on stderr.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { CLI_MAIN } from '../support/cli.js';
import { git, tempDir } from '../support/git.js';
import { cloneSelf } from '../support/odb-repos.js';

const scratch = tempDir('xtest-pack-cli-batch-');
const self = cloneSelf(scratch.dir);
after(() => scratch.cleanup());

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('XTEST_PACK_') || k === 'XTEST_PACK_BACKEND') e[k] = v;
  return e;
}

describe('xtest-pack cat-file batch modes through real pipes', () => {
  test('--batch-all-objects --batch (both orders) and --batch on stdin print git\'s bytes', () => {
    const ids = git(['cat-file', '--batch-all-objects', '--batch-check=%(objectname)'], { cwd: self });
    for (const [args, input] of [
      [['--batch-all-objects', '--batch'], ''],
      [['--batch-all-objects', '--batch', '--unordered'], ''],
      [['--batch'], ids],
      [['--batch-check=%(objectname) %(objecttype) %(objectsize) %(objectsize:disk) %(deltabase)'], ids],
    ] as const) {
      const want = git(['cat-file', ...args], { cwd: self, input });
      const r = spawnSync(process.execPath, [CLI_MAIN, 'cat-file', '--repo', self, ...args], { env: env(), input, maxBuffer: 1 << 30 });
      assert.equal(r.stderr.toString(), '', `${args.join(' ')}: stderr`);
      assert.equal(r.status, 0, `${args.join(' ')}: exit status`);
      assert.ok(want.length > 1 << 20 || !(args as readonly string[]).includes('--batch'), 'the fixture: output fills the pipe many times');
      assert.ok(r.stdout.equals(want), `${args.join(' ')}: ${r.stdout.length} bytes, git ${want.length}`);
    }
  });

  test('a co-process gets each answer before it writes the next name', async () => {
    const ids = git(['cat-file', '--batch-all-objects', '--batch-check=%(objectname)'], { cwd: self }).toString('utf8').trim().split('\n').slice(0, 3);
    const child = spawn(process.execPath, [CLI_MAIN, 'cat-file', '--repo', self, '--batch-check'], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const lineCount = (): number => out.split('\n').length - 1;
    const waitFor = (n: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer after 20 s; stdout so far ${JSON.stringify(out)}, stderr ${JSON.stringify(stderr)}`)), 20_000);
        const check = (): void => {
          if (lineCount() >= n) {
            clearTimeout(timer);
            child.stdout.off('data', onData);
            resolve();
          }
        };
        const onData = (c: Buffer): void => {
          out += c.toString();
          check();
        };
        child.stdout.on('data', onData);
        check();
      });
    for (const [k, id] of [...ids, 'nonexistent'].entries()) {
      child.stdin.write(`${id}\n`);
      await waitFor(k + 1);
    }
    child.stdin.end();
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(status, 0);
    assert.equal(out, git(['cat-file', '--batch-check'], { cwd: self, input: [...ids, 'nonexistent'].map((i) => `${i}\n`).join('') }).toString('utf8'));
  });

  test('a reader that goes away ends it quietly, with the status of SIGPIPE', async () => {
    const child = spawn(process.execPath, [CLI_MAIN, 'cat-file', '--repo', self, '--batch-all-objects', '--batch'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '', 'nothing on stderr');
    assert.equal(status, 141);
  });
});
