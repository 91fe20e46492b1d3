// src/checkout/path-check.ts against a table of names from git's t/t1450-fsck.sh,
// t/t0060-path-utils.sh (is_ntfs_dotgit/is_hfs_dotgit), t/t7415-submodule-names.sh and the
// write-ups of CVE-2014-9390 (.git disguised for NTFS and HFS+), CVE-2018-11235 (.gitmodules
// as a symbolic link), CVE-2019-1352 (NTFS alternate data streams) and CVE-2019-1353 (8.3 short
// names). git itself is the oracle: each name is put alone in a tree, and `git fsck` (with
// the symlinked-dotfile checks raised to errors) says which trees it refuses; every name git
// refuses must be refused here. Where xtest-pack is stricter than git on Linux (a backslash, a
// drive letter: what Windows would take as a separator or an absolute path) the table says so.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { unsafeNameReason } from '../../src/odb/objects/names.js';
import { unsafePathspecReason } from '../../src/checkout/path-check.js';
import { git, gitRaw } from '../support/git.js';
import { scratchDir } from '../support/repos.js';

const FILE = 0o100644;
const EXEC = 0o100755;
const LINK = 0o120000;
const TREE = 0o040000;

interface Row {
  readonly name: string | Uint8Array;
  readonly mode: number;
  readonly unsafe: boolean;
  /** Refused here although git accepts it on Linux. */
  readonly stricter?: boolean;
  readonly source: string;
}

const r = (name: string | Uint8Array, mode: number, unsafe: boolean, source: string, stricter = false): Row => ({ name, mode, unsafe, source, stricter });

const NAMES: readonly Row[] = [
  // The basics (verify_path, fsck hasDot/hasDotdot/emptyName/fullPathname).
  r('.', TREE, true, 't1450 hasDot'),
  r('.', FILE, true, 't1450 hasDot'),
  r('..', TREE, true, 't1450 hasDotdot'),
  r('..', LINK, true, 't1450 hasDotdot'),
  r('a/b', FILE, true, 't1450 fullPathname'),
  r('/', FILE, true, 'fullPathname'),
  r('../x', FILE, true, 'fullPathname'),
  r('a\\b', FILE, true, 'NTFS separator (verify_path on Windows)', true),
  r('..\\..\\x', FILE, true, 'NTFS separator, climbing', true),
  r('\\', FILE, true, 'NTFS separator', true),
  // .git in any case (t1450 "fsck notices .git in trees", CVE-2014-9390).
  r('.git', TREE, true, 't1450 hasDotgit'),
  r('.git', FILE, true, 't1450 hasDotgit'),
  r('.git', LINK, true, 't1450 hasDotgit'),
  r('.GIT', TREE, true, 'CVE-2014-9390 case'),
  r('.Git', TREE, true, 'CVE-2014-9390 case'),
  r('.gIt', EXEC, true, 'CVE-2014-9390 case'),
  // NTFS: trailing dots and spaces, the 8.3 short name, alternate data streams.
  r('.git.', TREE, true, 'CVE-2014-9390 NTFS trailing dot'),
  r('.git ', TREE, true, 'CVE-2014-9390 NTFS trailing space'),
  r('.git...', TREE, true, 't0060 is_ntfs_dotgit'),
  r('.git . .', TREE, true, 't0060 is_ntfs_dotgit'),
  r('.GIT. ', FILE, true, 't0060 is_ntfs_dotgit'),
  r('git~1', TREE, true, 'CVE-2019-1353 8.3 short name'),
  r('GIT~1', TREE, true, 'CVE-2019-1353 8.3 short name'),
  r('Git~1', FILE, true, 'CVE-2019-1353 8.3 short name'),
  r('git~1.', TREE, true, 't0060 is_ntfs_dotgit'),
  r('git~1 ', TREE, true, 't0060 is_ntfs_dotgit'),
  r('.git::$INDEX_ALLOCATION', TREE, true, 'CVE-2019-1352 alternate data stream'),
  r('.git:stream', FILE, true, 'CVE-2019-1352 alternate data stream'),
  r('git~1:$DATA', TREE, true, 'CVE-2019-1352 alternate data stream'),
  // HFS+: code points it ignores, anywhere in the name, any case.
  r('.g\u200cit', TREE, true, 'CVE-2014-9390 HFS+ ZWNJ'),
  r('.gi\u200dt', TREE, true, 'CVE-2014-9390 HFS+ ZWJ'),
  r('\u200c.git', TREE, true, 'HFS+ ignorable first'),
  r('.git\u200c', TREE, true, 'HFS+ ignorable last'),
  r('.\u206aGIT', TREE, true, 'HFS+ U+206A, upper case'),
  r('.gi\ufefft', TREE, true, 'HFS+ BOM'),
  r('.g\u200ei\u202at', FILE, true, 'HFS+ several'),
  // CVE-2018-11235: .gitmodules as a symbolic link, in its NTFS and HFS+ spellings too.
  r('.gitmodules', LINK, true, 'CVE-2018-11235, t7415 gitmodulesSymlink'),
  r('.GITMODULES', LINK, true, 't7415 case'),
  r('.gitmodules ', LINK, true, 'NTFS trailing space'),
  r('.gitmodules.', LINK, true, 'NTFS trailing dot'),
  r('.gitmodules:$DATA', LINK, true, 'NTFS alternate data stream (is_ntfs_dotgitmodules)'),
  r('gitmod~1', LINK, true, 'NTFS 8.3 short name (t0060 is_ntfs_dotgitmodules)'),
  r('GITMOD~4', LINK, true, 'NTFS 8.3 short name (t0060 is_ntfs_dotgitmodules)'),
  r('gi7eba~1', LINK, true, 'NTFS fall-back short name (t0060 is_ntfs_dotgitmodules)'),
  r('.gitmodules\u200c', LINK, true, 'HFS+ ignorable (is_hfs_dotgitmodules)'),
  r('.git\u200dmodules', LINK, true, 'HFS+ ignorable (is_hfs_dotgitmodules)'),
  // Other dotfiles git reads from the work tree (fsck gitattributes/gitignore/mailmapSymlink).
  r('.gitattributes', LINK, true, 'fsck gitattributesSymlink'),
  r('.gitignore', LINK, true, 'fsck gitignoreSymlink'),
  r('.mailmap', LINK, true, 'fsck mailmapSymlink'),
  r('gitatt~1', LINK, true, 'NTFS short name of .gitattributes'),
  r('gi7d29~1', LINK, true, 'NTFS fall-back short name of .gitattributes'),
  r('gitign~1', LINK, true, 'NTFS short name of .gitignore'),
  r('mailma~1', LINK, true, 'NTFS short name of .mailmap'),
  r('.gitignore\u200c', LINK, true, 'HFS+ ignorable in .gitignore'),
  // Names that look close but are fine (git accepts them all).
  r('.gitmodules', FILE, false, 'a regular .gitmodules'),
  r('.gitattributes', FILE, false, 'a regular .gitattributes'),
  r('gitmod~1', FILE, false, 'a regular file with a short-name look'),
  r('gitmodules', LINK, false, 'no leading dot'),
  r('.gitmodulesx', LINK, false, 'longer name'),
  r('gitmod~5', LINK, false, 'not a short name git considers'),
  r('.gitx', TREE, false, 'longer than .git'),
  r('.git-foo', FILE, false, 'longer than .git'),
  r('.github', TREE, false, 'longer than .git'),
  r('.git~1', FILE, false, 'not the short name'),
  r('git~2', TREE, false, 'git~1 only'),
  r('git~10', TREE, false, 'git~1 only'),
  r('git', TREE, false, 'no dot'),
  r('foo.git', TREE, false, 'suffix'),
  r(' .git', TREE, false, 'leading space (kept by NTFS)'),
  r('.gi', TREE, false, 'shorter'),
  r('...', FILE, false, 'three dots'),
  r('..a', FILE, false, 'dots then a letter'),
  r('a..', FILE, false, 'trailing dots'),
  r('.', LINK, true, 'hasDot'),
  r('-dash', FILE, false, 'leading dash'),
  r('with space', TREE, false, 'space'),
  r('tab\there', FILE, false, 'tab'),
  r('new\nline', FILE, false, 'newline'),
  r('ünï', FILE, false, 'unicode'),
  r('\u200c', FILE, false, 'an ignorable alone'),
  r(new Uint8Array([0x6c, 0x61, 0x74, 0xe9]), FILE, false, 'latin-1 byte'),
  // git's next_hfs_char gives up at malformed UTF-8 as if the name ended there (utf8.c).
  r(new Uint8Array([0x2e, 0x67, 0x69, 0x74, 0xff]), TREE, true, 'is_hfs_dotgit: .git, then malformed UTF-8'),
  r(new Uint8Array([0x2e, 0x67, 0x69, 0x74, 0xe2, 0x80]), FILE, true, 'is_hfs_dotgit: .git, then a cut sequence'),
  r(Buffer.concat([Buffer.from('.gitmodules'), Buffer.from([0xff])]), LINK, true, 'is_hfs_dotgitmodules: malformed UTF-8'),
  r(new Uint8Array([0x2e, 0x67, 0x69, 0xff, 0x74]), TREE, false, 'malformed UTF-8 before the t'),
];

const enc = new TextEncoder();
const bytes = (n: string | Uint8Array) => (typeof n === 'string' ? enc.encode(n) : n);
const shown = (n: string | Uint8Array) => JSON.stringify(typeof n === 'string' ? n : Buffer.from(n).toString('latin1'));

describe('unsafeNameReason', () => {
  test('the table: every name is judged as git and the CVE write-ups say', () => {
    const wrong: string[] = [];
    for (const row of NAMES) {
      const why = unsafeNameReason(bytes(row.name), row.mode);
      if ((why !== undefined) !== row.unsafe) wrong.push(`${shown(row.name)} mode ${row.mode.toString(8)} (${row.source}): got ${why ?? 'safe'}`);
      if (why !== undefined) assert.ok(why.length > 0 && !why.includes('\n'), `one-line reason for ${shown(row.name)}`);
    }
    assert.deepEqual(wrong, []);
  });

  test('empty names and NUL bytes are refused', () => {
    for (const mode of [FILE, EXEC, LINK, TREE]) {
      assert.match(unsafeNameReason(new Uint8Array(0), mode) ?? '', /empty/);
      assert.match(unsafeNameReason(enc.encode('a\0b'), mode) ?? '', /NUL/);
    }
  });

  test("the executable bit and a tree's mode change nothing for ordinary names", () => {
    for (const name of ['a', 'README.md', 'x.bin', '.gitmodules']) {
      for (const mode of [FILE, EXEC, TREE]) assert.equal(unsafeNameReason(enc.encode(name), mode), undefined, `${name} ${mode.toString(8)}`);
    }
  });

  test('git fsck refuses a tree holding each unsafe name, and accepts the safe ones (differential)', () => {
    const repo = join(scratchDir('xtest-pack-pathcheck-'), 'r');
    git(['init', '-q', repo]);
    const blob = git(['hash-object', '-w', '--stdin'], { cwd: repo, input: 'x\n' }).toString().trim();
    const raw = Buffer.from(blob, 'hex');
    const trees = NAMES.map((row) => {
      // A directory entry needs a tree: the empty tree will do.
      const oid = row.mode === TREE ? Buffer.from(git(['hash-object', '-w', '-t', 'tree', '--stdin'], { cwd: repo, input: '' }).toString().trim(), 'hex') : raw;
      const data = Buffer.concat([Buffer.from(`${row.mode.toString(8)} `), Buffer.from(bytes(row.name)), Buffer.from([0]), oid]);
      const file = join(repo, 'entry');
      writeFileSync(file, data);
      return git(['hash-object', '--literally', '-t', 'tree', '-w', file], { cwd: repo }).toString().trim();
    });
    const fsck = gitRaw(
      ['-c', 'fsck.gitattributesSymlink=error', '-c', 'fsck.gitignoreSymlink=error', '-c', 'fsck.mailmapSymlink=error', 'fsck', '--strict', '--no-dangling'],
      { cwd: repo },
    );
    const flagged = new Map<string, string[]>();
    for (const m of fsck.stderr.matchAll(/^(?:error|warning) in tree ([0-9a-f]{40}): (\w+):/gm)) {
      flagged.set(m[1]!, [...(flagged.get(m[1]!) ?? []), m[2]!]);
    }
    const NAME_PROBLEMS = /^(hasDot|hasDotdot|hasDotgit|fullPathname|emptyName|gitmodulesSymlink|gitattributesSymlink|gitignoreSymlink|mailmapSymlink)$/;
    const disagreements: string[] = [];
    NAMES.forEach((row, i) => {
      const gitRefuses = (flagged.get(trees[i]!) ?? []).some((p) => NAME_PROBLEMS.test(p));
      const oursRefuses = unsafeNameReason(bytes(row.name), row.mode) !== undefined;
      const expectGit = row.unsafe && !row.stricter;
      if (gitRefuses !== expectGit) disagreements.push(`table vs git: ${shown(row.name)} ${row.mode.toString(8)}: git ${gitRefuses ? 'refuses' : 'accepts'} (${row.source})`);
      if (gitRefuses && !oursRefuses) disagreements.push(`git refuses, xtest-pack accepts: ${shown(row.name)} ${row.mode.toString(8)} (${row.source})`);
    });
    assert.deepEqual(disagreements, []);
  });
});

interface SpecRow {
  readonly spec: string;
  readonly unsafe: boolean;
  readonly stricter?: boolean;
}

const SPECS: readonly SpecRow[] = [
  { spec: '/etc/passwd', unsafe: true },
  { spec: '/', unsafe: true },
  { spec: '../x', unsafe: true },
  { spec: '..', unsafe: true },
  { spec: 'a/../../x', unsafe: true },
  { spec: 'a/b/../../../x', unsafe: true },
  { spec: 'a/..', unsafe: true, stricter: true },
  { spec: 'a/../x', unsafe: true, stricter: true },
  { spec: '\\etc\\passwd', unsafe: true, stricter: true },
  { spec: '\\\\server\\share\\x', unsafe: true, stricter: true },
  { spec: 'C:\\Windows\\x', unsafe: true, stricter: true },
  { spec: 'c:x', unsafe: true, stricter: true },
  { spec: 'a\\..\\..\\x', unsafe: true, stricter: true },
  { spec: 'x', unsafe: false },
  { spec: 'dir/', unsafe: false },
  { spec: 'dir/sub/file.txt', unsafe: false },
  { spec: './x', unsafe: false },
  { spec: 'a..b', unsafe: false },
  { spec: '..a', unsafe: false },
  { spec: 'x/..y', unsafe: false },
  { spec: '...', unsafe: false },
  { spec: '**/x', unsafe: false },
  { spec: 'dir/*.txt', unsafe: false },
  { spec: '[ab]*', unsafe: false },
  { spec: '-dash', unsafe: false },
  { spec: 'ünï/x', unsafe: false },
];

describe('unsafePathspecReason', () => {
  test('the table', () => {
    const wrong = SPECS.filter((s) => (unsafePathspecReason(s.spec) !== undefined) !== s.unsafe).map((s) => `${s.spec}: ${unsafePathspecReason(s.spec) ?? 'safe'}`);
    assert.deepEqual(wrong, []);
    assert.match(unsafePathspecReason('/etc/passwd') ?? '', /absolute/);
    assert.match(unsafePathspecReason('a/../../x') ?? '', /\.\./);
  });

  test('every pathspec git finds outside the repository is refused; git accepts the safe ones (differential)', () => {
    const repo = join(scratchDir('xtest-pack-pathspec-'), 'r');
    git(['init', '-q', repo]);
    const disagreements: string[] = [];
    for (const s of SPECS) {
      // From the top of the work tree, git ls-files dies on a pathspec outside it.
      const g = gitRaw(['ls-files', '--', s.spec], { cwd: repo });
      const gitRefuses = g.status !== 0;
      if (gitRefuses) assert.match(g.stderr, /outside repository/, s.spec);
      if (gitRefuses !== (s.unsafe && !s.stricter)) disagreements.push(`table vs git: ${s.spec}: git ${gitRefuses ? 'refuses' : 'accepts'}`);
      if (gitRefuses && unsafePathspecReason(s.spec) === undefined) disagreements.push(`git refuses, xtest-pack accepts: ${s.spec}`);
    }
    assert.deepEqual(disagreements, []);
  });
});
