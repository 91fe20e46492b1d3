// xtest-pack rev-parse and cat-file against git, byte for byte, on the repositories of
// fixtures/scripts/odb-rich.sh (SHA-1 and SHA-256, a linked work tree, a shared clone, relative
// alternates, a bare pack directory) and on a clone of this project: every ref git lists, the
// revision forms (HEAD, @, ~N, ^N on a merge, ^{}, ^{type}, <rev>:<path>), full ids and 7-, 5-
// and 4-digit abbreviations of a sample of objects. Where git fails, xtest-pack must fail too
// (exit 1, one line on stderr). The library (Repository.open, resolveRevision, RefStore.list)
// is checked against the same answers.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { nodeStorage } from '../../src/fs/node-storage.js';
import { openPackDirectory } from '../../src/odb/open.js';
import { Repository } from '../../src/odb/repository.js';
import { resolveRevision, typeOf } from '../../src/odb/revision.js';
import { toHex } from '../../src/pack/oid.js';
import { assertOneLineError, xtestPack } from '../support/cli.js';
import { git, gitRaw, tempDir } from '../support/git.js';
import {
  abbreviations,
  allObjects,
  assertOneLine,
  buildRichRepos,
  cloneSelf,
  diffWithGit,
  Divergences,
  refNames,
  runCli,
  sample,
  show,
  type Target,
} from '../support/odb-repos.js';

const backend = getBackend();
const repos = buildRichRepos();
const scratch = tempDir('xtest-pack-odb-self-');
const self = cloneSelf(scratch.dir);
after(() => {
  repos.cleanup();
  scratch.cleanup();
});

/** Revision forms valid (or deliberately not) in the odb-rich.sh repositories. */
const RICH_REVS = [
  'HEAD',
  '@',
  'HEAD~1',
  'HEAD~',
  'HEAD^',
  'HEAD^1',
  'HEAD^0',
  'HEAD~0',
  'HEAD~2',
  'HEAD~~',
  'HEAD^^',
  '@~1',
  'HEAD~2^2', // the merge's second parent
  'HEAD~2^1',
  'HEAD~2^2~1',
  'HEAD^2', // HEAD is no merge: fails
  'HEAD~2^3', // fails
  'merge-point^2',
  'merge-point^{}^2',
  'mergetagged^2',
  'mergetagged^1',
  'signed',
  'signed~1',
  'signed^{tree}',
  'ORIG_HEAD',
  'main',
  'main~3',
  'heads/main',
  'refs/heads/main',
  'side',
  'side~1',
  'feature', // loose, overriding packed
  'after-pack',
  'topic/nested/name',
  'dup', // a tag and a branch: the tag wins
  'heads/dup',
  'tags/dup',
  'origin', // refs/remotes/origin/HEAD, symbolic
  'origin/main',
  'origin/HEAD',
  'remotes/origin/HEAD',
  'notes/commits',
  'light',
  'light-loose',
  'v1',
  'v1^{}',
  'v1^{commit}',
  'v1^{tree}',
  'v1^{tag}',
  'v1^{object}',
  'v1~1',
  'v1^2', // fails: not a merge
  'v1-outer',
  'v1-outer^{}',
  'v1-outer^{tag}',
  'v1-outer^{commit}',
  'v1-outer-outer',
  'v1-outer-outer^{}',
  'v1-outer-outer^{tree}',
  'v2',
  'v2^{}',
  'tree-tag',
  'tree-tag^{}',
  'tree-tag^{tree}',
  'tree-tag^{commit}', // fails
  'blob-tag',
  'blob-tag^{}',
  'blob-tag^{blob}',
  'blob-tag^{tree}', // fails
  'blob-tag~1', // fails
  'pgp-tag',
  'pgp-tag^{}',
  'HEAD^{tree}',
  'HEAD^{commit}',
  'HEAD^{object}',
  'HEAD^{}',
  'HEAD^{blob}', // fails
  'HEAD^{tag}', // fails
  'HEAD~1^{tree}',
  'HEAD:',
  'HEAD:dir',
  'HEAD:dir/',
  'HEAD:dir/file',
  'HEAD:dir/sub/deeper/x.txt',
  'HEAD~1:dir/sub/deeper/x.txt',
  'HEAD:dir/sub/deeper',
  'HEAD:with space.txt',
  'HEAD:dir with space/inner file.txt',
  'HEAD:unicodé.txt',
  'HEAD:uni/ünï/deep.txt',
  'HEAD:quote"d',
  'HEAD:tab\there',
  'HEAD:new\nline',
  'HEAD:back\\slash',
  'HEAD:run.sh',
  'HEAD:link',
  'HEAD:empty',
  'HEAD:sub', // a gitlink: rev-parse prints its id, cat-file fails (no such object)
  'HEAD:later/loose-only.txt',
  'HEAD^{tree}:dir/file',
  'v1:dir/file',
  'v1-outer-outer:dir',
  'tree-tag:dir/sub',
  'side:side.txt',
  'HEAD:nonexistent', // fails
  'HEAD:dir/file/more', // fails
  'blob-tag:x', // fails
  'nonexistent', // fails
  'refs/heads/nonexistent', // fails
  'HEAD~100', // fails
  'HEAD^{nope}', // fails
];

/** What to ask of a repository made by odb-rich.sh: its refs (full and short), the forms above, ids. */
function richRevisions(repo: string): string[] {
  const refs = refNames(repo);
  const short = refs.map((r) => r.replace(/^refs\/(heads|tags|remotes)\//, ''));
  const objects = allObjects(repo);
  const ids = sample(objects, 14);
  const out = new Set([...refs, ...short, ...RICH_REVS, ...ids, ...abbreviations(ids)]);
  out.add(ids[1]!.slice(0, 8).toUpperCase());
  out.add(ids[2]!.toUpperCase());
  return [...out];
}

/** The git-side answer of `rev-parse --verify` (undefined when git fails). */
function gitRevParse(cwd: string, rev: string): string | undefined {
  const r = gitRaw(['rev-parse', '--verify', '-q', rev], { cwd });
  return r.status === 0 ? r.stdout.toString('utf8').trim() : undefined;
}

/** Compare rev-parse (one revision a call, and all that git resolves in one call). */
async function compareRevParse(t: Target, revs: readonly string[]): Promise<void> {
  const d = new Divergences();
  const ok: string[] = [];
  let expected = '';
  for (const rev of revs) {
    const r = await diffWithGit(t, ['rev-parse', rev], ['rev-parse', '--verify', rev]);
    d.add(r.divergence);
    if (r.git.status === 0 && r.divergence === undefined) {
      ok.push(rev);
      expected += r.git.stdout.toString('latin1');
    }
  }
  d.check(`${t.label}: rev-parse`);
  if (ok.length === 0) return;
  const all = await runCli(['rev-parse', ...t.where, ...ok], { cwd: t.cliCwd });
  assert.equal(all.stderr, '');
  assert.equal(all.status, 0);
  assert.equal(all.stdout.toString('latin1'), expected, `${t.label}: rev-parse of ${ok.length} revisions in one call`);
}

interface BatchAnswer {
  type: string;
  size: number;
}

/** git cat-file --batch-check over `revs` (those without a newline); undefined where git fails. */
function gitBatchCheck(cwd: string, revs: readonly string[]): Map<string, BatchAnswer | undefined> {
  const asked = revs.filter((r) => !r.includes('\n'));
  const out = git(['cat-file', '--batch-check=%(objecttype) %(objectsize)'], { cwd, input: asked.map((r) => `${r}\n`).join('') })
    .toString('utf8')
    .replace(/\n$/, '')
    .split('\n');
  assert.equal(out.length, asked.length, 'cat-file --batch-check answers every line');
  const m = new Map<string, BatchAnswer | undefined>();
  asked.forEach((rev, i) => {
    const line = out[i]!;
    const a = /^(commit|tree|blob|tag) (\d+)$/.exec(line);
    if (a) m.set(rev, { type: a[1]!, size: Number(a[2]) });
    else {
      assert.ok(line === `${rev} missing` || line === `${rev} ambiguous`, `unexpected batch-check line ${show(line)}`);
      m.set(rev, undefined);
    }
  });
  return m;
}

/** Compare cat-file -t, -s and -e with git cat-file --batch-check, and -p with git cat-file -p. */
async function compareCatFile(t: Target, revs: readonly string[], opts: { pretty?: boolean } = {}): Promise<void> {
  const d = new Divergences();
  const batch = gitBatchCheck(t.gitCwd, revs);
  for (const rev of revs) {
    const ans = batch.get(rev);
    if (!batch.has(rev)) {
      // A revision with a newline cannot go through --batch-check: one command each.
      for (const flag of ['-t', '-s']) d.add((await diffWithGit(t, ['cat-file', flag, rev])).divergence);
    } else {
      for (const flag of ['-t', '-s'] as const) {
        const o = await runCli(['cat-file', ...t.where, flag, rev], { cwd: t.cliCwd });
        const what = `${t.label}: cat-file ${flag} ${show(rev)}`;
        const ours = `exit ${o.status}, stdout ${show(o.stdout.toString('latin1'))}, stderr ${show(o.stderr)}`;
        if (ans === undefined) {
          if (o.status !== 1 || !/^xtest-pack: [^\n]+\n$/.test(o.stderr)) d.add(`${what}: git fails; xtest-pack: ${ours}`);
        } else {
          const want = flag === '-t' ? `${ans.type}\n` : `${ans.size}\n`;
          if (o.status !== 0 || o.stderr !== '' || o.stdout.toString('utf8') !== want) d.add(`${what}: git prints ${show(want)}; xtest-pack: ${ours}`);
        }
      }
      const e = await runCli(['cat-file', ...t.where, '-e', rev], { cwd: t.cliCwd });
      const eOk = e.status === (ans === undefined ? 1 : 0) && e.stdout.length === 0 && (ans === undefined || e.stderr === '');
      if (!eOk) d.add(`${t.label}: cat-file -e ${show(rev)}: git ${ans === undefined ? 'fails' : 'succeeds'}; xtest-pack exit ${e.status}, stderr ${show(e.stderr)}`);
    }
    if (opts.pretty !== false) d.add((await diffWithGit(t, ['cat-file', '-p', rev])).divergence);
  }
  d.check(`${t.label}: cat-file`);
}

/** Compare `cat-file <type> <rev>` (which peels tags and commits) for every type. */
async function compareCatFileTyped(t: Target, revs: readonly string[]): Promise<void> {
  const d = new Divergences();
  for (const rev of revs) {
    for (const type of ['commit', 'tree', 'blob', 'tag']) d.add((await diffWithGit(t, ['cat-file', type, rev])).divergence);
  }
  d.check(`${t.label}: cat-file <type>`);
}

/** The library: Repository.open + resolveRevision give git's id and type. */
function compareLibrary(repoPath: string, gitCwd: string, revs: readonly string[]): void {
  const repo = Repository.open(repoPath, nodeStorage, backend);
  try {
    const types = gitBatchCheck(gitCwd, revs);
    for (const rev of revs) {
      const want = gitRevParse(gitCwd, rev);
      let got: { oid: string; type: string } | XtestPackError;
      try {
        const ctx = { odb: repo.odb, refs: repo.refs };
        const r = resolveRevision(ctx, rev);
        got = { oid: toHex(r.oid), type: typeOf(ctx, r) };
      } catch (e) {
        if (!(e instanceof XtestPackError)) throw e;
        got = e;
      }
      const typeKnown = types.get(rev);
      if (want === undefined) {
        assert.ok(got instanceof XtestPackError, `resolveRevision(${show(rev)}): git fails, got ${JSON.stringify(got)}`);
        assert.ok(['UNKNOWN_REVISION', 'AMBIGUOUS_OID', 'OBJECT_MISSING'].includes(got.code), `${rev}: ${got.code}`);
      } else if (typeKnown === undefined && types.has(rev)) {
        // git names an object it does not have (a gitlink's commit): the id must still match.
        if (!(got instanceof XtestPackError)) assert.equal(got.oid, want, `resolveRevision(${show(rev)})`);
        else assert.equal(got.code, 'OBJECT_MISSING', `resolveRevision(${show(rev)}) fails only for the missing object`);
      } else {
        assert.ok(!(got instanceof XtestPackError), `resolveRevision(${show(rev)}) failed: ${String(got)}`);
        assert.equal(got.oid, want, `resolveRevision(${show(rev)}).oid`);
        if (typeKnown) assert.equal(got.type, typeKnown.type, `resolveRevision(${show(rev)}).type`);
      }
    }
  } finally {
    repo.close();
  }
}

/** RefStore.list: the names and ids `git for-each-ref` lists, and packed peeled ids as `<ref>^{}`. */
function compareRefList(repoPath: string, gitCwd: string): number {
  const repo = Repository.open(repoPath, nodeStorage, backend);
  try {
    const expected = git(['for-each-ref', '--format=%(refname) %(objectname)'], { cwd: gitCwd }).toString('utf8');
    const listed = repo.refs.list();
    assert.equal(listed.map((r) => `${r.name} ${toHex(r.oid)}\n`).join(''), expected);
    let peeledSeen = 0;
    for (const r of listed) {
      if (r.peeled === undefined) continue;
      peeledSeen++;
      assert.equal(toHex(r.peeled), gitRevParse(gitCwd, `${r.name}^{}`), `${r.name}: peeled`);
    }
    return peeledSeen;
  } finally {
    repo.close();
  }
}

const main: Target = { label: 'main', gitCwd: repos.main, cliCwd: repos.main, where: [] };
const mainByPath: Target = { label: 'main --repo', gitCwd: repos.main, cliCwd: repos.root, where: ['--repo', repos.main] };
const mainGitDir: Target = { label: 'main --repo .git', gitCwd: repos.main, cliCwd: repos.root, where: ['--repo', join(repos.main, '.git')] };
const mainSubdir: Target = { label: 'main, from dir/sub', gitCwd: join(repos.main, 'dir', 'sub'), cliCwd: join(repos.main, 'dir', 'sub'), where: [] };
const sha256: Target = { label: 'sha256', gitCwd: repos.sha256, cliCwd: repos.sha256, where: [] };
const wt: Target = { label: 'worktree', gitCwd: repos.wt, cliCwd: repos.wt, where: [] };
const wtByPath: Target = { label: 'worktree --repo', gitCwd: repos.wt, cliCwd: repos.root, where: ['--repo', repos.wt] };
const shared: Target = { label: 'shared clone', gitCwd: repos.shared, cliCwd: repos.root, where: ['--repo', repos.shared] };
const altrel: Target = { label: 'relative alternates', gitCwd: repos.altrel, cliCwd: repos.altrel, where: [] };
const packdir: Target = { label: 'pack directory', gitCwd: repos.packed, cliCwd: repos.root, where: ['--objects', repos.packdir] };
const packdir256: Target = { label: 'sha256 pack directory', gitCwd: repos.packed256, cliCwd: repos.root, where: ['--objects', repos.packdir256] };
const selfT: Target = { label: 'this project', gitCwd: self, cliCwd: self, where: [] };

describe('rev-parse agrees with git', () => {
  test('main (sha1): every ref, short name, revision form and abbreviation', async () => {
    await compareRevParse(main, richRevisions(repos.main));
  });

  test('sha256: every ref, short name, revision form and abbreviation', async () => {
    const revs = richRevisions(repos.sha256);
    assert.ok(revs.some((r) => /^[0-9a-f]{64}$/.test(r)), 'sha256 ids are sampled');
    await compareRevParse(sha256, revs);
  });

  test('main through --repo <work tree>, --repo <.git>, and from a subdirectory', async () => {
    const revs = [...refNames(repos.main), 'HEAD', '@', 'HEAD~2^2', 'v1-outer^{}', 'HEAD:dir/file', 'HEAD^{tree}', 'nonexistent'];
    await compareRevParse(mainByPath, revs);
    await compareRevParse(mainGitDir, revs);
    await compareRevParse(mainSubdir, revs);
  });

  test('linked work tree: its own HEAD and per-worktree refs, the shared refs', async () => {
    const wtHead = gitRevParse(repos.wt, 'HEAD');
    assert.notEqual(wtHead, gitRevParse(repos.main, 'HEAD'), 'the fixture: HEAD differs between the work trees');
    const revs = [...refNames(repos.wt), 'HEAD', '@', 'HEAD~1', 'HEAD~2', 'HEAD:wt.txt', 'HEAD:side.txt', 'side', 'main', 'refs/worktree/mark', 'worktree/mark', 'v1^{}', 'HEAD^{tree}'];
    assert.ok(revs.includes('refs/worktree/mark'));
    await compareRevParse(wt, revs);
    await compareRevParse(wtByPath, revs);
    // Discovered from a subdirectory of the linked work tree.
    await compareRevParse({ ...wt, label: 'worktree, from dir', gitCwd: join(repos.wt, 'dir'), cliCwd: join(repos.wt, 'dir') }, ['HEAD', 'HEAD~1', 'refs/worktree/mark']);
  });

  test('shared clone (absolute alternates): own loose objects and borrowed ones', async () => {
    const objects = allObjects(repos.shared);
    const ids = sample(objects, 12);
    const revs = [...refNames(repos.shared), 'HEAD', 'HEAD~1', 'HEAD:shared.txt', 'HEAD:dir/file', 'origin', 'origin/side', ...ids, ...abbreviations(ids)];
    await compareRevParse(shared, revs);
  });

  test('relative alternates', async () => {
    const ids = sample(allObjects(repos.altrel), 10);
    await compareRevParse(altrel, [...refNames(repos.altrel), 'HEAD', 'HEAD~2^2', 'v1^{}', 'HEAD:dir/sub/deeper/x.txt', ...ids, ...abbreviations(ids)]);
  });

  test('bare pack directories (--objects): full ids, abbreviations and suffixes on ids', async () => {
    for (const [t, repo] of [
      [packdir, repos.packed],
      [packdir256, repos.packed256],
    ] as const) {
      assert.equal(git(['count-objects'], { cwd: repo }).toString('utf8'), '0 objects, 0 kilobytes\n', 'the fixture: everything packed');
      const objects = allObjects(repo);
      const head = gitRevParse(repo, 'HEAD')!;
      const merge = gitRevParse(repo, 'merge-point')!;
      const v1 = gitRevParse(repo, 'v1')!;
      const revs = [
        ...objects,
        ...abbreviations(sample(objects, 16)),
        `${head}~1`,
        `${head}^{tree}`,
        `${head}:dir/file`,
        `${head}:dir/sub`,
        `${merge}^2`,
        `${v1}^{}`,
        `${v1}^{tree}`,
        `${head.slice(0, 7)}~2`,
      ];
      await compareRevParse(t, revs);
      // A pack directory has no refs: HEAD (which git, in the repository, has) names nothing.
      const o = await runCli(['rev-parse', ...t.where, 'HEAD'], { cwd: t.cliCwd });
      assert.equal(o.status, 1, 'a pack directory has no HEAD');
      assertOneLine(o.stderr);
    }
  });

  test('$XTEST_PACK_OBJECTS names the pack directory when neither --repo nor --objects is given', async () => {
    const head = gitRevParse(repos.packed, 'HEAD')!;
    const o = await runCli(['rev-parse', head.slice(0, 9), `${head}^{tree}`], { cwd: repos.root, env: { XTEST_PACK_OBJECTS: repos.packdir } });
    assert.equal(o.stderr, '');
    assert.equal(o.stdout.toString('utf8'), `${head}\n${gitRevParse(repos.packed, 'HEAD^{tree}')}\n`);
  });

  test('a clone of this project: every ref, HEAD~N, paths, abbreviations', async () => {
    const count = Number(git(['rev-list', '--count', 'HEAD'], { cwd: self }).toString('utf8'));
    const ids = sample(allObjects(self), 20);
    const revs = [
      ...refNames(self),
      'HEAD',
      '@',
      ...Array.from({ length: Math.min(count, 6) }, (_, i) => `HEAD~${i}`),
      `HEAD~${count - 1}^{tree}`,
      `HEAD~${count}`, // fails: past the root
      'HEAD^{tree}',
      'HEAD:package.json',
      'HEAD:src',
      'HEAD:src/odb/revision.ts',
      'HEAD:README.md',
      'origin',
      'origin/HEAD',
      ...ids,
      ...abbreviations(ids),
    ];
    await compareRevParse(selfT, revs);
  });
});

describe('cat-file agrees with git', () => {
  test('main: -t, -s, -e and -p of every revision form, ref and sampled object', async () => {
    await compareCatFile(main, richRevisions(repos.main));
  });

  test('sha256: -t, -s, -e and -p', async () => {
    await compareCatFile(sha256, richRevisions(repos.sha256));
  });

  test('<type> <object> peels tags and commits as git does', async () => {
    const revs = ['HEAD', 'v1', 'v1-outer-outer', 'tree-tag', 'blob-tag', 'pgp-tag', 'HEAD:dir', 'HEAD:dir/file', 'signed', 'mergetagged', 'HEAD~1'];
    await compareCatFileTyped(main, revs);
    await compareCatFileTyped(sha256, ['HEAD', 'v1-outer', 'tree-tag', 'blob-tag', 'HEAD:dir']);
  });

  test('the fixture has the objects the comparisons above must cover: gpgsig, mergetag, latin-1, a PGP-looking tag', () => {
    const signed = git(['cat-file', '-p', 'signed'], { cwd: repos.main }).toString('latin1');
    assert.match(signed, /\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n /);
    const mergetag = git(['cat-file', '-p', 'mergetagged'], { cwd: repos.main }).toString('latin1');
    assert.match(mergetag, /\nmergetag object [0-9a-f]{40}\n type commit\n/);
    const encoded = git(['cat-file', '-p', 'HEAD~1'], { cwd: repos.main });
    assert.match(encoded.toString('latin1'), /\nencoding ISO-8859-1\n\ncaf\xe9 na\xefve/);
    assert.match(git(['cat-file', '-p', 'pgp-tag'], { cwd: repos.main }).toString('utf8'), /-----BEGIN PGP SIGNATURE-----/);
  });

  test('linked work tree, shared clone, relative alternates', async () => {
    await compareCatFile(wt, ['HEAD', 'HEAD~1', 'HEAD:wt.txt', 'HEAD^{tree}', 'refs/worktree/mark', 'main', 'nonexistent']);
    const sharedIds = sample(allObjects(repos.shared), 12);
    await compareCatFile(shared, ['HEAD', 'HEAD~1', 'HEAD:shared.txt', 'HEAD^{tree}', 'origin/side', 'v1', ...sharedIds, ...abbreviations(sharedIds.slice(0, 4))]);
    await compareCatFile(altrel, ['HEAD', 'HEAD:dir', 'HEAD:link', 'v1', 'HEAD~2^2']);
  });

  test('bare pack directories: -t, -s, -e, -p of every object, full and abbreviated', async () => {
    for (const [t, repo] of [
      [packdir, repos.packed],
      [packdir256, repos.packed256],
    ] as const) {
      const objects = allObjects(repo);
      await compareCatFile(t, objects);
      await compareCatFile(t, abbreviations(sample(objects, 10)), { pretty: true });
    }
  });

  test('a clone of this project: a sample of objects', async () => {
    const ids = sample(allObjects(self), 25);
    await compareCatFile(selfT, ['HEAD', 'HEAD^{tree}', 'HEAD:package.json', 'HEAD:src', ...ids, ...abbreviations(ids.slice(0, 8))]);
  });
});

describe('the library agrees with git', () => {
  test('Repository.open + resolveRevision: ids and types of every revision (sha1, sha256)', () => {
    compareLibrary(repos.main, repos.main, richRevisions(repos.main));
    compareLibrary(repos.sha256, repos.sha256, richRevisions(repos.sha256));
  });

  test('Repository.open through a linked work tree, a shared clone and relative alternates', () => {
    compareLibrary(repos.wt, repos.wt, ['HEAD', 'HEAD~1', 'side', 'main', 'refs/worktree/mark', 'HEAD:wt.txt']);
    compareLibrary(repos.shared, repos.shared, ['HEAD', 'HEAD~1', 'origin', 'v1^{}', 'HEAD:dir/file']);
    compareLibrary(repos.altrel, repos.altrel, ['HEAD', 'HEAD~2^2', 'v1^{tree}']);
  });

  test('Repository.discover from a subdirectory finds the work tree and the prefix', () => {
    const { repo, prefix } = Repository.discover(join(repos.main, 'dir', 'sub'), nodeStorage, backend);
    try {
      assert.equal(prefix, 'dir/sub');
      assert.equal(repo.workTree, repos.main);
      assert.equal(repo.format, 'sha1');
    } finally {
      repo.close();
    }
    const w = Repository.discover(join(repos.wt, 'dir'), nodeStorage, backend);
    try {
      assert.equal(w.prefix, 'dir');
      assert.equal(w.repo.workTree, repos.wt);
      assert.equal(w.repo.commonDir, join(repos.main, '.git'));
      assert.equal(toHex(w.repo.refs.resolve('HEAD')!.oid), gitRevParse(repos.wt, 'HEAD'));
      assert.equal(w.repo.refs.resolve('HEAD')!.name, 'refs/heads/side');
    } finally {
      w.repo.close();
    }
    const s = Repository.open(repos.sha256, nodeStorage, backend);
    try {
      assert.equal(s.format, 'sha256');
    } finally {
      s.close();
    }
  });

  test('RefStore.list: what git for-each-ref lists, loose and packed, peeled ids', () => {
    assert.ok(compareRefList(repos.main, repos.main) >= 6, 'packed annotated tags have peeled ids');
    assert.ok(compareRefList(repos.sha256, repos.sha256) >= 6, 'packed annotated tags have peeled ids');
    compareRefList(repos.wt, repos.wt);
    compareRefList(repos.shared, repos.shared);
    compareRefList(self, self);
  });

  test('openPackDirectory: the format from the idx, every object by id', () => {
    for (const [dir, repo, format] of [
      [repos.packdir, repos.packed, 'sha1'],
      [repos.packdir256, repos.packed256, 'sha256'],
    ] as const) {
      const o = openPackDirectory(dir, nodeStorage, backend);
      try {
        assert.equal(o.odb.format, format);
        for (const id of sample(allObjects(repo), 20)) {
          const r = resolveRevision({ odb: o.odb }, id.slice(0, 10));
          assert.equal(toHex(r.oid), id);
          const obj = o.odb.get(r.oid);
          assert.deepEqual(Buffer.from(obj.data), git(['cat-file', obj.type, id], { cwd: repo }));
        }
      } finally {
        o.close();
      }
    }
  });
});

describe('the xtest-pack binary', () => {
  test('rev-parse, cat-file -p and -t through the real command line, on each kind of repository', () => {
    for (const [t, revs] of [
      [mainByPath, ['HEAD', 'HEAD~2^2', 'v1-outer^{}', 'HEAD:dir/file', 'dup', 'origin']],
      [wtByPath, ['HEAD', 'refs/worktree/mark']],
      [shared, ['HEAD', 'HEAD~1']],
      [{ ...sha256, cliCwd: repos.root, where: ['--repo', repos.sha256] }, ['HEAD', 'v1^{}']],
      [packdir, [gitRevParse(repos.packed, 'HEAD')!, gitRevParse(repos.packed, 'HEAD')!.slice(0, 7)]],
    ] as const) {
      const expected = revs.map((r) => git(['rev-parse', '--verify', r], { cwd: t.gitCwd }).toString('utf8')).join('');
      const r = xtestPack(['rev-parse', ...t.where, ...revs], { cwd: t.cliCwd });
      assert.equal(r.stderr, '', t.label);
      assert.equal(r.status, 0, t.label);
      assert.equal(r.stdout.toString('utf8'), expected, `${t.label}: rev-parse`);
      for (const flag of ['-p', '-t']) {
        const c = xtestPack(['cat-file', ...t.where, flag, revs[0]!], { cwd: t.cliCwd });
        assert.equal(c.status, 0, `${t.label}: cat-file ${flag}: ${c.stderr}`);
        assert.deepEqual(c.stdout, git(['cat-file', flag, revs[0]!], { cwd: t.gitCwd }), `${t.label}: cat-file ${flag}`);
      }
    }
    const bad = xtestPack(['rev-parse', '--repo', repos.main, 'HEAD:nonexistent'], { cwd: repos.root });
    assert.equal(bad.status, 1);
    assert.equal(bad.stdout.length, 0);
    assertOneLineError(bad.stderr);
  });
});

describe('known gaps against git (each asserts what git does)', () => {
  // Listed apart so that a failure here reads as the one divergence it is.
  test('a <rev>:./<path> is relative to the current directory', async () => {
    await compareRevParse(mainSubdir, ['HEAD:./deeper/x.txt', 'HEAD:./y.txt', 'HEAD:../file']);
    await compareRevParse(main, ['HEAD:./dir/file']);
  });

  test('a <rev>:<path> with an empty component, a leading slash, or a slash after a non-tree fails, as in git', async () => {
    const revs = ['HEAD:later/loose-only.txt/', 'HEAD:link/', 'HEAD:sub/', 'HEAD:dir//file', 'HEAD:/dir/file', 'HEAD:dir/sub//'];
    for (const rev of revs) assert.equal(gitRevParse(repos.main, rev), undefined, `the oracle: git rejects ${rev}`);
    await compareRevParse(main, revs);
  });

  test('rev-parse prints the id of a ref whose object is missing, as git does', async () => {
    const t = tempDir('xtest-pack-odb-missing-');
    try {
      const repo = join(t.dir, 'r');
      git(['clone', '-q', '--no-local', repos.packed, repo]);
      // git refuses to write such a ref: write the file by hand.
      writeFileSync(join(repo, '.git', 'refs', 'heads', 'broken'), '1234567890123456789012345678901234567890\n');
      await compareRevParse({ label: 'ref to a missing object', gitCwd: repo, cliCwd: repo, where: [] }, ['broken', 'refs/heads/broken']);
    } finally {
      t.cleanup();
    }
  });
});
