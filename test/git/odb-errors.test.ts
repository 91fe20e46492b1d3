// Bad input to the object database, refs, repository and revision code: each must end in an
// XtestPackError of the right code naming the place (file, object id, ref, revision), and on
// the command line in exit status 1 with exactly one `xtest-pack: ...` line on stderr. git is
// run on the same damaged repositories to show that it refuses them too (or, where xtest-pack
// is stricter by design, that git fsck finds the damage).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync, copyFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError, type ErrorCode } from '../../src/errors.js';
import { nodeStorage } from '../../src/fs/node-storage.js';
import { ObjectDatabase } from '../../src/odb/database.js';
import { Repository } from '../../src/odb/repository.js';
import { resolveRevision } from '../../src/odb/revision.js';
import { fromHex, toHex } from '../../src/pack/oid.js';
import { assertOneLineError, xtestPack } from '../support/cli.js';
import { git, gitRaw, tempDir } from '../support/git.js';
import { runCli, show } from '../support/odb-repos.js';

const backend = getBackend();
const scratch = tempDir('xtest-pack-odb-errors-');
after(() => scratch.cleanup());

/** A small repository: two commits, a file in a directory, an annotated tag; objects loose. */
function makeBase(dir: string, format: 'sha1' | 'sha256' = 'sha1'): void {
  git(['init', '-q', `--object-format=${format}`, dir]);
  git(['symbolic-ref', 'HEAD', 'refs/heads/main'], { cwd: dir });
  mkdirSync(join(dir, 'dir'));
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  writeFileSync(join(dir, 'dir', 'b.txt'), 'b\n');
  git(['add', '.'], { cwd: dir });
  git(['commit', '-q', '-m', 'one'], { cwd: dir });
  writeFileSync(join(dir, 'a.txt'), 'a, again\n');
  git(['commit', '-q', '-am', 'two'], { cwd: dir });
  git(['tag', '-a', 'v1', '-m', 'tag one'], { cwd: dir });
  git(['branch', 'other', 'HEAD~1'], { cwd: dir });
}

const base = join(scratch.dir, 'base');
makeBase(base);
const base256 = join(scratch.dir, 'base256');
makeBase(base256, 'sha256');
let copies = 0;

/** A fresh copy of the base repository to damage. */
function copyOf(from = base): string {
  const dir = join(scratch.dir, `copy-${++copies}`);
  cpSync(from, dir, { recursive: true });
  return dir;
}

function rev(cwd: string, r: string): string {
  return git(['rev-parse', '--verify', r], { cwd }).toString('utf8').trim();
}

function loosePath(repo: string, hex: string): string {
  return join(repo, '.git', 'objects', hex.slice(0, 2), hex.slice(2));
}

/** Run `fn`, require an XtestPackError of `code` with a one-line message; return it. */
function expectError(fn: () => unknown, code: ErrorCode): XtestPackError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, `expected ${code}, nothing was thrown`);
  assert.ok(thrown instanceof XtestPackError, `expected XtestPackError ${code}, got ${String(thrown)}`);
  assert.equal(thrown.code, code, `code of: ${thrown.message}`);
  assert.ok(!thrown.message.includes('\n'), `one-line message: ${show(thrown.message)}`);
  return thrown;
}

/**
 * The command line fails: exit 1, one `xtest-pack: ` line naming each of `mentions`, nothing on
 * stdout. The first check of each test runs the real binary; the others run it in this process
 * (the same program, without the cost of starting node).
 */
async function cliFails(args: string[], cwd: string, mentions: string[]): Promise<string> {
  const spawn = spawnNext;
  spawnNext = false;
  const r = spawn ? xtestPack(args, { cwd }) : await runCli(args, { cwd });
  const how = spawn ? 'xtest-pack (binary)' : 'xtest-pack';
  assert.equal(r.status, 1, `${how} ${args.join(' ')}: exit ${r.status}, stderr ${show(r.stderr)}`);
  assert.equal(r.stdout.length, 0, `${how} ${args.join(' ')} printed ${show(r.stdout.toString('latin1'))}`);
  assertOneLineError(r.stderr);
  for (const m of mentions) assert.ok(r.stderr.includes(m), `stderr ${show(r.stderr)} names ${show(m)}`);
  return r.stderr;
}
let spawnNext = true;
beforeEach(() => {
  spawnNext = true;
});

/** git fails on the same command (the damage is real to git as well). */
function gitFails(args: string[], cwd: string): string {
  const r = gitRaw(args, { cwd });
  assert.notEqual(r.status, 0, `git ${args.join(' ')} succeeded: ${r.stdout.toString('latin1')}`);
  return r.stderr;
}

function open(repo: string, verify = true): Repository {
  return Repository.open(repo, nodeStorage, backend, { verify });
}

describe('damaged objects', () => {
  test('a loose object with overwritten bytes: OBJECT_CORRUPT naming the file and the id', async () => {
    const repo = copyOf();
    const blob = rev(repo, 'HEAD:a.txt');
    const file = loosePath(repo, blob);
    const bytes = readFileSync(file);
    bytes.fill(0xaa, 2, 12);
    writeFileSync(file, bytes);
    gitFails(['cat-file', '-p', blob], repo);
    const r = open(repo);
    try {
      const e = expectError(() => r.odb.get(fromHex(blob)!), 'OBJECT_CORRUPT');
      assert.equal(e.oid, blob);
      assert.equal(e.file, file);
      assert.ok(e.message.includes(blob) && e.message.includes(file), e.message);
    } finally {
      r.close();
    }
    await cliFails(['cat-file', '-p', blob], repo, [blob, file]);
    await cliFails(['cat-file', '-s', 'HEAD:a.txt'], repo, [blob]);
  });

  test('a truncated loose commit: OBJECT_CORRUPT; commands that read it fail', async () => {
    const repo = copyOf();
    const head = rev(repo, 'HEAD');
    const file = loosePath(repo, head);
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
    gitFails(['cat-file', '-p', 'HEAD'], repo);
    gitFails(['ls-tree', 'HEAD'], repo);
    const r = open(repo);
    try {
      const e = expectError(() => r.odb.get(fromHex(head)!), 'OBJECT_CORRUPT');
      assert.equal(e.oid, head);
      assert.equal(e.file, file);
    } finally {
      r.close();
    }
    await cliFails(['cat-file', '-p', 'HEAD'], repo, [head, file]);
    await cliFails(['ls-tree', 'HEAD'], repo, [head]);
  });

  test('a loose object whose header lies about its size or type: OBJECT_CORRUPT', async () => {
    const repo = copyOf();
    // git cat-file refuses a bad type or header, but prints a blob whose size disagrees with its
    // header; xtest-pack refuses all of them (and such an object cannot hash to its id anyway).
    const cases: [string, boolean][] = [
      ['blobx 3\0abc', true],
      ['blob 03\0abc', true],
      ['blob 3abc', true],
      ['blob 99\0abc', false],
      ['blob 2\0abc', false],
    ];
    for (const [i, [content, gitRejects]] of cases.entries()) {
      const hex = `${'e'.repeat(39)}${i}`;
      const file = loosePath(repo, hex);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, backend.deflate(new TextEncoder().encode(content), 6));
      if (gitRejects) gitFails(['cat-file', '-p', hex], repo);
      const r = open(repo);
      try {
        const e = expectError(() => r.odb.get(fromHex(hex)!), 'OBJECT_CORRUPT');
        assert.equal(e.oid, hex, show(content));
        assert.equal(e.file, file);
      } finally {
        r.close();
      }
      const lax = open(repo, false);
      try {
        expectError(() => lax.odb.get(fromHex(hex)!), 'OBJECT_CORRUPT');
      } finally {
        lax.close();
      }
      await cliFails(['cat-file', '-t', hex], repo, [hex]);
    }
  });

  test('an object whose content does not hash to its id: OID_MISMATCH (git fsck: hash-path mismatch)', async () => {
    const repo = copyOf();
    const blob = rev(repo, 'HEAD:a.txt');
    const fake = `${blob.slice(0, 36)}${blob.slice(36) === '0000' ? 'ffff' : '0000'}`;
    const file = loosePath(repo, fake);
    mkdirSync(join(file, '..'), { recursive: true });
    copyFileSync(loosePath(repo, blob), file);
    // git cat-file does not hash what it reads; git fsck does.
    const fsck = gitRaw(['fsck', '--no-dangling'], { cwd: repo });
    assert.notEqual(fsck.status, 0);
    assert.match(fsck.stderr, new RegExp(`${blob}: hash-path mismatch, found at: .*${fake.slice(2)}`));
    const r = open(repo);
    try {
      const e = expectError(() => r.odb.get(fromHex(fake)!), 'OID_MISMATCH');
      assert.equal(e.oid, fake);
      assert.equal(e.file, file);
      assert.ok(e.message.includes(blob), `names the id the content hashes to: ${e.message}`);
    } finally {
      r.close();
    }
    // verify: false opts out, and then the bytes are what the file holds.
    const lax = open(repo, false);
    try {
      assert.equal(new TextDecoder().decode(lax.odb.get(fromHex(fake)!).data), 'a, again\n');
    } finally {
      lax.close();
    }
    await cliFails(['cat-file', '-p', fake], repo, [fake, file]);
    await cliFails(['cat-file', 'blob', fake.slice(0, 38)], repo, [fake]);
  });

  test('cat-file -e is silent and exits 1 for a corrupt, a mismatched, or a missing object', async () => {
    const repo = copyOf();
    const blob = rev(repo, 'HEAD:a.txt');
    const fake = `${blob.slice(0, 36)}${blob.slice(36) === '0000' ? 'ffff' : '0000'}`;
    mkdirSync(join(loosePath(repo, fake), '..'), { recursive: true });
    copyFileSync(loosePath(repo, blob), loosePath(repo, fake));
    const other = rev(repo, 'HEAD:dir/b.txt');
    writeFileSync(loosePath(repo, other), 'not zlib');
    for (const id of [fake, other, '1'.repeat(40)]) {
      const r = await runCli(['cat-file', '-e', id], { cwd: repo });
      assert.equal(r.status, 1, id);
      assert.equal(r.stdout.length, 0);
      assert.equal(r.stderr, '', `cat-file -e ${id} is silent`);
    }
    // git cat-file -e only looks for a loose object's file (it exits 0 for \`other\`); git
    // cat-file -t and fsck find the damage.
    gitFails(['cat-file', '-t', other], repo);
    assert.notEqual(gitRaw(['cat-file', '-e', '1'.repeat(40)], { cwd: repo }).status, 0);
  });
});

describe('damaged refs', () => {
  test('a ref pointing at a missing object: OBJECT_MISSING naming the id', async () => {
    const repo = copyOf();
    const missing = '1234567890123456789012345678901234567890';
    writeFileSync(join(repo, '.git', 'refs', 'heads', 'broken'), `${missing}\n`);
    gitFails(['cat-file', '-t', 'broken'], repo);
    gitFails(['ls-tree', 'broken'], repo);
    const r = open(repo);
    try {
      assert.equal(toHex(r.refs.resolve('refs/heads/broken')!.oid), missing, 'the ref itself reads');
      const e = expectError(() => r.odb.get(fromHex(missing)!), 'OBJECT_MISSING');
      assert.equal(e.oid, missing);
    } finally {
      r.close();
    }
    await cliFails(['cat-file', '-t', 'broken'], repo, [missing]);
    await cliFails(['ls-tree', 'broken'], repo, [missing]);
  });

  test('a ref file holding garbage: REF_CORRUPT naming the file', async () => {
    const repo = copyOf();
    const file = join(repo, '.git', 'refs', 'heads', 'garbage');
    writeFileSync(file, 'this is not an id\n');
    gitFails(['rev-parse', '--verify', 'garbage'], repo);
    const r = open(repo);
    try {
      const e = expectError(() => r.refs.resolve('refs/heads/garbage'), 'REF_CORRUPT');
      assert.equal(e.file, file);
    } finally {
      r.close();
    }
    await cliFails(['rev-parse', 'garbage'], repo, [file]);
  });

  test('a cyclic symbolic ref (a -> b -> a): REF_CORRUPT naming the ref', async () => {
    const repo = copyOf();
    writeFileSync(join(repo, '.git', 'refs', 'heads', 'a'), 'ref: refs/heads/b\n');
    writeFileSync(join(repo, '.git', 'refs', 'heads', 'b'), 'ref: refs/heads/a\n');
    gitFails(['rev-parse', '--verify', 'a'], repo);
    gitFails(['rev-parse', '--verify', 'refs/heads/b'], repo);
    const r = open(repo);
    try {
      const e = expectError(() => r.refs.resolve('refs/heads/a'), 'REF_CORRUPT');
      assert.ok(e.message.includes('refs/heads/a'), e.message);
      expectError(() => resolveRevision({ odb: r.odb, refs: r.refs }, 'b'), 'REF_CORRUPT');
    } finally {
      r.close();
    }
    await cliFails(['rev-parse', 'a'], repo, ['refs/heads/a']);
    await cliFails(['cat-file', '-t', 'refs/heads/b'], repo, ['refs/heads/b']);
  });

  test('a HEAD that is a cyclic symbolic ref: REF_CORRUPT', async () => {
    const repo = copyOf();
    writeFileSync(join(repo, '.git', 'refs', 'heads', 'a'), 'ref: refs/heads/b\n');
    writeFileSync(join(repo, '.git', 'refs', 'heads', 'b'), 'ref: refs/heads/a\n');
    writeFileSync(join(repo, '.git', 'HEAD'), 'ref: refs/heads/a\n');
    gitFails(['rev-parse', '--verify', 'HEAD'], repo);
    await cliFails(['rev-parse', 'HEAD'], repo, ['HEAD']);
  });

  test('symbolic-ref chains resolve up to git\'s depth and no further', async () => {
    const repo = copyOf();
    const head = rev(repo, 'HEAD');
    // r0 -> r1 -> ... -> r6 -> <id>: r6 is an id, r(i) needs 6 - i symbolic steps.
    writeFileSync(join(repo, '.git', 'refs', 'heads', 'r6'), `${head}\n`);
    for (let i = 5; i >= 0; i--) writeFileSync(join(repo, '.git', 'refs', 'heads', `r${i}`), `ref: refs/heads/r${i + 1}\n`);
    const wrong: string[] = [];
    for (let i = 0; i <= 6; i++) {
      const g = gitRaw(['rev-parse', '--verify', '-q', `r${i}`], { cwd: repo });
      const o = await runCli(['rev-parse', `r${i}`], { cwd: repo });
      const gitOk = g.status === 0;
      if (gitOk !== (o.status === 0) || (gitOk && !o.stdout.equals(g.stdout))) {
        wrong.push(`r${i} (${6 - i} symbolic steps): git ${gitOk ? 'resolves it' : 'fails'}, xtest-pack ${o.status === 0 ? 'resolves it' : `fails: ${o.stderr.trim()}`}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('packed-refs with a garbage line: REF_CORRUPT naming packed-refs and the line', async () => {
    for (const garbage of ['garbage line\n', 'zzzz refs/heads/x\n', '# a comment after the first line\n', 'garbage without a newline']) {
      const repo = copyOf();
      git(['pack-refs', '--all'], { cwd: repo });
      const file = join(repo, '.git', 'packed-refs');
      const lines = readFileSync(file, 'utf8').split('\n').length;
      appendFileSync(file, garbage);
      gitFails(['rev-parse', '--verify', 'main'], repo);
      gitFails(['rev-parse', '--verify', 'v1'], repo);
      const r = open(repo);
      try {
        const e = expectError(() => r.refs.resolve('refs/heads/main'), 'REF_CORRUPT');
        assert.equal(e.file, file);
        assert.match(e.message, new RegExp(`line ${lines}\\b`), `names line ${lines}: ${e.message}`);
      } finally {
        r.close();
      }
      await cliFails(['rev-parse', 'main'], repo, [file, `line ${lines}`]);
      await cliFails(['rev-parse', 'HEAD'], repo, [file]);
    }
  });

  test('a loose ref wins over a corrupt packed-refs only where git also does not read it', async () => {
    const repo = copyOf();
    git(['pack-refs', '--all'], { cwd: repo });
    git(['update-ref', 'refs/heads/main', 'HEAD~1'], { cwd: repo }); // loose again
    appendFileSync(join(repo, '.git', 'packed-refs'), 'garbage line\n');
    // Both read the loose ref; both need packed-refs for v1.
    const g = gitRaw(['rev-parse', '--verify', 'refs/heads/main'], { cwd: repo });
    const o = await runCli(['rev-parse', 'refs/heads/main'], { cwd: repo });
    assert.equal(o.status, g.status === 0 ? 0 : 1, `git: ${g.stderr}; ours: ${o.stderr}`);
    if (g.status === 0) assert.deepEqual(o.stdout, g.stdout);
    gitFails(['rev-parse', '--verify', 'v1'], repo);
    await cliFails(['rev-parse', 'v1'], repo, ['packed-refs']);
  });
});

describe('repository format', () => {
  function configured(settings: [string, string][], from = base): string {
    const repo = copyOf(from);
    for (const [k, v] of settings) git(['config', k, v], { cwd: repo });
    return repo;
  }

  test('an unknown extensions.foo in a version 1 repository: UNSUPPORTED_REPOSITORY naming it and the config', async () => {
    const repo = configured([
      ['core.repositoryformatversion', '1'],
      ['extensions.foo', 'bar'],
    ]);
    assert.match(gitFails(['rev-parse', 'HEAD'], repo), /unknown repository extension found:\s*foo/);
    const e = expectError(() => open(repo), 'UNSUPPORTED_REPOSITORY');
    assert.equal(e.file, join(repo, '.git', 'config'));
    assert.match(e.message, /foo/);
    await cliFails(['rev-parse', 'HEAD'], repo, ['foo', join(repo, '.git', 'config')]);
    await cliFails(['ls-tree', '--repo', repo, 'HEAD'], scratch.dir, ['foo']);
  });

  test('an unknown extension in a version 0 repository is ignored, as git ignores it', async () => {
    const repo = configured([['extensions.foo', 'bar']]);
    const g = git(['rev-parse', 'HEAD'], { cwd: repo });
    const o = await runCli(['rev-parse', 'HEAD'], { cwd: repo });
    assert.equal(o.stderr, '');
    assert.deepEqual(o.stdout, g);
  });

  test('extensions.objectFormat in a version 0 repository: UNSUPPORTED_REPOSITORY', async () => {
    const repo = configured([['extensions.objectFormat', 'sha256']]);
    assert.match(gitFails(['rev-parse', 'HEAD'], repo), /v1-only extension found:\s*objectformat/i);
    const e = expectError(() => open(repo), 'UNSUPPORTED_REPOSITORY');
    assert.match(e.message, /objectformat/i);
    assert.equal(e.file, join(repo, '.git', 'config'));
    await cliFails(['rev-parse', 'HEAD'], repo, ['objectformat']);
  });

  test('repository format version 2, and an unknown object format: UNSUPPORTED_REPOSITORY', async () => {
    const v2 = configured([['core.repositoryformatversion', '2']]);
    gitFails(['rev-parse', 'HEAD'], v2);
    expectError(() => open(v2), 'UNSUPPORTED_REPOSITORY');
    await cliFails(['rev-parse', 'HEAD'], v2, ['version']);
    const md5 = configured([
      ['core.repositoryformatversion', '1'],
      ['extensions.objectFormat', 'md5'],
    ]);
    gitFails(['rev-parse', 'HEAD'], md5);
    expectError(() => open(md5), 'UNSUPPORTED_REPOSITORY');
    await cliFails(['rev-parse', 'HEAD'], md5, ['md5']);
  });

  test('extensions git knows in a version 1 repository are accepted', async () => {
    const repo = configured([
      ['core.repositoryformatversion', '1'],
      ['extensions.noop', 'x'],
      ['extensions.objectFormat', 'sha1'],
      ['extensions.worktreeConfig', 'true'],
      ['extensions.preciousObjects', 'true'],
    ]);
    const g = git(['rev-parse', 'HEAD', 'v1^{}'], { cwd: repo });
    const o = await runCli(['rev-parse', 'HEAD', 'v1^{}'], { cwd: repo });
    assert.equal(o.stderr, '');
    assert.deepEqual(o.stdout, g);
  });

  test('a config file git cannot parse: CONFIG_CORRUPT naming the file', async () => {
    const repo = copyOf();
    const file = join(repo, '.git', 'config');
    appendFileSync(file, '[broken\n\tkey = value\n');
    gitFails(['rev-parse', 'HEAD'], repo);
    const e = expectError(() => open(repo), 'CONFIG_CORRUPT');
    assert.equal(e.file, file);
    await cliFails(['rev-parse', 'HEAD'], repo, [file]);
  });
});

describe('revisions', () => {
  /** Find texts whose blob ids share the first `n` hex digits with `target` (or with each other). */
  function blobId(content: string, format: 'sha1' | 'sha256'): string {
    return createHash(format).update(`blob ${Buffer.byteLength(content)}\0${content}`).digest('hex');
  }

  function collidingPair(format: 'sha1' | 'sha256'): [string, string] {
    const seen = new Map<string, string>();
    for (let i = 0; ; i++) {
      const content = `ambiguous ${i}\n`;
      const p = blobId(content, format).slice(0, 4);
      const other = seen.get(p);
      if (other !== undefined) return [other, content];
      seen.set(p, content);
    }
  }

  for (const format of ['sha1', 'sha256'] as const) {
    test(`an ambiguous 4-digit id (${format}): AMBIGUOUS_OID listing both candidates`, async () => {
      const repo = copyOf(format === 'sha1' ? base : base256);
      const ids = collidingPair(format).map((c) => git(['hash-object', '-w', '--stdin'], { cwd: repo, input: c }).toString('utf8').trim());
      const [x, y] = ids as [string, string];
      const prefix = x.slice(0, 4);
      assert.equal(y.slice(0, 4), prefix);
      assert.match(gitFails(['rev-parse', '--verify', prefix], repo), /ambiguous/);
      gitFails(['cat-file', '-t', prefix], repo);
      const r = open(repo);
      try {
        const e = expectError(() => resolveRevision({ odb: r.odb, refs: r.refs }, prefix), 'AMBIGUOUS_OID');
        assert.ok(e.message.includes(x) && e.message.includes(y), `lists both candidates: ${e.message}`);
        expectError(() => r.odb.resolvePrefix(prefix), 'AMBIGUOUS_OID');
        assert.deepEqual(r.odb.findPrefix(prefix), [x, y].sort());
      } finally {
        r.close();
      }
      await cliFails(['rev-parse', prefix], repo, [x, y]);
      await cliFails(['cat-file', '-p', prefix.toUpperCase()], repo, [x, y]);
      // One digit more tells them apart where it differs, as for git.
      let n = 5;
      while (x.slice(0, n) === y.slice(0, n)) n++;
      for (const id of [x, y]) {
        const o = await runCli(['rev-parse', id.slice(0, n)], { cwd: repo });
        assert.equal(o.stdout.toString('utf8'), git(['rev-parse', id.slice(0, n)], { cwd: repo }).toString('utf8'));
      }
    });
  }

  test('an abbreviation shared by a commit and a blob: git picks the commit where one is needed', async () => {
    const repo = copyOf();
    const head = rev(repo, 'HEAD');
    const prefix = head.slice(0, 4);
    let content = '';
    for (let i = 0; ; i++) {
      content = `collides with HEAD ${i}\n`;
      if (blobId(content, 'sha1').startsWith(prefix)) break;
    }
    git(['hash-object', '-w', '--stdin'], { cwd: repo, input: content });
    gitFails(['rev-parse', '--verify', prefix], repo);
    await cliFails(['rev-parse', prefix], repo, [head]);
    // git's object-name.c: with ~, ^ or ^{commit} only commits are candidates; with :path, trees and commits.
    const wrong: string[] = [];
    for (const r of [`${prefix}~0`, `${prefix}^{commit}`, `${prefix}^{tree}`, `${prefix}:a.txt`, `${prefix}~1`]) {
      const g = gitRaw(['rev-parse', '--verify', '-q', r], { cwd: repo });
      const o = await runCli(['rev-parse', r], { cwd: repo });
      if ((g.status === 0) !== (o.status === 0) || !o.stdout.equals(g.stdout)) {
        wrong.push(`${r}: git ${g.status === 0 ? g.stdout.toString('utf8').trim() : 'fails'}, xtest-pack ${o.status === 0 ? o.stdout.toString('utf8').trim() : o.stderr.trim()}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('unknown revisions: UNKNOWN_REVISION naming the revision', async () => {
    const repo = copyOf();
    const r = open(repo);
    // A 7-digit abbreviation no object has.
    let absent = '';
    for (let i = 0; ; i++) {
      absent = `${i.toString(16).padStart(7, '0')}`;
      if (r.odb.findPrefix(absent).length === 0) break;
    }
    const revs = ['nope', 'refs/heads/nope', 'HEAD~5', 'HEAD^2', 'HEAD:nope', 'HEAD:dir/nope', 'HEAD:a.txt/x', 'HEAD^{nope}', 'HEAD^{blob}', 'v1^{tag}^{blob}', 'other~1~1', absent, 'tags/main', 'a.txt'];
    try {
      for (const rv of revs) {
        gitFails(['rev-parse', '--verify', rv], repo);
        const e = expectError(() => resolveRevision({ odb: r.odb, refs: r.refs }, rv), 'UNKNOWN_REVISION');
        assert.ok(e.message.includes(rv), `names ${rv}: ${e.message}`);
      }
    } finally {
      r.close();
    }
    for (const rv of ['nope', 'HEAD~5', 'HEAD:nope', absent]) await cliFails(['rev-parse', rv], repo, [rv]);
    await cliFails(['cat-file', '-p', 'HEAD^{nope}'], repo, ['HEAD^{nope}']);
    await cliFails(['ls-tree', 'nope'], repo, ['nope']);
  });

  test('a full id of a missing object: rev-parse prints it as git does; cat-file fails with OBJECT_MISSING', async () => {
    const repo = copyOf();
    const id = 'f'.repeat(40);
    const o = await runCli(['rev-parse', id], { cwd: repo });
    assert.deepEqual(o.stdout, git(['rev-parse', id], { cwd: repo }));
    gitFails(['cat-file', '-t', id], repo);
    await cliFails(['cat-file', '-t', id], repo, [id]);
  });
});

describe('not a repository', () => {
  test('a directory in no repository: NOT_A_REPOSITORY naming it, opened or discovered', async () => {
    const dir = join(scratch.dir, 'plain', 'deeper');
    mkdirSync(dir, { recursive: true });
    // The oracle: git finds no repository here either.
    gitFails(['rev-parse', '--git-dir'], dir);
    const e = expectError(() => Repository.open(dir, nodeStorage, backend), 'NOT_A_REPOSITORY');
    assert.equal(e.file, dir);
    const d = expectError(() => Repository.discover(dir, nodeStorage, backend), 'NOT_A_REPOSITORY');
    assert.equal(d.file, dir);
    await cliFails(['rev-parse', 'HEAD'], dir, ['not a git repository', dir]);
    await cliFails(['ls-tree', '--repo', dir, 'HEAD'], scratch.dir, [dir]);
  });

  test('a missing directory, and --objects on a missing directory: NOT_A_REPOSITORY', async () => {
    const gone = join(scratch.dir, 'does-not-exist');
    expectError(() => Repository.open(gone, nodeStorage, backend), 'NOT_A_REPOSITORY');
    expectError(() => ObjectDatabase.open(gone, nodeStorage, backend, 'sha1'), 'NOT_A_REPOSITORY');
    await cliFails(['rev-parse', '--repo', gone, 'HEAD'], scratch.dir, [gone]);
    await cliFails(['cat-file', '--objects', gone, '-t', 'f'.repeat(40)], scratch.dir, [gone]);
  });

  test('a .git file that is not a gitfile, or points nowhere: NOT_A_REPOSITORY naming the .git file', async () => {
    for (const content of ['garbage\n', 'gitdir: /nonexistent/place\n']) {
      const dir = join(scratch.dir, `gitfile-${copies++}`);
      mkdirSync(dir);
      writeFileSync(join(dir, '.git'), content);
      gitFails(['rev-parse', 'HEAD'], dir);
      const e = expectError(() => Repository.open(dir, nodeStorage, backend), 'NOT_A_REPOSITORY');
      assert.equal(e.file, join(dir, '.git'));
      await cliFails(['rev-parse', 'HEAD'], dir, [join(dir, '.git')]);
    }
  });

  test('an alternates file naming a missing directory: NOT_A_REPOSITORY naming it (git only warns)', async () => {
    const repo = copyOf();
    const gone = join(scratch.dir, 'no-such-objects');
    writeFileSync(join(repo, '.git', 'objects', 'info', 'alternates'), `${gone}\n`);
    const e = expectError(() => open(repo), 'NOT_A_REPOSITORY');
    assert.equal(e.file, gone);
    await cliFails(['rev-parse', 'HEAD'], repo, [gone]);
  });
});
