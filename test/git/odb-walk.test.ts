// The pathspec walk (src/odb/walk.ts) over a tree of 10,007 files in 107 trees
// (fixtures/scripts/odb-wide.sh): it reads only the trees on the way to what the pathspecs
// select — counted with ObjectDatabase's onRead — and selects exactly what an independent
// matcher of the documented semantics selects from `git ls-tree -r`, which is also what
// `git ls-files ':(glob)<spec>'` lists wherever git's pathspecs mean the same. Pathspecs that
// select nothing are reported in `unmatched`.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { nodeStorage } from '../../src/fs/node-storage.js';
import { ObjectDatabase } from '../../src/odb/database.js';
import { walkTree, parsePathspec } from '../../src/odb/walk.js';
import { fromHex, toHex, type ObjectType } from '../../src/pack/oid.js';
import { git, tempDir } from '../support/git.js';
import { runScript } from '../support/odb-repos.js';

const backend = getBackend();
const t = tempDir('xtest-pack-odb-wide-');
after(() => t.cleanup());
const repo = join(t.dir, 'wide');
runScript('odb-wide', [repo]);

const rootTree = git(['rev-parse', 'main^{tree}'], { cwd: repo }).toString('utf8').trim();
/** Every file path of the commit, in git's order. */
const FILES = git(['ls-tree', '-r', '-z', '--name-only', 'main'], { cwd: repo }).toString('utf8').split('\0').filter((p) => p !== '');
/** Tree path -> id, the root as ''. */
const TREES = new Map<string, string>([['', rootTree]]);
for (const line of git(['ls-tree', '-r', '-d', '-z', 'main'], { cwd: repo }).toString('utf8').split('\0')) {
  if (line === '') continue;
  const m = /^040000 tree ([0-9a-f]{40})\t(.*)$/s.exec(line);
  assert.ok(m, line);
  TREES.set(m[2]!, m[1]!);
}
const ALL_DIRS = [...TREES.keys()];

/** A glob (`*`, `?`, `[...]`, `**`) as a RegExp over whole '/'-separated paths; written apart from wildmatch.ts. */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (glob.startsWith('**/', i) && (i === 0 || glob[i - 1] === '/')) {
      re += '(?:[^/]*/)*';
      i += 2;
    } else if (glob.startsWith('/**', i) && i + 3 === glob.length) {
      re += '/.*';
      i += 2;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `(?!/)[${body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** What the documented semantics select: a match, or a file under a matched directory. */
function expectedEntries(specs: readonly string[]): string[] {
  if (specs.length === 0) return FILES.slice();
  return FILES.filter((path) =>
    specs.some((spec) => {
      const dirOnly = spec.endsWith('/');
      const p = spec.replace(/\/+$/, '');
      const dirs: string[] = [];
      for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) dirs.push(path.slice(0, i));
      if (!/[*?[]/.test(p)) return (!dirOnly && path === p) || path.startsWith(`${p}/`);
      const re = globRegExp(p);
      return (!dirOnly && re.test(path)) || dirs.some((d) => re.test(d));
    }),
  );
}

interface Counted {
  entries: string[];
  treesWalked: string[];
  unmatched: string[];
  /** Ids of the objects read, with their types, in order. */
  reads: { oid: string; type: ObjectType }[];
}

function walkCounting(specs: readonly string[]): Counted {
  const reads: { oid: string; type: ObjectType }[] = [];
  const odb = ObjectDatabase.open(join(repo, '.git', 'objects'), nodeStorage, backend, 'sha1', {
    onRead: (oid, type) => reads.push({ oid, type }),
  });
  try {
    const r = walkTree(odb, fromHex(rootTree)!, specs);
    for (const e of r.entries) assert.equal(Buffer.from(e.pathBytes).toString('utf8'), e.path);
    return { entries: r.entries.map((e) => e.path), treesWalked: r.trees.map((e) => e.path), unmatched: r.unmatched, reads };
  } finally {
    odb.close();
  }
}

function dirsUnder(dir: string): string[] {
  return ALL_DIRS.filter((d) => d === dir || d.startsWith(`${dir}/`));
}

const D = (n: number) => `d${String(n).padStart(2, '0')}`;

interface Case {
  specs: string[];
  /** The trees the walk must read, and no other. */
  trees: string[];
  unmatched?: string[];
  /** git ls-files ':(glob)<spec>' selects the same files (false where the semantics differ). */
  gitSame: boolean;
  /** Expected number of files (a sanity check of the independent matcher). */
  count: number;
}

const CASES: Case[] = [
  { specs: ['d07/f003.txt'], trees: ['', 'd07'], gitSame: true, count: 1 },
  { specs: ['d07/'], trees: ['', 'd07'], gitSame: true, count: 100 },
  { specs: ['d07'], trees: ['', 'd07'], gitSame: true, count: 100 },
  { specs: ['d05/'], trees: ['', ...dirsUnder('d05')], gitSame: true, count: 103 },
  { specs: ['d05/nest'], trees: ['', 'd05', ...dirsUnder('d05/nest')], gitSame: true, count: 3 },
  { specs: ['d0*/f001.txt'], trees: ['', ...Array.from({ length: 10 }, (_, i) => D(i))], gitSame: true, count: 10 },
  { specs: ['d1?/f00[0-2].txt'], trees: ['', ...Array.from({ length: 10 }, (_, i) => D(10 + i))], gitSame: true, count: 30 },
  { specs: ['d[!0-8]?/f099.txt'], trees: ['', ...Array.from({ length: 10 }, (_, i) => D(90 + i))], gitSame: true, count: 10 },
  { specs: ['**/f001.txt'], trees: ALL_DIRS, gitSame: true, count: 105 },
  { specs: ['d05/**/f001.txt'], trees: ['', ...dirsUnder('d05')], gitSame: true, count: 3 },
  { specs: ['d05/**'], trees: ['', ...dirsUnder('d05')], gitSame: true, count: 103 },
  { specs: ['*/nest/*/f001.txt'], trees: ['', ...ALL_DIRS.filter((d) => /^[^/]+$/.test(d)), 'd05/nest', 'd05/nest/a', 'd05/nest/b'], gitSame: true, count: 1 },
  { specs: ['top.txt'], trees: [''], gitSame: true, count: 1 },
  { specs: ['*.txt'], trees: [''], gitSame: true, count: 2 },
  { specs: ['d05/nest/a/f001.txt', 'e00/sub/'], trees: ['', 'd05', 'd05/nest', 'd05/nest/a', 'e00', 'e00/sub'], gitSame: true, count: 2 },
  { specs: ['d07/f003.txt', 'd07/f004.txt', 'd08/'], trees: ['', 'd07', 'd08'], gitSame: true, count: 102 },
  // A matched directory selects everything below it (git's :(glob) would select no file for 'd*').
  { specs: ['d*'], trees: ['', ...ALL_DIRS.filter((d) => d.startsWith('d'))], gitSame: false, count: 10003 },
  { specs: ['e0?'], trees: ['', ...dirsUnder('e00')], gitSame: false, count: 2 },
  { specs: ['nope/x', 'd07/f999.txt', 'd07/f003.txt/', 'e0?/nothing*'], trees: ['', 'd07', 'e00'], unmatched: ['nope/x', 'd07/f999.txt', 'd07/f003.txt/', 'e0?/nothing*'], gitSame: true, count: 0 },
  { specs: ['d07/f003.txt', 'nope/'], trees: ['', 'd07'], unmatched: ['nope/'], gitSame: true, count: 1 },
  { specs: [], trees: ALL_DIRS, gitSame: true, count: 10007 },
  { specs: ['./d07/f003.txt'], trees: ['', 'd07'], gitSame: true, count: 1 },
];

describe('walkTree over 10,007 files', () => {
  test('the fixture: 10,007 files in 107 distinct trees', () => {
    assert.equal(FILES.length, 10007);
    assert.equal(TREES.size, 107);
    assert.equal(new Set(TREES.values()).size, 107, 'every tree is distinct, so reads can be told apart');
  });

  for (const c of CASES) {
    test(`pathspecs ${JSON.stringify(c.specs)} read ${c.trees.length} tree(s) and select ${c.count} file(s)`, () => {
      const got = walkCounting(c.specs);
      // Selection: the independent matcher, and git ls-files where git agrees.
      const expected = expectedEntries(c.specs.map((s) => s.replace(/^\.\//, '')));
      assert.equal(expected.length, c.count, 'the independent matcher (a check of the test itself)');
      assert.deepEqual(got.entries, expected);
      if (c.gitSame) {
        const magic = c.specs.map((s) => `:(glob)${s}`);
        const lsFiles = git(['ls-files', '-z', '--', ...magic], { cwd: repo }).toString('utf8').split('\0').filter((p) => p !== '');
        assert.deepEqual(got.entries, c.specs.length === 0 ? FILES : lsFiles, 'git ls-files');
      }
      assert.deepEqual(got.unmatched, c.unmatched ?? []);
      // Reads: exactly the trees on the way, each once, and nothing else (no blob is read).
      assert.deepEqual(
        got.reads.filter((r) => r.type !== 'tree'),
        [],
        'only trees are read',
      );
      const readIds = got.reads.map((r) => r.oid);
      assert.equal(new Set(readIds).size, readIds.length, 'no tree is read twice');
      const byId = new Map([...TREES].map(([p, id]) => [id, p]));
      const readPaths = readIds.map((id) => byId.get(id) ?? `unknown tree ${id}`);
      const extra = readPaths.filter((p) => !c.trees.includes(p));
      const missing = c.trees.filter((p) => !readPaths.includes(p));
      assert.ok(
        extra.length === 0 && missing.length === 0,
        `read ${readPaths.length} trees where ${c.trees.length} are on the way; ` +
          `${extra.length} more: ${JSON.stringify(extra.slice(0, 12))}${extra.length > 12 ? '...' : ''}; ${missing.length} fewer: ${JSON.stringify(missing)}`,
      );
      assert.deepEqual(got.treesWalked, readPaths, 'WalkResult.trees lists the trees read, in order');
    });
  }

  test('each entry carries the mode and id git ls-tree shows', () => {
    const odb = ObjectDatabase.open(join(repo, '.git', 'objects'), nodeStorage, backend, 'sha1');
    try {
      const r = walkTree(odb, fromHex(rootTree)!, ['d05/']);
      const want = git(['ls-tree', '-r', 'main', 'd05/'], { cwd: repo }).toString('utf8');
      assert.equal(r.entries.map((e) => `${e.mode.toString(8).padStart(6, '0')} blob ${toHex(e.oid)}\t${e.path}\n`).join(''), want);
    } finally {
      odb.close();
    }
  });

  test('pathspecs that are absolute or climb out are refused: USAGE', () => {
    for (const bad of ['/d07', '../d07', 'd07/../d08', 'd07/./f003.txt']) {
      assert.throws(
        () => parsePathspec(bad),
        (e: unknown) => e instanceof XtestPackError && e.code === 'USAGE' && e.message.includes(bad),
        bad,
      );
    }
  });
});
