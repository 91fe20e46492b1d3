// checkTree, scanTree's fsck bits, checkCommit and checkTag (src/odb/objects) against git's own
// fsck: trees and commits written with `git hash-object --literally` / `git mktree --missing`
// are checked by `git fsck --strict`, tags by `git mktag` (git's strict fsck of a tag), and the
// message ids git prints (`error in tree <id>: duplicateEntries: ...`, warnings too) are
// compared with what the functions return. Only ids the functions know are compared (checkTree
// covers names, modes and order; git also checks .gitmodules contents and more), so a missing
// report of a known id, or a report git does not make, fails.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { checkCommit, checkIdent, type CommitProblem } from '../../src/odb/objects/commit.js';
import { checkTag, type TagProblem } from '../../src/odb/objects/tag.js';
import { checkTree, parseTree, scanTree, treeProblemNames } from '../../src/odb/objects/tree.js';
import { TREE_PROBLEMS } from '../../src/odb/objects/tree-fsck.js';
import { fromHex } from '../../src/pack/oid.js';
import { gitKnows } from '../support/fsck-oracle.js';
import { git, gitRaw, tempDir } from '../support/git.js';

const t = tempDir('xtest-pack-fsck-');
after(() => t.cleanup());

/** The tree ids compared: those the functions know and the git here reports. */
const TREE_IDS: readonly string[] = TREE_PROBLEMS.filter(gitKnows);
const IDENT_IDS = ['missingNameBeforeEmail', 'missingEmail', 'badName', 'missingSpaceBeforeEmail', 'badEmail', 'missingSpaceBeforeDate', 'badDate', 'zeroPaddedDate', 'badDateOverflow', 'badTimezone'];
const COMMIT_IDS: readonly string[] = ['nulInHeader', 'unterminatedHeader', 'missingTree', 'badTreeSha1', 'badParentSha1', 'missingAuthor', 'missingCommitter', 'multipleAuthors', 'nulInCommit', ...IDENT_IDS];
const TAG_IDS: readonly string[] = ['missingObject', 'badObjectSha1', 'missingTypeEntry', 'badType', 'missingTagEntry', 'missingTaggerEntry', ...IDENT_IDS];

/** One repository holding every crafted object, and the real objects they point at. */
const repo = join(t.dir, 'r');
git(['init', '-q', repo]);
const blob = git(['hash-object', '-w', '--stdin'], { cwd: repo, input: 'x\n' }).toString('utf8').trim();
const emptyTree = git(['mktree'], { cwd: repo, input: '' }).toString('utf8').trim();
git(['commit-tree', '-m', 'root', emptyTree], { cwd: repo });
const commit = git(['commit-tree', '-m', 'root', emptyTree], { cwd: repo }).toString('utf8').trim();

const latin1 = (s: string) => Buffer.from(s, 'latin1');

function writeLiterally(type: string, data: Buffer): string {
  return git(['hash-object', '-w', '--literally', '-t', type, '--stdin'], { cwd: repo, input: data }).toString('utf8').trim();
}

/** A tree's bytes from [mode, name, id (hex)] rows, in the order given. */
function treeBytes(rows: [string, string, string][]): Buffer {
  return Buffer.concat(rows.map(([mode, name, id]) => Buffer.concat([latin1(`${mode} ${name}\0`), Buffer.from(fromHex(id)!)])));
}

/** Run git fsck once; per object id, the message ids reported (and whether git could parse it). */
function fsckReports(): Map<string, string[]> {
  const r = gitRaw(['fsck', '--strict', '--no-dangling', '--no-progress'], { cwd: repo });
  const out = new Map<string, string[]>();
  for (const line of `${r.stdout.toString('utf8')}\n${r.stderr}`.split('\n')) {
    let m = /^(?:error|warning) in (?:tree|commit|tag) ([0-9a-f]{40}): (\w+): /.exec(line);
    if (m) {
      out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
      continue;
    }
    m = /^error: ([0-9a-f]{40}): object (?:could not be parsed|corrupt)/.exec(line);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), 'UNPARSEABLE']);
  }
  return out;
}

interface TreeCase {
  name: string;
  rows: [string, string, string][];
}

const tb = emptyTree;
const TREE_CASES: TreeCase[] = [
  { name: 'a well-formed tree', rows: [['100644', 'a', blob], ['40000', 'b', tb], ['100755', 'c', blob], ['120000', 'd', blob], ['160000', 'e', commit]] },
  { name: 'unsorted entries', rows: [['100644', 'b', blob], ['100644', 'a', blob]] },
  { name: 'a directory sorted as a file', rows: [['40000', 'a', tb], ['100644', 'a.b', blob]] },
  { name: 'duplicate entries', rows: [['100644', 'a', blob], ['100644', 'a', blob]] },
  { name: 'a file and a directory of the same name', rows: [['100644', 'a', blob], ['40000', 'a', tb]] },
  { name: 'a file and a directory of the same name, not adjacent', rows: [['100644', 'a', blob], ['100644', 'a.b', blob], ['40000', 'a', tb]] },
  { name: 'a zero-padded mode', rows: [['040000', 'a', tb], ['100644', 'b', blob]] },
  { name: 'a bad mode', rows: [['100600', 'a', blob]] },
  { name: 'mode 100664 (badFilemode under --strict)', rows: [['100664', 'a', blob]] },
  { name: 'mode 0 (zero-padded and bad)', rows: [['0', 'a', blob]] },
  { name: 'mode 140000 (a socket)', rows: [['140000', 'a', blob]] },
  { name: 'modes of the right type with other bits (100000, 160755, 40755)', rows: [['100000', 'a', blob], ['160755', 'b', commit], ['40755', 'c', tb]] },
  { name: "git's own example of non-adjacent duplicates: foo, foo.bar, foo.bar.baz, foo.bar/, foo/", rows: [['100644', 'foo', blob], ['100644', 'foo.bar', blob], ['100644', 'foo.bar.baz', blob], ['40000', 'foo.bar', tb], ['40000', 'foo', tb]] },
  { name: 'a file and a directory sorting apart by a byte above /', rows: [['100644', 'a', blob], ['100644', 'a0', blob], ['40000', 'a', tb]] },
  { name: "'.git' after a backslash (NTFS)", rows: [['100644', 'x\\.git', blob]] },
  { name: "'.gitmodules' as a symlink", rows: [['120000', '.gitmodules', blob]] },
  { name: "'GITMOD~1' as a symlink", rows: [['120000', 'GITMOD~1', blob]] },
  { name: "'x\\.gitmodules' as a symlink (NTFS)", rows: [['120000', 'x\\.gitmodules', blob]] },
  { name: "'.gitattributes', '.gitignore', '.mailmap' as symlinks (warnings)", rows: [['120000', '.gitattributes', blob], ['120000', '.gitignore', blob], ['120000', '.mailmap', blob]] },
  { name: "'.gitattributes' and '.gitignore' as files", rows: [['100644', '.gitattributes', blob], ['100644', '.gitignore', blob]] },
  { name: 'a 4097-byte name (largePathname, git 2.41+)', rows: [['100644', 'n'.repeat(4097), blob]] },
  { name: 'a 4096-byte name', rows: [['100644', 'n'.repeat(4096), blob]] },
  { name: 'a null id', rows: [['100644', 'a', '0'.repeat(40)]] },
  { name: 'a name with a slash', rows: [['100644', 'a/b', blob]] },
  { name: "'.'", rows: [['40000', '.', tb]] },
  { name: "'..'", rows: [['40000', '..', tb]] },
  { name: "'.git'", rows: [['40000', '.git', tb]] },
  { name: "'.GIT'", rows: [['40000', '.GIT', tb]] },
  { name: "'.Git' as a file", rows: [['100644', '.Git', blob]] },
  { name: "NTFS short name 'git~1'", rows: [['40000', 'git~1', tb]] },
  { name: "NTFS '.git.' (trailing dot)", rows: [['40000', '.git.', tb]] },
  { name: "NTFS '.git ' (trailing space)", rows: [['40000', '.git ', tb]] },
  { name: "HFS '.g\\u200cit' (an ignorable code point)", rows: [['40000', Buffer.from('.g\u200cit', 'utf8').toString('latin1'), tb]] },
  { name: 'several problems at once', rows: [['0100644', 'b', blob], ['100644', 'a', '0'.repeat(40)], ['40000', '..', tb]] },
];

const COMMIT_HEAD = `tree ${emptyTree}\n`;
const A = 'author A U Thor <a@example.com> 1700000000 +0000\n';
const C = 'committer C O Mitter <c@example.com> 1700000000 +0000\n';
const ident = (who: 'author' | 'committer', s: string) => `${who} ${s}\n`;

/** [name, commit text, expected problems when git cannot parse the commit (fsck then names no id)]. */
const COMMIT_CASES: [string, string, CommitProblem[]?][] = [
  ['a well-formed commit', `${COMMIT_HEAD}parent ${commit}\n${A}${C}\nmsg\n`],
  ['no author', `${COMMIT_HEAD}${C}\nmsg\n`],
  ['two authors', `${COMMIT_HEAD}${A}${A}${C}\nmsg\n`],
  ['no committer', `${COMMIT_HEAD}${A}\nmsg\n`],
  ['no email', `${COMMIT_HEAD}${ident('author', 'A U Thor a@example.com 1700000000 +0000')}${C}\nmsg\n`],
  ['no name before the email', `${COMMIT_HEAD}${ident('author', '<a@example.com> 1700000000 +0000')}${C}\nmsg\n`],
  ['no space before the email', `${COMMIT_HEAD}${ident('author', 'A U Thor<a@example.com> 1700000000 +0000')}${C}\nmsg\n`],
  ['a > in the name', `${COMMIT_HEAD}${ident('author', 'A >x <a@example.com> 1700000000 +0000')}${C}\nmsg\n`],
  ['an unterminated email', `${COMMIT_HEAD}${ident('author', 'A U Thor <a@example.com 1700000000 +0000')}${C}\nmsg\n`],
  ['a < in the email', `${COMMIT_HEAD}${ident('author', 'A U Thor <a<b@example.com> 1700000000 +0000')}${C}\nmsg\n`],
  ['no space before the date', `${COMMIT_HEAD}${ident('author', 'A U Thor <a@example.com>1700000000 +0000')}${C}\nmsg\n`],
  ['a zero-padded date', `${COMMIT_HEAD}${ident('author', 'A U Thor <a@example.com> 01700000000 +0000')}${C}\nmsg\n`],
  ['a date of 0', `${COMMIT_HEAD}${ident('author', 'A U Thor <a@example.com> 0 +0000')}${C}\nmsg\n`],
  ['a date that is not a number', `${COMMIT_HEAD}${ident('author', 'A U Thor <a@example.com> soon +0000')}${C}\nmsg\n`],
  ['no time zone', `${COMMIT_HEAD}${ident('author', 'A U Thor <a@example.com> 1700000000')}${C}\nmsg\n`],
  ['a short time zone', `${COMMIT_HEAD}${ident('author', 'A U Thor <a@example.com> 1700000000 +000')}${C}\nmsg\n`],
  ['a time zone without a sign', `${COMMIT_HEAD}${ident('author', 'A U Thor <a@example.com> 1700000000 0000')}${C}\nmsg\n`],
  ['two spaces before the date', `${COMMIT_HEAD}${ident('author', 'A U Thor <a@example.com>  1700000000 +0000')}${C}\nmsg\n`],
  ['a bad committer', `${COMMIT_HEAD}${A}${ident('committer', 'C O Mitter <c@example.com> 1700000000 +00x0')}\nmsg\n`],
  ['a bad author and no committer', `${COMMIT_HEAD}${ident('author', 'A U Thor <a@example.com 1700000000 +0000')}\nmsg\n`],
  ['no tree line', `${A}${C}\nmsg\n`, ['missingTree']],
  ['a bad tree id', `tree 1234\n${A}${C}\nmsg\n`, ['badTreeSha1']],
  ['a bad parent id', `${COMMIT_HEAD}parent xyz\n${A}${C}\nmsg\n`, ['badParentSha1']],
  ['a NUL in a header', `${COMMIT_HEAD}${A.slice(0, -1)}\0\n${C}\nmsg\n`],
  ['headers without their last LF', `${COMMIT_HEAD}${A}${C.slice(0, -1)}`],
  ['no message, headers ending in LF', `${COMMIT_HEAD}${A}${C}`],
  ['a NUL in the message', `${COMMIT_HEAD}${A}${C}\nm\0sg\n`],
  ['a date past 2^63', `${COMMIT_HEAD}${ident('author', 'A U Thor <a@example.com> 9223372036854775808 +0000')}${C}\nmsg\n`],
  ['a date of 2^63 - 1', `${COMMIT_HEAD}${ident('author', 'A U Thor <a@example.com> 9223372036854775807 +0000')}${C}\nmsg\n`],
  ['a continuation line after the author', `${COMMIT_HEAD}${A} more\n${C}\nmsg\n`],
  ['an upper-case tree id', `tree ${emptyTree.toUpperCase()}\n${A}${C}\nmsg\n`],
  ['extra headers, gpgsig', `${COMMIT_HEAD}${A}${C}encoding ISO-8859-1\nx-other v\ngpgsig -----BEGIN-----\n abc\n -----END-----\n\nmsg\n`],
];

/** [name, tag text (without the object line's id filled in), expected problem ids]. mktag checks them. */
function tagText(body: string): string {
  return body.replace('<C>', commit);
}
const TAGGER = 'tagger T Agger <t@example.com> 1700000000 +0000\n';
const TAG_CASES: [string, string][] = [
  ['a well-formed tag', `object <C>\ntype commit\ntag v1\n${TAGGER}\nmsg\n`],
  ['no tagger', 'object <C>\ntype commit\ntag v1\n\nmsg\n'],
  ['a bad tagger time zone', 'object <C>\ntype commit\ntag v1\ntagger T <t@example.com> 1700000000 +00\n\nmsg\n'],
  ['no space before the tagger email', 'object <C>\ntype commit\ntag v1\ntagger T<t@example.com> 1700000000 +0000\n\nmsg\n'],
  ['a tagger without a name', 'object <C>\ntype commit\ntag v1\ntagger <t@example.com> 1700000000 +0000\n\nmsg\n'],
  ['no type line', `object <C>\ntag v1\n${TAGGER}\nmsg\n`],
  ['no tag line', `object <C>\ntype commit\n${TAGGER}\nmsg\n`],
  ['no object line', `type commit\ntag v1\n${TAGGER}\nmsg\n`],
  ['a bad object id', `object 1234\ntype commit\ntag v1\n${TAGGER}\nmsg\n`],
  ['a bad type', `object <C>\ntype commitx\ntag v1\n${TAGGER}\nmsg\n`],
];

/** Trees git mktree --missing writes (it sorts, but keeps duplicate names). */
const MKTREE_CASES: [string, string][] = [
  ['mktree: a duplicate file', `100644 blob ${blob}\ta\n100644 blob ${blob}\ta\n`],
  ['mktree: a file, a.b and a directory of the same name', `040000 tree ${emptyTree}\ta\n100644 blob ${blob}\ta.b\n100644 blob ${blob}\ta\n`],
  ['mktree: unsorted input, missing objects', `100644 blob ${'1'.repeat(40)}\tz\n040000 tree ${'2'.repeat(40)}\ty\n160000 commit ${'3'.repeat(40)}\tx\n`],
];

describe('checkTree agrees with git fsck', () => {
  const ids = TREE_CASES.map((c) => writeLiterally('tree', treeBytes(c.rows)));
  const mktreeIds = MKTREE_CASES.map(([, input]) => git(['mktree', '--missing'], { cwd: repo, input }).toString('utf8').trim());
  const reports = fsckReports();
  MKTREE_CASES.forEach(([name], i) => {
    test(name, () => {
      const id = mktreeIds[i]!;
      const gitIds = (reports.get(id) ?? []).filter((x) => (TREE_IDS as readonly string[]).includes(x));
      const data = git(['cat-file', 'tree', id], { cwd: repo });
      const ours = checkTree(parseTree(data, 'sha1')).filter((x) => TREE_IDS.includes(x));
      assert.deepEqual([...ours].sort(), [...new Set(gitIds)].sort(), `git fsck reports ${JSON.stringify(reports.get(id) ?? [])}`);
      assert.deepEqual(treeProblemNames(scanTree(data, 'sha1', id, () => {})).filter((x) => TREE_IDS.includes(x)).sort(), [...ours].sort(), 'scanTree');
    });
  });
  TREE_CASES.forEach((c, i) => {
    test(c.name, () => {
      const id = ids[i]!;
      const gitIds = (reports.get(id) ?? []).filter((x) => (TREE_IDS as readonly string[]).includes(x) || x === 'UNPARSEABLE');
      assert.ok(!gitIds.includes('UNPARSEABLE'), 'git parses the tree (a check of the case)');
      const data = treeBytes(c.rows);
      const ours = checkTree(parseTree(data, 'sha1')).filter((x) => TREE_IDS.includes(x));
      assert.deepEqual([...ours].sort(), [...new Set(gitIds)].sort(), `git fsck reports ${JSON.stringify(reports.get(id) ?? [])}`);
      assert.deepEqual(treeProblemNames(scanTree(data, 'sha1', id, () => {})).filter((x) => TREE_IDS.includes(x)).sort(), [...ours].sort(), 'scanTree');
    });
  });

  test('trees git mktree writes from unsorted input are sorted and clean', () => {
    const input = ['100644 blob', '040000 tree', '100755 blob'].map((m, i) => `${m} ${m.endsWith('tree') ? emptyTree : blob}\t${['z', 'a', 'a.b'][i]}\n`).join('');
    const id = git(['mktree'], { cwd: repo, input }).toString('utf8').trim();
    const data = git(['cat-file', 'tree', id], { cwd: repo });
    assert.deepEqual(checkTree(parseTree(data, 'sha1')), []);
  });
});

describe('checkCommit agrees with git fsck', () => {
  const ids = COMMIT_CASES.map(([, text]) => writeLiterally('commit', latin1(text)));
  const reports = fsckReports();
  COMMIT_CASES.forEach(([name, text, unparseable], i) => {
    test(name, () => {
      const id = ids[i]!;
      const reported = reports.get(id) ?? [];
      const ours = checkCommit(latin1(text), 'sha1');
      if (unparseable) {
        // git's parser gives up before fsck looks at it: the object is reported, without an id.
        assert.ok(reported.length > 0, `git fsck reports ${id}`);
        assert.deepEqual(ours, unparseable);
        return;
      }
      const gitIds = reported.filter((x) => COMMIT_IDS.includes(x));
      assert.deepEqual([...ours].sort(), [...new Set(gitIds)].sort(), `git fsck reports ${JSON.stringify(reported)}`);
    });
  });

  // git 2.39's fsck reads the date with strtoumax, which takes a leading '+'; later git checks
  // for a digit first (fsck.c fsck_ident) and reports badDate. xtest-pack follows the later rule.
  test('a date with a plus sign is badDate, as in git since 2.40', () => {
    assert.deepEqual(checkIdent(latin1('A U Thor <a@example.com> +1700000000 +0000')), ['badDate']);
  });

  test('checkIdent on the idents git writes', () => {
    const c = git(['cat-file', 'commit', commit], { cwd: repo }).toString('latin1');
    for (const line of c.split('\n').filter((l) => /^(author|committer) /.test(l))) {
      assert.deepEqual(checkIdent(latin1(line.slice(line.indexOf(' ') + 1))), []);
    }
  });
});

describe('checkTag agrees with git mktag', () => {
  for (const [name, body] of TAG_CASES) {
    test(name, () => {
      const text = tagText(body);
      const r = gitRaw(['mktag'], { cwd: repo, input: text });
      const m = /does not pass fsck: (\w+):/.exec(r.stderr);
      const gitIds = r.status === 0 ? [] : m ? [m[1]!] : ['UNPARSEABLE'];
      assert.ok(!gitIds.includes('UNPARSEABLE'), `git mktag names a problem: ${r.stderr}`);
      const ours: TagProblem[] = checkTag(latin1(text), 'sha1');
      assert.deepEqual(ours, gitIds.filter((x) => TAG_IDS.includes(x)), `git mktag: ${r.stderr.trim()}`);
    });
  }
});
