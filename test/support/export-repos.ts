// The repositories the export tests work on (fixtures/scripts/export-repos.sh, made once per
// test process) and git-as-oracle helpers for written packs: git's idx of a pack, the ids an
// idx lists (git show-index), objects read back with git cat-file --batch, a bare repository
// marked as a partial clone holding exported packs, and checking files out of it with git.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectFormat } from '../../src/pack/oid.js';
import { git } from './git.js';
import { gitFormatArgs, runFixtureScript, scratchDir } from './repos.js';

export interface ExportRepos {
  /** SHA-1 with a work tree; main has 3 commits, tag v1 on HEAD~1 (see the script). */
  readonly main: string;
  /** Linked work tree of main on branch side. */
  readonly wt: string;
  readonly sha256: string;
  readonly urlString: string;
  readonly urlRemote: string;
  readonly urlNone: string;
}

let repos: ExportRepos | undefined;

/** The repositories of fixtures/scripts/export-repos.sh, made on first use in this process. Read only. */
export function exportRepos(): ExportRepos {
  if (repos) return repos;
  const out = scratchDir('xtest-pack-export-repos-');
  runFixtureScript('export-repos', [out]);
  repos = {
    main: join(out, 'main'),
    wt: join(out, 'wt'),
    sha256: join(out, 'sha256'),
    urlString: join(out, 'url-string'),
    urlRemote: join(out, 'url-remote'),
    urlNone: join(out, 'url-none'),
  };
  return repos;
}

/** A private copy of a (non-linked) repository with its work tree, to change freely. */
export function copyRepo(src: string): string {
  const dir = join(scratchDir('xtest-pack-export-copy-'), 'repo');
  const r = spawnSync('cp', ['-a', src, dir]);
  if (r.status !== 0) throw new Error(`cp -a ${src} failed: ${r.stderr.toString()}`);
  return dir;
}

export interface TreeEntry {
  readonly mode: string;
  readonly type: 'blob' | 'tree' | 'commit';
  readonly oid: string;
}

/** `git ls-tree -r -t --full-tree` of `rev`: every path (trees included) to its entry; '' is the root tree. */
export function treeListing(repo: string, rev: string): Map<string, TreeEntry> {
  const out = git(['ls-tree', '-r', '-t', '-z', '--full-tree', rev], { cwd: repo }).toString('utf8');
  const map = new Map<string, TreeEntry>();
  map.set('', { mode: '040000', type: 'tree', oid: revParse(repo, `${rev}^{tree}`) });
  for (const rec of out.split('\0')) {
    if (rec === '') continue;
    const m = /^(\d+) (blob|tree|commit) ([0-9a-f]+)\t(.*)$/s.exec(rec);
    assert.ok(m, `unexpected ls-tree record ${JSON.stringify(rec)}`);
    map.set(m[4]!, { mode: m[1]!, type: m[2] as TreeEntry['type'], oid: m[3]! });
  }
  return map;
}

export function revParse(repo: string, rev: string): string {
  return git(['rev-parse', '--verify', '--end-of-options', rev], { cwd: repo }).toString('utf8').trim();
}

/** The object format of a repository, as git says. */
export function repoFormat(repo: string): ObjectFormat {
  return git(['rev-parse', '--show-object-format'], { cwd: repo }).toString('utf8').trim() as ObjectFormat;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * The ids an export of exactly `files` (paths at `rev`, gitlinks allowed) must consist of,
 * computed from git's listing: the commit, every tree on the way to a file, the files' blobs
 * (not gitlinks), and the .gitattributes and .gitmodules blobs of those trees.
 */
export function expectedExportIds(repo: string, rev: string, files: readonly string[]): Set<string> {
  const listing = treeListing(repo, rev);
  const ids = new Set<string>([revParse(repo, `${rev}^{commit}`)]);
  const trees = new Set<string>(['']);
  for (const f of files) {
    const e = listing.get(f);
    assert.ok(e && e.type !== 'tree', `test error: ${f} is not a file at ${rev}`);
    if (e.type === 'blob') ids.add(e.oid);
    for (let d = dirOf(f); ; d = dirOf(d)) {
      trees.add(d);
      if (d === '') break;
    }
  }
  for (const t of trees) {
    ids.add(listing.get(t)!.oid);
    for (const special of ['.gitattributes', '.gitmodules']) {
      const e = listing.get(t === '' ? special : `${t}/${special}`);
      if (e?.type === 'blob') ids.add(e.oid);
    }
  }
  return ids;
}

/** The ids an idx lists, according to `git show-index`. */
export function idxOids(idxPath: string, format: ObjectFormat): string[] {
  const out = git(['show-index', ...gitFormatArgs({ format })], { input: readFileSync(idxPath) }).toString('utf8');
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ')[1]!);
}

/** The `pack-*.pack` files of a directory (sorted names). */
export function packNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => /^pack-[0-9a-f]+\.pack$/.test(n))
    .sort();
}

/** All files of a directory (not recursive): name to bytes. */
export function dirContents(dir: string): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const n of readdirSync(dir).sort()) m.set(n, readFileSync(join(dir, n)));
  return m;
}

/** Require two directories to hold the same file names with the same bytes. */
export function assertSameDir(a: string, b: string, what: string): void {
  const ca = dirContents(a);
  const cb = dirContents(b);
  assert.deepEqual([...ca.keys()], [...cb.keys()], `${what}: different file names`);
  for (const [name, bytes] of ca) assert.ok(bytes.equals(cb.get(name)!), `${what}: ${name} differs`);
}

/**
 * git index-pack on a copy of `pack` (with `--fsck-objects`, and `--strict` when `strict`, run
 * in a scratch repository of the right format so that links can be checked); returns git's
 * idx and what it printed. Throws (failing the test) when git rejects the pack.
 */
export function gitIndexPack(
  pack: string | Uint8Array,
  format: ObjectFormat,
  opts: { version?: 1 | 2; strict?: boolean } = {},
): { idx: Buffer; stdout: string } {
  const dir = scratchDir('xtest-pack-git-index-');
  git(['init', '-q', '--bare', ...gitFormatArgs({ format }), dir]);
  const copy = join(dir, 'p.pack');
  if (typeof pack === 'string') copyFileSync(pack, copy);
  else writeFileSync(copy, pack);
  const idx = join(dir, 'p.idx');
  const stdout = git(
    [
      'index-pack',
      `--index-version=${opts.version ?? 2}`,
      '--fsck-objects',
      ...(opts.strict ? ['--strict'] : []),
      ...gitFormatArgs({ format }),
      '-o',
      idx,
      copy,
    ],
    { cwd: dir },
  ).toString('utf8');
  return { idx: readFileSync(idx), stdout };
}

export interface GitObject {
  readonly type: string;
  readonly data: Buffer;
}

/** `git cat-file --batch` of `oids` in `repo` (a git dir or work tree); every one must be present. */
export function catFileBatch(repo: string, oids: readonly string[]): Map<string, GitObject> {
  const out = git(['cat-file', '--batch'], { cwd: repo, input: oids.map((o) => `${o}\n`).join('') });
  const m = new Map<string, GitObject>();
  let at = 0;
  for (const oid of oids) {
    const nl = out.indexOf(0x0a, at);
    const header = out.subarray(at, nl).toString('utf8');
    const parts = header.split(' ');
    assert.equal(parts.length, 3, `git cat-file --batch: ${header}`);
    assert.equal(parts[0], oid);
    const size = Number(parts[2]);
    const data = out.subarray(nl + 1, nl + 1 + size);
    assert.equal(out[nl + 1 + size], 0x0a);
    m.set(oid, { type: parts[1]!, data: Buffer.from(data) });
    at = nl + 2 + size;
  }
  assert.equal(at, out.length, 'git cat-file --batch printed more than asked for');
  return m;
}

/**
 * A bare repository holding the packs of `packDir` (each marked .promisor), shallow at
 * `commit`, configured as a partial clone, with refs/heads/main at `commit`: git reads only
 * what the packs hold, and fsck accepts what they leave out.
 */
export function partialClone(packDir: string, commit: string, format: ObjectFormat): string {
  const r = join(scratchDir('xtest-pack-partial-'), 'r.git');
  git(['init', '-q', '--bare', ...gitFormatArgs({ format }), r]);
  for (const name of packNames(packDir)) {
    const base = name.slice(0, -'.pack'.length);
    copyFileSync(join(packDir, name), join(r, 'objects', 'pack', name));
    copyFileSync(join(packDir, `${base}.idx`), join(r, 'objects', 'pack', `${base}.idx`));
    writeFileSync(join(r, 'objects', 'pack', `${base}.promisor`), '');
  }
  writeFileSync(join(r, 'shallow'), `${commit}\n`);
  const cfg = (k: string, v: string) => git(['-C', r, 'config', k, v]);
  cfg('core.repositoryformatversion', '1');
  cfg('extensions.partialClone', 'origin');
  cfg('remote.origin.url', 'file:///dev/null');
  cfg('remote.origin.promisor', 'true');
  git(['-C', r, 'update-ref', 'refs/heads/main', commit]);
  return r;
}

/** `git fsck --strict` of a repository; fails the test with git's output unless it passes. */
export function assertFsckStrict(repo: string): void {
  git(['-C', repo, 'fsck', '--strict', '--no-progress']);
}

/**
 * Check `paths` of `commit` out of the git directory `gitDir` into a new directory with git
 * alone (`git --git-dir --work-tree checkout <commit> -- <paths>`); returns that directory.
 */
export function gitCheckout(gitDir: string, commit: string, paths: readonly string[]): string {
  const wt = scratchDir('xtest-pack-checkout-');
  git(['--git-dir', gitDir, '--work-tree', wt, 'checkout', commit, '--pathspec-from-file=-', '--pathspec-file-nul'], {
    input: paths.map((p) => `:(literal)${p}\0`).join(''),
  });
  return wt;
}

/**
 * Require `paths` to be the same in two work trees: the same bytes, both symlinks with the
 * same target or both regular files with the same executable bit.
 */
export function assertSameFiles(expected: string, actual: string, paths: readonly string[]): void {
  for (const p of paths) {
    const a = lstatSync(join(expected, p));
    const b = lstatSync(join(actual, p));
    assert.equal(b.isSymbolicLink(), a.isSymbolicLink(), `${p}: symlink or not`);
    if (a.isSymbolicLink()) {
      assert.equal(readlinkSync(join(actual, p)), readlinkSync(join(expected, p)), `${p}: symlink target`);
      continue;
    }
    assert.ok(b.isFile(), `${p} is not a file`);
    assert.equal(b.mode & 0o100, a.mode & 0o100, `${p}: executable bit`);
    assert.ok(readFileSync(join(actual, p)).equals(readFileSync(join(expected, p))), `${p}: content differs`);
  }
}
