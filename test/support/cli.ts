// Running the compiled xtest-pack command line as a child process, as a user would: with
// the same node, and the caller's environment (so XTEST_PACK_BACKEND picks the backend; the
// suite's own XTEST_PACK_OBJECTS and friends are left out).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** dist/src/cli/main.js (this file is compiled to dist/test/support/). */
export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * The caller's environment minus the XTEST_PACK_* variables that are there for the suite's own
 * fixtures (package-test sets XTEST_PACK_OBJECTS and XTEST_PACK_TMPDIR): a command under test
 * sees only what its test gives it. XTEST_PACK_BACKEND stays, to pick the backend.
 */
function inheritedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('XTEST_PACK_') || k === 'XTEST_PACK_BACKEND') env[k] = v;
  return env;
}

/** Run `xtest-pack ...args`; stdin, stdout and stderr are pipes (not terminals). */
export function xtestPack(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI_MAIN, ...args], {
    cwd: opts.cwd,
    env: { ...inheritedEnv(), ...opts.env },
    input: '',
    maxBuffer: 1 << 30,
  });
  if (r.error) throw r.error;
  assert.equal(r.signal, null, `xtest-pack ${args.join(' ')} was killed by ${r.signal}`);
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** Run xtest-pack, require exit 0 and an empty stderr, and return stdout. */
export function xtestPackOk(args: string[], opts: { cwd?: string } = {}): Buffer {
  const r = xtestPack(args, opts);
  assert.equal(r.status, 0, `xtest-pack ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  assert.equal(r.stderr, '', `xtest-pack ${args.join(' ')} wrote to stderr`);
  return r.stdout;
}

/**
 * Require the shape of an error report: exactly one line on stderr, starting with
 * `prefix`, and no stack trace.
 */
export function assertOneLineError(stderr: string, prefix = 'xtest-pack: '): void {
  assert.ok(stderr.endsWith('\n'), `stderr does not end with a newline: ${JSON.stringify(stderr)}`);
  const lines = stderr.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, `stderr has ${lines.length} lines: ${JSON.stringify(stderr)}`);
  assert.ok(lines[0]!.startsWith(prefix), `stderr does not start with ${JSON.stringify(prefix)}: ${JSON.stringify(stderr)}`);
  assert.doesNotMatch(stderr, /\n\s+at |Error:.*\n.*at /, 'stderr holds a stack trace');
}
