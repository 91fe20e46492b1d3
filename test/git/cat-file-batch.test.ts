// xtest-pack cat-file --batch, --batch-check and --batch-all-objects [--unordered] against git,
// byte for byte: on the repositories of fixtures/scripts/odb-rich.sh (SHA-1 and SHA-256, loose
// and packed objects, absolute and relative alternates, bare pack directories), on packs of deep
// OFS_DELTA chains, of REF_DELTAs, with a version 1 idx, and on a clone of this project. Every
// object, with the default format and with formats of every atom (%(objectname),
// %(objecttype), %(objectsize), %(objectsize:disk), %(deltabase), %(rest)) and literal text;
// names from stdin as full ids, abbreviations, revisions, missing and ambiguous names, CRLF
// and NUL-terminated lines, whitespace and %(rest). Where git's order is the file system's
// (loose objects, several packs with --unordered) the lines are compared as sets.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { nodeStorage } from '../../src/fs/node-storage.js';
import type { Storage } from '../../src/fs/storage.js';
import { catFileBatch } from '../../src/odb/batch.js';
import { ObjectDatabase } from '../../src/odb/database.js';
import { injectCollision } from '../support/collision.js';
import { git, gitRaw, tempDir } from '../support/git.js';
import { abbreviations, buildRichRepos, cloneSelf, runCli, sample, show, type RunResult } from '../support/odb-repos.js';
import { packFixture, type FixtureName } from '../support/repos.js';

const repos = buildRichRepos();
const scratch = tempDir('xtest-pack-batch-');
const self = cloneSelf(scratch.dir);
after(() => {
  repos.cleanup();
  scratch.cleanup();
});

/** A repository to compare on: where git runs, and how xtest-pack is pointed at the same objects. */
interface Target {
  readonly label: string;
  readonly gitCwd: string;
  readonly where: readonly string[];
  /** Refs resolve (not a bare pack directory). */
  readonly refs: boolean;
}

const enc = new TextEncoder();

function rich(label: string, repo: string): Target {
  return { label, gitCwd: repo, where: ['--repo', repo], refs: true };
}

const TARGETS: readonly Target[] = [
  rich('main (loose and packed)', repos.main),
  rich('sha256', repos.sha256),
  rich('shared clone (absolute alternates)', repos.shared),
  rich('relative alternates', repos.altrel),
  rich('linked work tree', repos.wt),
  { label: 'pack directory', gitCwd: repos.packed, where: ['--objects', repos.packdir], refs: false },
  { label: 'sha256 pack directory', gitCwd: repos.packed256, where: ['--objects', repos.packdir256], refs: false },
  ...(['deep-chains', 'ref-delta', 'tags'] as FixtureName[]).map((n) => rich(`fixture ${n}`, packFixture(n).repo)),
  (() => {
    const f = packFixture('index-v1');
    return { label: 'pack directory, version 1 idx', gitCwd: f.repo, where: ['--objects', dirname(f.pack)], refs: false };
  })(),
  rich('this project', self),
];

const FORMATS: readonly (string | undefined)[] = [
  undefined,
  '%(objectname) %(objecttype) %(objectsize) %(objectsize:disk) %(deltabase)',
  '%(objectname)',
  '%(objecttype)',
  '%(objectsize)',
  '%(objectsize:disk) %(deltabase) %(objectsize)',
  '<%(rest)> %% %x %(objecttype)%',
  '',
];

function flag(mode: '--batch' | '--batch-check', format: string | undefined): string {
  return format === undefined ? mode : `${mode}=${format}`;
}

async function ours(t: Target, args: string[], stdin = new Uint8Array(0)): Promise<RunResult> {
  return runCli(['cat-file', ...t.where, ...args], { cwd: scratch.dir, stdin });
}

function theirs(t: Target, args: string[], stdin: Uint8Array | string = ''): Buffer {
  return git(['cat-file', ...args], { cwd: t.gitCwd, input: stdin });
}

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.stderr, '', `${what}: stderr`);
  assert.equal(r.status, 0, `${what}: exit status`);
}

/** Whether git's --unordered order is the file system's: loose objects, or more than one pack. */
function orderFromFileSystem(t: Target): boolean {
  const counts = git(['count-objects', '-v'], { cwd: t.gitCwd }).toString('utf8');
  const loose = Number(/^count: (\d+)$/m.exec(counts)![1]);
  const packs = Number(/^packs: (\d+)$/m.exec(counts)![1]);
  return loose > 0 || packs !== 1 || /alternate/.test(counts) || t.label.includes('alternates') || t.label.includes('clone') || t.label.includes('work tree');
}

/** The records of --batch output in the default format: header line and contents each. */
function records(out: Uint8Array): string[] {
  const b = Buffer.from(out);
  const recs: string[] = [];
  for (let at = 0; at < b.length; ) {
    const nl = b.indexOf(0x0a, at);
    const header = b.subarray(at, nl).toString('latin1');
    const size = Number(header.split(' ')[2]);
    recs.push(b.subarray(at, nl + 1 + size + 1).toString('latin1'));
    at = nl + 1 + size + 1;
  }
  return recs.sort();
}

const sortedLines = (b: Uint8Array): string[] => Buffer.from(b).toString('latin1').split('\n').sort();

/** Every object id git lists, and a spread of names that resolve, fail or need the refs. */
function names(t: Target): string[] {
  const ids = theirs(t, ['--batch-all-objects', '--batch-check=%(objectname)']).toString('utf8').trim().split('\n');
  // The empty tree is known to git whether the repository has it or not.
  const emptyTree = ids[0]!.length === 40 ? '4b825dc642cb6eb9a060e54bf8d69288fbee4904' : '6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321';
  const out = [...ids, ...abbreviations(sample(ids, 12)), ids[0]!.toUpperCase(), '0'.repeat(ids[0]!.length), emptyTree, 'nonexistent', 'fff', ''];
  if (t.refs) {
    out.push('HEAD', 'HEAD~1', 'HEAD^{tree}', 'HEAD:', 'HEAD:nonexistent', 'refs/heads/nonexistent', 'HEAD^{nope}');
    if (t.label.startsWith('main') || t.label === 'sha256') out.push('v1', 'v1^{}', 'HEAD:dir/file', 'HEAD:sub', 'HEAD:with space.txt', 'blob-tag');
  }
  return out;
}

describe('cat-file --batch-all-objects agrees with git', () => {
  for (const t of TARGETS) {
    test(t.label, async () => {
      const fsOrder = orderFromFileSystem(t);
      for (const mode of ['--batch-check', '--batch'] as const) {
        for (const format of FORMATS) {
          if (mode === '--batch' && format !== undefined && format !== FORMATS[1] && format !== '%(objectname)') continue;
          const f = flag(mode, format);
          const sorted = await ours(t, ['--batch-all-objects', f]);
          assertOk(sorted, `${t.label} ${f}`);
          assert.ok(sorted.stdout.equals(theirs(t, ['--batch-all-objects', f])), `${t.label}: --batch-all-objects ${show(f)}`);
          const unordered = await ours(t, ['--batch-all-objects', '--unordered', f]);
          assertOk(unordered, `${t.label} ${f} --unordered`);
          const want = theirs(t, ['--batch-all-objects', '--unordered', f]);
          if (!fsOrder) assert.ok(unordered.stdout.equals(want), `${t.label}: --batch-all-objects --unordered ${show(f)}`);
          else if (mode === '--batch-check') assert.deepEqual(sortedLines(unordered.stdout), sortedLines(want), `${t.label}: --unordered ${show(f)}, as sets`);
          else if (format === undefined) assert.deepEqual(records(unordered.stdout), records(want), `${t.label}: --unordered ${show(f)}, as sets`);
        }
      }
      // The input is not read with --batch-all-objects.
      const r = await ours(t, ['--batch-all-objects', '--batch-check'], enc.encode('nonexistent\n'));
      assert.ok(r.stdout.equals(theirs(t, ['--batch-all-objects', '--batch-check'])), `${t.label}: stdin ignored`);
    });
  }
});

describe('cat-file --batch and --batch-check on names from stdin agree with git', () => {
  for (const t of TARGETS) {
    test(t.label, async () => {
      const list = names(t);
      const input = enc.encode(list.map((n) => `${n}\n`).join(''));
      for (const f of ['--batch-check', '--batch', flag('--batch-check', FORMATS[1]), '--batch-check=%(objectname)', '--batch=%(objecttype) %(objectsize:disk)']) {
        const r = await ours(t, [f], input);
        assertOk(r, `${t.label} ${f}`);
        const want = theirs(t, [f], input);
        assert.ok(r.stdout.equals(want), `${t.label}: ${show(f)} on ${list.length} names: ${show(r.stdout.toString('latin1').slice(0, 200))} vs ${show(want.toString('latin1').slice(0, 200))}`);
      }
      // %(rest): names end at the first space or tab; CRLF line ends; a last line without one.
      const ids = list.slice(0, 5);
      const restInput = enc.encode(`${ids[0]} one two\n${ids[1]}\t  tabbed  \n${ids[2]}\r\n${ids[3]}  \n nonexistent rest\n${ids[4]}`);
      for (const f of ['--batch-check=%(objectname) [%(rest)]', '--batch-check', '--batch=%(rest)|%(objectsize)']) {
        const r = await ours(t, [f], restInput);
        assertOk(r, `${t.label} ${f}`);
        assert.ok(r.stdout.equals(theirs(t, [f], restInput)), `${t.label}: ${show(f)} with rest, CRLF and an unterminated line`);
      }
      // -z: names end with NUL (a CR is then part of the name).
      const z = enc.encode(`${ids[0]}\0${ids[1]}\r\0nonexistent\0${ids[2]}`);
      const r = await ours(t, ['-z', '--batch-check'], z);
      assertOk(r, `${t.label} -z`);
      assert.ok(r.stdout.equals(theirs(t, ['-z', '--batch-check'], z)), `${t.label}: -z`);
      // --buffer is accepted; the answer is the same.
      const b = await ours(t, ['--buffer', '--batch'], input);
      assert.ok(b.stdout.equals(theirs(t, ['--buffer', '--batch'], input)), `${t.label}: --buffer`);
    });
  }
});

describe('catFileBatch over packs read in place (not held in memory)', () => {
  /** nodeStorage whose sources hide their bytes: every read is a positional read through the pack's window. */
  const inPlace: Storage = {
    ...nodeStorage,
    openSource(path) {
      const s = nodeStorage.openSource(path);
      if (s === undefined) return undefined;
      return { size: s.size, name: s.name, read: (o, l) => s.read(o, l).slice(), readInto: (o, into) => s.readInto(o, into), close: () => s.close() };
    },
  };
  for (const t of [TARGETS.find((x) => x.label === 'fixture deep-chains')!, TARGETS.find((x) => x.label === 'fixture ref-delta')!, TARGETS.at(-1)!]) {
    test(t.label, () => {
      const odb = ObjectDatabase.open(join(t.gitCwd, '.git', 'objects'), inPlace, getBackend(), 'sha1', { deltaBaseCacheLimit: 1 << 16 });
      try {
        const run = (options: Parameters<typeof catFileBatch>[1], input = ''): Buffer => {
          const out: Buffer[] = [];
          let fed = false;
          catFileBatch({ odb }, options, { read: () => (fed ? undefined : ((fed = true), enc.encode(input))) }, (c) => void out.push(Buffer.from(c)));
          return Buffer.concat(out);
        };
        const all = FORMATS[1]!;
        for (const contents of [false, true]) {
          const mode = contents ? '--batch' : '--batch-check';
          assert.ok(run({ contents, allObjects: true, format: all }).equals(theirs(t, ['--batch-all-objects', `${mode}=${all}`])), `${mode} sorted`);
          assert.ok(run({ contents, allObjects: true, unordered: true }).equals(theirs(t, ['--batch-all-objects', '--unordered', mode])), `${mode} --unordered`);
          const ids = theirs(t, ['--batch-all-objects', '--batch-check=%(objectname)']).toString('utf8');
          const shuffled = ids.trim().split('\n').sort((a, b) => (a.slice(7) < b.slice(7) ? -1 : 1)).join('\n');
          assert.ok(run({ contents, format: all }, shuffled).equals(theirs(t, [`${mode}=${all}`], shuffled)), `${mode} by name, shuffled`);
        }
      } finally {
        odb.close();
      }
    });
  }
});

describe('catFileBatch on names reads a pack and its idx at most about twice over', () => {
  // Names may be anywhere in a pack: one positional read (of the idx, of the pack) each, until
  // those reads have read as many bytes as the file holds; then it is read whole, as git's mmap
  // pages it in. Every read of each file is counted.
  test('this project: every id, names in shuffled order, --batch-check and --batch', () => {
    const t = TARGETS.at(-1)!;
    const read = new Map<string, { size: number; bytes: number; reads: number; whole: boolean }>();
    const counting: Storage = {
      ...nodeStorage,
      openSource(path) {
        const s = nodeStorage.openSource(path);
        if (s === undefined) return undefined;
        const c = { size: s.size, bytes: 0, reads: 0, whole: false };
        read.set(path, c);
        const count = (n: number): void => {
          c.bytes += n;
          c.reads++;
        };
        return {
          size: s.size,
          name: s.name,
          read: (o, l) => (count(l), (c.whole ||= o === 0 && l === s.size), s.read(o, l).slice()),
          readInto: (o, into) => (count(into.length), s.readInto(o, into)),
          close: () => s.close(),
        };
      },
    };
    const ids = theirs(t, ['--batch-all-objects', '--batch-check=%(objectname)']).toString('utf8');
    const shuffled = ids.trim().split('\n').sort((a, b) => (a.slice(7) < b.slice(7) ? -1 : 1)).join('\n');
    for (const contents of [false, true]) {
      read.clear();
      const odb = ObjectDatabase.open(join(t.gitCwd, '.git', 'objects'), counting, getBackend(), 'sha1');
      try {
        const out: Buffer[] = [];
        let fed = false;
        catFileBatch({ odb }, { contents }, { read: () => (fed ? undefined : ((fed = true), enc.encode(shuffled))) }, (c) => void out.push(Buffer.from(c)));
        assert.ok(Buffer.concat(out).equals(theirs(t, [contents ? '--batch' : '--batch-check'], shuffled)), `${contents ? '--batch' : '--batch-check'}: git's bytes`);
      } finally {
        odb.close();
      }
      const packs = [...read].filter(([p]) => p.endsWith('.pack') || p.endsWith('.idx'));
      assert.ok(packs.length >= 2, 'a pack and its idx were read in place');
      for (const [path, c] of packs) {
        // Twice the file, plus the last read before the switch (up to the 1 MiB window).
        assert.ok(c.bytes <= 2 * c.size + (1 << 20), `${path}: ${c.bytes} bytes in ${c.reads} reads of a file of ${c.size}`);
        assert.ok(c.whole, `${path}: read whole after ${c.reads} reads`);
      }
    }
  });
});

describe('cat-file batch modes: ambiguous names, errors, --verify', () => {
  /** A repository with two blobs whose ids share their first four hex digits. */
  function ambiguousRepo(): { repo: string; prefix: string; ids: string[] } {
    const repo = join(scratch.dir, 'ambiguous');
    git(['init', '-q', repo]);
    const seen = new Map<string, string>();
    for (let i = 0; ; i++) {
      const body = `blob number ${i}\n`;
      const id = createHash('sha1').update(`blob ${body.length}\0${body}`).digest('hex');
      const other = seen.get(id.slice(0, 4));
      if (other !== undefined) {
        for (const b of [other, body]) git(['hash-object', '-w', '--stdin'], { cwd: repo, input: b });
        const ids = [createHash('sha1').update(`blob ${other.length}\0${other}`).digest('hex'), id];
        return { repo, prefix: id.slice(0, 4), ids };
      }
      seen.set(id.slice(0, 4), body);
    }
  }

  test('a short id two objects share is ambiguous, a longer one is not', async () => {
    const { repo, prefix, ids } = ambiguousRepo();
    const t: Target = { label: 'ambiguous', gitCwd: repo, where: ['--repo', repo], refs: true };
    const longer = ids.map((id) => id.slice(0, id.split('').findIndex((c, i) => c !== ids[0]![i] || c !== ids[1]![i]) + 1)).filter((p) => p.length >= 4);
    const input = enc.encode([prefix, ...longer, prefix.toUpperCase(), `${prefix} rest`].map((n) => `${n}\n`).join(''));
    for (const f of ['--batch-check', '--batch', '--batch-check=%(objectname) %(rest)']) {
      const r = await ours(t, [f], input);
      assertOk(r, f);
      const want = theirs(t, [f], input);
      assert.ok(want.toString('utf8').includes(`${prefix} ambiguous`), 'the fixture: git finds the prefix ambiguous');
      assert.ok(r.stdout.equals(want), `${f}: ${show(r.stdout.toString('utf8'))} vs ${show(want.toString('utf8'))}`);
    }
  });

  test('usage errors and bad formats: git refuses, so does xtest-pack (one line, exit 2)', async () => {
    const t = TARGETS[0]!;
    for (const args of [
      ['--batch-check=%(nonsense)'],
      ['--batch=%(objectname'],
      ['--batch', '--batch-check'],
      ['--batch', 'HEAD'],
      ['-t', '--batch'],
      ['--batch-all-objects'],
      ['--buffer', '-t', 'HEAD'],
      ['-z', 'HEAD'],
    ]) {
      const g = gitRaw(['cat-file', ...args], { cwd: t.gitCwd, input: '' });
      assert.notEqual(g.status, 0, `the fixture: git refuses ${args.join(' ')}`);
      const r = await ours(t, args, enc.encode('HEAD\n'));
      assert.equal(r.status, 2, `${args.join(' ')}: exit status (${r.stderr})`);
      assert.equal(r.stdout.length, 0, `${args.join(' ')}: nothing on stdout`);
      assert.match(r.stderr, /^xtest-pack: [^\n]+\n$/, `${args.join(' ')}: one line`);
      const fatal = /fatal: (.*)/.exec(g.stderr)?.[1];
      if (fatal !== undefined && args[0]!.includes('%(')) assert.ok(r.stderr.includes(fatal), `${args.join(' ')}: git's words ${show(fatal)} in ${show(r.stderr)}`);
    }
    // Names in a syntax xtest-pack does not read stop the command rather than print `missing`.
    for (const name of ['HEAD@{0}', ':dir/file', 'HEAD^{/first}']) {
      const r = await ours(t, ['--batch-check'], enc.encode(`HEAD\n${name}\n`));
      assert.equal(r.status, 2, `${name}: exit status`);
      assert.match(r.stderr, /^xtest-pack: .*not read/, name);
    }
  });

  test('--verify hashes what it prints: a loose object under another id is refused only then', async () => {
    const t = tempDir('xtest-pack-batch-verify-');
    try {
      const repo = join(t.dir, 'repo');
      git(['init', '-q', repo]);
      const good = git(['hash-object', '-w', '--stdin'], { cwd: repo, input: 'the real content\n' }).toString('utf8').trim();
      // The same file under an id it does not hash to.
      const liar = `${good.slice(0, 2)}${'0'.repeat(38)}`;
      const objects = join(repo, '.git', 'objects');
      mkdirSync(join(objects, liar.slice(0, 2)), { recursive: true });
      writeFileSync(join(objects, liar.slice(0, 2), liar.slice(2)), readFileSync(join(objects, good.slice(0, 2), good.slice(2))));
      const target: Target = { label: 'verify', gitCwd: repo, where: ['--repo', repo], refs: true };
      const input = enc.encode(`${good}\n${liar}\n`);
      for (const f of ['--batch', '--batch-check']) {
        const plain = await ours(target, [f], input);
        assertOk(plain, f);
        assert.ok(plain.stdout.equals(theirs(target, [f], input)), `${f}: as git, unverified`);
        for (const v of [['--verify'], ['--verify', '--no-collision-detection']]) {
          const r = await ours(target, [f, ...v], input);
          assert.equal(r.status, 1, `${f} ${v.join(' ')}: exit status`);
          assert.match(r.stderr, new RegExp(`^xtest-pack: .*${liar}.*content hashes to ${good}`), `${f} ${v.join(' ')}`);
        }
        const all = await ours(target, ['--batch-all-objects', f, '--verify'], input);
        assert.equal(all.status, 1, `--batch-all-objects ${f} --verify`);
        assert.ok((await ours(target, [f, '--verify'], enc.encode(`${good}\n`))).stdout.equals(theirs(target, [f], `${good}\n`)), `${f} --verify of a good object`);
      }
    } finally {
      t.cleanup();
    }
  });

  test('--verify detects a SHA-1 collision, --no-collision-detection does not look', async () => {
    const t = TARGETS[5]!; // the pack directory
    const ids = theirs(t, ['--batch-all-objects', '--batch-check=%(objectname)']).toString('utf8').trim().split('\n');
    const undo = injectCollision(getBackend(), [ids[3]!]);
    try {
      const input = enc.encode(`${ids[2]}\n${ids[3]}\n`);
      const r = await ours(t, ['--batch-check', '--verify'], input);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /collision/i);
      for (const args of [['--batch-check'], ['--batch-check', '--verify', '--no-collision-detection']]) {
        const ok = await ours(t, args, input);
        assertOk(ok, args.join(' '));
        assert.ok(ok.stdout.equals(theirs(t, ['--batch-check'], input)), args.join(' '));
      }
    } finally {
      undo();
    }
  });

  test('a pack holding an object twice lists it once', async () => {
    // Two packs of the same objects (repack -a keeps the old one with -d left out).
    const t = tempDir('xtest-pack-batch-twice-');
    try {
      const repo = join(t.dir, 'repo');
      git(['clone', '-q', '--no-local', repos.packed, repo]);
      git(['repack', '-aq', '-f', '--depth=3'], { cwd: repo });
      assert.equal(readdirSync(join(repo, '.git', 'objects', 'pack')).filter((n) => n.endsWith('.pack')).length, 2, 'the fixture: two packs');
      const target = rich('two packs', repo);
      for (const f of ['--batch-check', '--batch', '--batch-check=%(objectname) %(objecttype) %(objectsize)']) {
        const r = await ours(target, ['--batch-all-objects', f]);
        assertOk(r, f);
        const want = theirs(target, ['--batch-all-objects', f]);
        // Sorted: the same lines; which pack's entry is shown is git's pack order (by mtime).
        assert.ok(r.stdout.equals(want), `${f}: sorted`);
        const u = await ours(target, ['--batch-all-objects', '--unordered', f]);
        assert.deepEqual(sortedLines(u.stdout), sortedLines(theirs(target, ['--batch-all-objects', '--unordered', f])), `${f} --unordered, as sets`);
      }
    } finally {
      t.cleanup();
    }
  });
});
