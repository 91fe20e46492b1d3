// The repositories `xtest-pack fetch` is tested on, served by git http-backend on loopback
// (one GIT_PROJECT_ROOT of bare clones, made once per test process), each with the work tree
// the author would export or pack from:
//
//   sha1.git, sha256.git   fetch-repos.sh (a tree three levels deep; SHA-256)
//   main.git               export-repos.sh main: symlink, executables, .gitattributes at two
//                          levels, gitlinks, .gitmodules, unicode and spaced names, package.json
//                          with a repository URL holding credentials
//   main256.git            export-repos.sh sha256
//   example.git            the example package at the repository's top
//   monorepo.git           the example package in packages/example-pkg
//
// and the comparisons the byte-identity tests make: two pack directories (pack, idx, manifest)
// byte for byte, two files byte for byte.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { examplePackage } from './example-package.js';
import { exportRepos } from './export-repos.js';
import { fetchRepos } from './fetch-repos.js';
import { git } from './git.js';
import { scratchDir } from './repos.js';
import { startGitHttpServer, type GitHttpServer, type GitHttpServerOptions } from './git-http-server.js';

export interface ServedRepository {
  /** The name under the root: the URL path. */
  readonly name: string;
  /** The bare repository served. */
  readonly bare: string;
  /** The work tree it was cloned from (the author's). */
  readonly workTree: string;
}

export interface ServedRepos {
  readonly root: string;
  readonly sha1: ServedRepository;
  readonly sha256: ServedRepository;
  readonly main: ServedRepository;
  readonly main256: ServedRepository;
  readonly example: ServedRepository;
  readonly monorepo: ServedRepository;
}

let served: ServedRepos | undefined;

/** The served repositories, made on first use in this process. Read only. */
export function servedRepos(): ServedRepos {
  if (served) return served;
  const root = scratchDir('xtest-pack-fetch-served-');
  const fetchRoot = fetchRepos();
  const exp = exportRepos();
  const ex = examplePackage();
  const bare = (name: string, from: string, workTree: string): ServedRepository => {
    const dir = join(root, name);
    git(['clone', '-q', '--bare', '--no-local', from, dir]);
    return { name, bare: dir, workTree };
  };
  // fetch-repos.sh made bare repositories only: a work tree for export is cloned from each.
  const withWorkTree = (name: string, src: string): ServedRepository => {
    const work = join(scratchDir('xtest-pack-fetch-work-'), name.replace(/\.git$/, ''));
    git(['clone', '-q', '--no-local', src, work]);
    return bare(name, src, work);
  };
  served = {
    root,
    sha1: withWorkTree('sha1.git', fetchRoot.sha1.dir),
    sha256: withWorkTree('sha256.git', fetchRoot.sha256.dir),
    main: bare('main.git', exp.main, exp.main),
    main256: bare('main256.git', exp.sha256, exp.sha256),
    example: bare('example.git', ex.repo, ex.repo),
    monorepo: bare('monorepo.git', ex.monorepo, ex.monorepo),
  };
  return served;
}

/** A starter of servers over `servedRepos()`, all closed after the test file. Call at the top level. */
export function servedStarter(): (options?: Omit<GitHttpServerOptions, 'root'>) => Promise<GitHttpServer> {
  const started: GitHttpServer[] = [];
  after(async () => {
    await Promise.all(started.map((s) => s.close()));
  });
  return async (options = {}) => {
    const s = await startGitHttpServer({ root: servedRepos().root, ...options });
    started.push(s);
    return s;
  };
}

/** The files of a pack directory: name to bytes, sorted by name. */
export function directoryFiles(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n))]));
}

/** Two pack directories hold the same files, byte for byte (pack, idx, manifest). */
export function assertSameDirectory(actual: string, expected: string, what: string): void {
  const a = directoryFiles(actual);
  const e = directoryFiles(expected);
  assert.deepEqual([...a.keys()], [...e.keys()], `${what}: the files`);
  assert.equal([...a.keys()].filter((n) => n.endsWith('.pack')).length, 1, `${what}: one pack`);
  for (const [name, bytes] of e) {
    const mine = a.get(name)!;
    assert.ok(mine.equals(bytes), `${what}: ${name} differs (${mine.length} bytes, expected ${bytes.length})${name.endsWith('.json') ? `\n${mine.toString()}\n---\n${bytes.toString()}` : ''}`);
  }
}

/** Two files are the same bytes. */
export function assertSameFile(actual: string, expected: string, what: string): void {
  const a = readFileSync(actual);
  const e = readFileSync(expected);
  assert.ok(a.equals(e), `${what}: ${actual} (${a.length} bytes) differs from ${expected} (${e.length} bytes)`);
}
