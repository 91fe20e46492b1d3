// Repositories and helpers for the object-database tests (test/git/odb-*, test/odb/*): the
// repositories of fixtures/scripts/odb-rich.sh, a clone of this project, the xtest-pack command
// line run in this process (fast enough to compare hundreds of commands with git), and
// comparison helpers with git as the oracle.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createProgram } from '../../src/cli/program.js';
import { git, gitRaw, tempDir } from './git.js';
import { FIXTURE_SCRIPTS, projectRepository } from './repos.js';

/** The project's root and its fixture scripts (this file is compiled to dist/test/support/). */

export interface RichRepos {
  readonly root: string;
  /** SHA-1 repository with a work tree (see fixtures/scripts/odb-rich.sh). */
  readonly main: string;
  /** Linked work tree of main, on branch side. */
  readonly wt: string;
  /** git clone --shared of main, with a loose commit of its own. */
  readonly shared: string;
  /** Objects only through a relative objects/info/alternates to main. */
  readonly altrel: string;
  /** A copy of main with every object in one pack; packdir holds that pack alone. */
  readonly packed: string;
  readonly packdir: string;
  readonly sha256: string;
  readonly packed256: string;
  readonly packdir256: string;
  cleanup(): void;
}

/** Run fixtures/scripts/<name>.sh with `args` (the environment isolated as git.ts does). */
export function runScript(name: string, args: string[]): void {
  const r = spawnSync('bash', [join(FIXTURE_SCRIPTS, `${name}.sh`), ...args], {
    env: { PATH: process.env['PATH'] },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`fixtures/scripts/${name}.sh failed (${r.status ?? r.signal}): ${r.stderr}`);
}

/** Build the repositories of fixtures/scripts/odb-rich.sh in a new temporary directory. */
export function buildRichRepos(): RichRepos {
  const t = tempDir('xtest-pack-odb-');
  try {
    runScript('odb-rich', [t.dir]);
  } catch (e) {
    t.cleanup();
    throw e;
  }
  const p = (n: string) => join(t.dir, n);
  return {
    root: t.dir,
    main: p('main'),
    wt: p('wt'),
    shared: p('shared'),
    altrel: p('altrel'),
    packed: p('packed'),
    packdir: p('packdir'),
    sha256: p('sha256'),
    packed256: p('packed256'),
    packdir256: p('packdir256'),
    cleanup: t.cleanup,
  };
}

/** A clone (--no-local: a pack, as a fetch makes) of the repository this checkout belongs to. */
export function cloneSelf(into: string): string {
  const top = projectRepository();
  const dir = join(into, 'self');
  git(['clone', '-q', '--no-local', top, dir]);
  return dir;
}

export interface RunResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/** The environment the in-process command line sees: ours, minus $XTEST_PACK_OBJECTS. */
function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('XTEST_PACK_OBJECTS' in extra)) delete env['XTEST_PACK_OBJECTS'];
  return env;
}

/**
 * Run the xtest-pack command line in this process (the program of src/cli/program.ts with
 * its io pointed at buffers): the same parsing, commands and error reporting as the binary,
 * without the cost of starting node. test/support/cli.ts runs the real binary.
 */
export async function runCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: Uint8Array }): Promise<RunResult> {
  const out: Buffer[] = [];
  let err = '';
  const { run } = createProgram({
    stdout: {
      write: (s: string | Uint8Array) => {
        out.push(typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s));
        return true;
      },
    },
    stderr: {
      write: (s: string) => {
        err += s;
        return true;
      },
    },
    env: cliEnv(opts.env),
    cwd: opts.cwd,
    ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
  });
  const status = await run(args);
  return { status, stdout: Buffer.concat(out), stderr: err };
}

/** git's stdout split into lines (trailing newline dropped). */
export function gitLines(args: string[], cwd: string): string[] {
  const s = git(args, { cwd }).toString('utf8');
  return s === '' ? [] : s.replace(/\n$/, '').split('\n');
}

/** Every ref git lists (`git for-each-ref --format=%(refname)`). */
export function refNames(cwd: string): string[] {
  return gitLines(['for-each-ref', '--format=%(refname)'], cwd);
}

/** Ids of every object reachable from a ref (`git rev-list --objects --all`). */
export function allObjects(cwd: string): string[] {
  return gitLines(['rev-list', '--objects', '--all'], cwd).map((l) => l.slice(0, l.indexOf(' ') < 0 ? l.length : l.indexOf(' ')));
}

/** Every `step`-th of `items`, starting with the first: a deterministic sample. */
export function sample<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return items.slice();
  const step = items.length / count;
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(items[Math.floor(i * step)]!);
  return out;
}

/** Abbreviations of `ids`: each one's first 7, 5 and 4 hex digits (duplicates removed). */
export function abbreviations(ids: readonly string[]): string[] {
  const out = new Set<string>();
  for (const id of ids) for (const n of [7, 5, 4]) out.add(id.slice(0, n));
  return [...out];
}

/** How a command is pointed at what it reads, and how git is pointed at the same. */
export interface Target {
  readonly label: string;
  /** Where git runs (it discovers the repository from there). */
  readonly gitCwd: string;
  /** Where xtest-pack runs, and the arguments that name the repository (none: discovery). */
  readonly cliCwd: string;
  readonly where: readonly string[];
}

/** Escape a string for an assertion message. */
export function show(s: string): string {
  return JSON.stringify(s);
}

/**
 * Run `args` through git (in target.gitCwd) and xtest-pack (with target.where) and require
 * the same outcome: on git's success the same exit 0, an empty stderr and the same stdout
 * bytes; on git's failure exit 1, nothing on stdout and one `xtest-pack: ` line on stderr.
 * @param gitArgs git's arguments when they differ from ours (`rev-parse --verify`, ...).
 * @returns both results and, when they disagree, a one-line description of how.
 */
export async function diffWithGit(
  t: Target,
  args: readonly string[],
  gitArgs: readonly string[] = args,
): Promise<{ git: RunResult; ours: RunResult; divergence: string | undefined }> {
  const g = gitRaw([...gitArgs], { cwd: t.gitCwd });
  const [cmd, ...rest] = args;
  const o = await runCli([cmd!, ...t.where, ...rest], { cwd: t.cliCwd });
  const what = `${t.label}: xtest-pack ${args.map(show).join(' ')}`;
  const ours = `exit ${o.status}, stdout ${show(o.stdout.toString('latin1').slice(0, 300))}, stderr ${show(o.stderr)}`;
  let divergence: string | undefined;
  if (g.status === 0) {
    if (o.status !== 0 || o.stderr !== '' || !o.stdout.equals(g.stdout)) {
      divergence = `${what}: git printed ${show(g.stdout.toString('latin1').slice(0, 300))}; xtest-pack: ${ours}`;
    }
  } else if (o.status !== 1 || o.stdout.length > 0 || !/^xtest-pack: [^\n]+\n$/.test(o.stderr)) {
    divergence = `${what}: git failed (${g.stderr.trim().split('\n')[0]}); xtest-pack: ${ours}`;
  }
  return { git: g, ours: o, divergence };
}

/** Collects divergences; `check()` fails once with all of them. */
export class Divergences {
  readonly found: string[] = [];
  add(d: string | undefined): void {
    if (d !== undefined) this.found.push(d);
  }
  check(what: string): void {
    if (this.found.length > 0) {
      assert.fail(`${what}: ${this.found.length} divergence(s) from git:\n  ${this.found.join('\n  ')}`);
    }
  }
}

/** Exactly one line on stderr, starting `xtest-pack: `. */
export function assertOneLine(stderr: string, what = ''): void {
  assert.match(stderr, /^xtest-pack: [^\n]+\n$/, `${what}: stderr is not one "xtest-pack: " line: ${show(stderr)}`);
}
