// Running the real git as the reference oracle in tests, with a fixed, isolated environment.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const baseEnv: NodeJS.ProcessEnv = {
  PATH: process.env['PATH'],
  HOME: tmpdir(),
  LANG: 'C',
  LC_ALL: 'C',
  TZ: 'UTC',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'A U Thor',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_NAME: 'C O Mitter',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
  GIT_COMMITTER_DATE: '1700000000 +0000',
};

export interface GitResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/** Run git; `input` goes to stdin. Does not throw on a non-zero exit. */
export function gitRaw(args: string[], opts: { cwd?: string; input?: Uint8Array | string; env?: NodeJS.ProcessEnv } = {}): GitResult {
  const r = spawnSync('git', args, {
    cwd: opts.cwd,
    input: opts.input,
    env: { ...baseEnv, ...opts.env },
    maxBuffer: 1 << 30,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Run git and return stdout; throws with stderr on a non-zero exit. */
export function git(args: string[], opts: { cwd?: string; input?: Uint8Array | string; env?: NodeJS.ProcessEnv } = {}): Buffer {
  const r = gitRaw(args, opts);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A fresh temporary directory, removed by the returned `cleanup`. */
export function tempDir(prefix = 'xtest-pack-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
