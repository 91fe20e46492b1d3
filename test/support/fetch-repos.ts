// The repositories the fetch tests serve (fixtures/scripts/fetch-repos.sh, made once per test
// process), what git says is in them, and git as the oracle for a fetched pack.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectFormat } from '../../src/pack/oid.js';
import { git } from './git.js';
import { runFixtureScript, scratchDir } from './repos.js';

export interface ServedRepo {
  /** Name under the root: the URL path. */
  readonly name: string;
  readonly dir: string;
  readonly format: ObjectFormat;
  /** refs/heads/main */
  readonly head: string;
}

export interface FetchRepos {
  /** GIT_PROJECT_ROOT */
  readonly root: string;
  readonly sha1: ServedRepo;
  readonly sha256: ServedRepo;
}

let repos: FetchRepos | undefined;

/** The repositories of fetch-repos.sh, made on first use in this process. Read only. */
export function fetchRepos(): FetchRepos {
  if (repos) return repos;
  const root = scratchDir('xtest-pack-fetch-repos-');
  runFixtureScript('fetch-repos', [root]);
  const served = (name: string, format: ObjectFormat): ServedRepo => {
    const dir = join(root, name);
    return { name, dir, format, head: git(['rev-parse', 'HEAD'], { cwd: dir }).toString().trim() };
  };
  repos = { root, sha1: served('sha1.git', 'sha1'), sha256: served('sha256.git', 'sha256') };
  return repos;
}

/** Ids git lists for `args` of rev-list --objects (e.g. `['--filter=blob:none', '-n1', commit]`), sorted. */
export function revListObjects(repo: ServedRepo, args: string[]): string[] {
  const out = git(['rev-list', '--objects', '--no-object-names', ...args], { cwd: repo.dir }).toString();
  return out.split('\n').filter((l) => l !== '').sort();
}

/** The blob ids of a commit's tree (git ls-tree -r), sorted. */
export function blobIds(repo: ServedRepo, commit: string): string[] {
  const out = git(['ls-tree', '-r', '--object-only', commit], { cwd: repo.dir }).toString();
  return [...new Set(out.split('\n').filter((l) => l !== ''))].sort();
}

/** The ids of a pack, by git: index-pack (which checks it whole), then show-index; sorted. */
export function gitPackIds(pack: Uint8Array, format: ObjectFormat): string[] {
  const dir = scratchDir('xtest-pack-fetched-');
  const path = join(dir, 'fetched.pack');
  writeFileSync(path, pack);
  const fmt = format === 'sha1' ? [] : [`--object-format=${format}`];
  git(['index-pack', ...fmt, path], { cwd: dir });
  const out = git(['show-index', ...fmt], { input: readFileSync(join(dir, 'fetched.idx')) }).toString();
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ')[1]!)
    .sort();
}
