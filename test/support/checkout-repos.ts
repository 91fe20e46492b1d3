// Repositories and git-as-oracle helpers for the checkout differential tests: the repositories
// of fixtures/scripts/checkout-repos.sh (made once per test process), a clone of this project,
// `git checkout` of an exact list of paths into an empty directory, and a seeded RNG.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from './git.js';
import { projectRepository, runFixtureScript, scratchDir } from './repos.js';

export interface CheckoutRepos {
  /** SHA-1, work tree clean on main (2 commits, v1 annotated on the first); see the script. */
  readonly sha1: string;
  readonly sha256: string;
}

let repos: CheckoutRepos | undefined;

/** The repositories of fixtures/scripts/checkout-repos.sh. Read only. */
export function checkoutRepos(): CheckoutRepos {
  if (repos) return repos;
  const out = scratchDir('xtest-pack-checkout-repos-');
  runFixtureScript('checkout-repos', [out]);
  repos = { sha1: join(out, 'sha1'), sha256: join(out, 'sha256') };
  return repos;
}

let self: string | undefined;

/** A clone (git clone -q) of the repository this project is checked out from. Read only. */
export function selfClone(): string {
  if (self) return self;
  const top = projectRepository();
  self = join(scratchDir('xtest-pack-checkout-self-'), 'self');
  git(['clone', '-q', top, self]);
  return self;
}

export function revParse(repo: string, rev: string): string {
  return git(['rev-parse', '--verify', '--end-of-options', rev], { cwd: repo }).toString('utf8').trim();
}

export interface TreeItem {
  readonly mode: string;
  readonly type: 'blob' | 'tree' | 'commit';
  readonly oid: string;
  readonly path: string;
}

/** `git ls-tree -r -t` of `rev`: every blob, symlink, gitlink and tree, in git's order. */
export function lsTree(repo: string, rev: string): TreeItem[] {
  return git(['ls-tree', '-r', '-t', '-z', rev], { cwd: repo })
    .toString('utf8')
    .split('\0')
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^(\d+) (blob|tree|commit) ([0-9a-f]+)\t(.*)$/s.exec(l);
      if (!m) throw new Error(`ls-tree line ${JSON.stringify(l)}`);
      return { mode: m[1]!, type: m[2] as TreeItem['type'], oid: m[3]!, path: m[4]! };
    });
}

/**
 * What `git checkout <commit> -- <paths>` writes into `dest` (created), from `repo`, with a
 * throw-away index: each path taken literally, passed NUL-separated through a file.
 */
export function gitCheckoutPaths(repo: string, commit: string, paths: readonly string[], dest: string): void {
  mkdirSync(dest, { recursive: true });
  const scratch = scratchDir('xtest-pack-git-index-');
  const list = join(scratch, 'paths');
  writeFileSync(list, paths.map((p) => `:(literal)${p}\0`).join(''));
  const gitDir = git(['rev-parse', '--absolute-git-dir'], { cwd: repo }).toString('utf8').trim();
  git(['--git-dir', gitDir, '--work-tree', dest, 'checkout', '-q', commit, `--pathspec-from-file=${list}`, '--pathspec-file-nul'], {
    cwd: dest,
    env: { GIT_INDEX_FILE: join(scratch, 'index') },
  });
}

/** A seeded PRNG (mulberry32): the same seed gives the same cases on every machine. */
export function seededRandom(seed: number): { next(): number; int(n: number): number; pick<T>(xs: readonly T[]): T; subset<T>(xs: readonly T[], k: number): T[] } {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]) => xs[int(xs.length)]!,
    subset: <T>(xs: readonly T[], k: number) => {
      const copy = [...xs];
      const out: T[] = [];
      while (out.length < k && copy.length > 0) out.push(copy.splice(int(copy.length), 1)[0]!);
      return out;
    },
  };
}
