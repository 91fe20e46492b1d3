// The index file (src/odb/index-file.ts, index-read.ts) against git on the indexes of
// fixtures/scripts/index-repos.sh: versions 2, 3 and 4, SHA-1 and SHA-256, conflict stages,
// assume-unchanged, skip-worktree and intent-to-add, a name longer than 0xFFF bytes, the TREE,
// REUC, UNTR and EOIE extensions, a split index and a sparse index. Every field of every entry
// is compared with `git ls-files -s --debug -z`, the flags with `git ls-files -v`; every index
// is re-encoded byte for byte; a damaged one is refused.
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { nodeStorage } from '../../src/fs/node-storage.js';
import { decodeIndex, encodeIndex, MODE_SPARSE_DIRECTORY, type IndexEntry } from '../../src/odb/index-file.js';
import { readIndex } from '../../src/odb/index-read.js';
import { Repository } from '../../src/odb/repository.js';
import { toHex, type ObjectFormat } from '../../src/pack/oid.js';
import { git, tempDir } from '../support/git.js';
import { runScript } from '../support/odb-repos.js';

const backend = getBackend();
const t = tempDir('xtest-pack-index-');
after(() => t.cleanup());
runScript('index-repos', [t.dir]);

/** Each repository of the script: its object format, index version and extensions as written. */
const REPOS: Record<string, { format: ObjectFormat; version: number; extensions: string[] }> = {
  plain: { format: 'sha1', version: 2, extensions: ['TREE'] },
  plain4: { format: 'sha1', version: 4, extensions: ['TREE'] },
  flags: { format: 'sha1', version: 3, extensions: ['TREE'] },
  flags4: { format: 'sha1', version: 4, extensions: ['TREE'] },
  conflict: { format: 'sha1', version: 2, extensions: ['TREE', 'REUC'] },
  exts: { format: 'sha1', version: 2, extensions: ['TREE', 'UNTR', 'EOIE'] },
  split: { format: 'sha1', version: 2, extensions: ['link', 'TREE'] },
  split4: { format: 'sha1', version: 4, extensions: ['link', 'TREE'] },
  cone: { format: 'sha1', version: 3, extensions: ['TREE'] },
  sparse: { format: 'sha1', version: 3, extensions: ['TREE', 'sdir'] },
  sha256: { format: 'sha256', version: 3, extensions: ['TREE'] },
  'sha256-4': { format: 'sha256', version: 4, extensions: ['TREE'] },
  cone256: { format: 'sha256', version: 3, extensions: ['TREE'] },
  sparse256: { format: 'sha256', version: 3, extensions: ['TREE', 'sdir'] },
};

const dir = (name: string) => join(t.dir, name);
const indexBytes = (name: string) => readFileSync(join(dir(name), '.git', 'index'));
const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/** The on-disk flag bits git keeps in ce_flags: assume-valid, stage, skip-worktree, intent-to-add. */
const DISK_FLAGS = 0x8000 | 0x3000 | 0x40000000 | 0x20000000;

/** An entry as `git ls-files -s --debug` shows it (names as latin1 of their bytes). */
function gitEntries(name: string, sparse = false): string[] {
  const out = git(['ls-files', '-s', '--debug', '-z', ...(sparse ? ['--sparse'] : [])], { cwd: dir(name) }).toString('latin1');
  const re = /(\d{6}) ([0-9a-f]+) (\d)\t([^\0]*)\0 {2}ctime: (\d+):(\d+)\n {2}mtime: (\d+):(\d+)\n {2}dev: (\d+)\tino: (\d+)\n {2}uid: (\d+)\tgid: (\d+)\n {2}size: (\d+)\tflags: ([0-9a-f]+)\n/gy;
  const rows: string[] = [];
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(out)) !== null) {
    const [, mode, oid, stage, path, cs, cn, ms, mn, dev, ino, uid, gid, size, flags] = m;
    rows.push([mode, oid, stage, path, cs, cn, ms, mn, dev, ino, uid, gid, size, (parseInt(flags!, 16) & DISK_FLAGS) >>> 0].join(' '));
    end = re.lastIndex;
  }
  assert.equal(end, out.length, `unparsed ls-files output of ${name}`);
  return rows;
}

function ours(e: IndexEntry): string {
  const flags = (e.assumeValid ? 0x8000 : 0) | (e.stage << 12) | (e.skipWorktree ? 0x40000000 : 0) | (e.intentToAdd ? 0x20000000 : 0);
  return [
    e.mode.toString(8).padStart(6, '0'),
    toHex(e.oid),
    e.stage,
    latin1(e.pathBytes),
    e.ctimeSeconds,
    e.ctimeNanoseconds,
    e.mtimeSeconds,
    e.mtimeNanoseconds,
    e.dev,
    e.ino,
    e.uid,
    e.gid,
    e.size,
    flags >>> 0,
  ].join(' ');
}

/** `git ls-files -v` tags: H cached, S skip-worktree, M unmerged; lower case when assume-unchanged. */
function ourTag(e: IndexEntry): string {
  const tag = e.stage !== 0 ? 'M' : e.skipWorktree ? 'S' : 'H';
  return `${e.assumeValid ? tag.toLowerCase() : tag} ${latin1(e.pathBytes)}`;
}

describe('decodeIndex and readIndex against git ls-files', () => {
  for (const [name, want] of Object.entries(REPOS)) {
    describe(name, () => {
      const bytes = indexBytes(name);
      const file = decodeIndex(bytes, want.format, backend, { file: `${name}/.git/index` });
      const repo = Repository.open(dir(name), nodeStorage, backend);
      after(() => repo.close());

      test('version, object format and extensions as written', () => {
        assert.equal(file.version, want.version);
        assert.equal(file.format, want.format);
        assert.equal(repo.format, want.format);
        assert.deepEqual(file.extensions.map((x) => x.signature), want.extensions);
        assert.equal(file.sparse, want.extensions.includes('sdir'));
        assert.equal(file.link !== undefined, want.extensions.includes('link'));
      });

      test('readIndex: every field of every entry as git ls-files -s --debug', () => {
        assert.deepEqual(readIndex(repo).entries.map(ours), gitEntries(name));
      });

      test('the flags as git ls-files -v', () => {
        const tags = git(['ls-files', '-v', '-z'], { cwd: dir(name) }).toString('latin1').split('\0').filter((x) => x !== '');
        assert.deepEqual(readIndex(repo).entries.map(ourTag), tags);
      });

      if (file.sparse) {
        test('the file itself: directory entries as git ls-files --sparse', () => {
          assert.deepEqual(file.entries.map(ours), gitEntries(name, true));
          assert.ok(file.entries.some((e) => e.mode === MODE_SPARSE_DIRECTORY));
          const collapsed = readIndex(repo, { expandSparse: false });
          assert.ok(collapsed.isSkipWorktree('dir2/sub/f.txt'));
          assert.ok(!collapsed.isSkipWorktree('dir1/sub/f.txt'));
        });
      } else if (file.link === undefined) {
        test('the file itself is what readIndex returns', () => {
          assert.deepEqual(file.entries.map(ours), readIndex(repo).entries.map(ours));
        });
      }

      test('encodeIndex gives back the same bytes', () => {
        const again = encodeIndex({ version: file.version, format: file.format, entries: file.entries, extensions: file.extensions }, backend);
        assert.ok(Buffer.from(again).equals(bytes));
      });

      test('without its checksum (index.skipHash) the same entries; with a damaged checksum refused', () => {
        const noHash = encodeIndex({ version: file.version, format: file.format, entries: file.entries, extensions: file.extensions, skipHash: true }, backend);
        assert.deepEqual(decodeIndex(noHash, want.format, backend).entries.map(ours), file.entries.map(ours));
        const damaged = Uint8Array.from(bytes);
        damaged[damaged.length - 1]! ^= 1;
        assert.throws(() => decodeIndex(damaged, want.format, backend), (e: unknown) => e instanceof XtestPackError && e.code === 'CHECKSUM_MISMATCH');
      });

      test('read with the other object format: refused', () => {
        assert.throws(
          () => decodeIndex(bytes, want.format === 'sha1' ? 'sha256' : 'sha1', backend),
          (e: unknown) => e instanceof XtestPackError && (e.code === 'CHECKSUM_MISMATCH' || e.code === 'INDEX_CORRUPT'),
        );
      });
    });
  }
});

describe('RepositoryIndex', () => {
  test('flags: find, isSkipWorktree, intent-to-add, directoryStatus', () => {
    const repo = Repository.open(dir('flags'), nodeStorage, backend);
    const index = readIndex(repo);
    assert.equal(index.find('a/b/ab.txt')?.skipWorktree, true);
    assert.equal(index.isSkipWorktree('a/b/ab.txt'), true);
    assert.equal(index.isSkipWorktree('a/a.txt'), false);
    assert.equal(index.find('a/a.txt')?.assumeValid, true);
    assert.equal(index.find('ita.txt')?.intentToAdd, true);
    assert.equal(index.find('ünï/ç.txt')?.mode, 0o100644);
    assert.equal(index.find('link')?.mode, 0o120000);
    assert.equal(index.find('run.sh')?.mode, 0o100755);
    assert.equal(index.directoryStatus('a/b'), 'directory');
    assert.equal(index.directoryStatus('sub/module'), 'gitlink');
    assert.equal(index.directoryStatus('top.txt'), undefined);
    const long = index.entries.find((e) => e.path.endsWith('/long-file.txt'));
    assert.ok(long && long.pathBytes.length > 0xfff, 'a name longer than the flags can say');
    repo.close();
  });

  test('cone: skip-worktree exactly where git ls-files -v says S', () => {
    const repo = Repository.open(dir('cone'), nodeStorage, backend);
    const index = readIndex(repo);
    const s = git(['ls-files', '-v', '-z'], { cwd: dir('cone') }).toString('utf8').split('\0').filter((x) => /^[Ss] /.test(x)).map((x) => x.slice(2));
    assert.deepEqual(index.entries.filter((e) => index.isSkipWorktree(e.path)).map((e) => e.path), s);
    assert.ok(s.includes('dir2/f.txt') && !s.includes('dir1/f.txt'));
    repo.close();
  });

  test('no index file: an empty index, as for git', () => {
    const d = join(t.dir, 'fresh');
    git(['init', '-q', d]);
    const repo = Repository.open(d, nodeStorage, backend);
    assert.deepEqual(readIndex(repo).entries, []);
    repo.close();
  });

  test('a split index whose shared index is gone: INDEX_CORRUPT naming the index', () => {
    const d = join(t.dir, 'split-broken');
    cpSync(dir('split'), d, { recursive: true, verbatimSymlinks: true });
    const shared = readdirSync(join(d, '.git')).filter((n) => n.startsWith('sharedindex.'));
    assert.equal(shared.length, 1);
    rmSync(join(d, '.git', shared[0]!));
    const repo = Repository.open(d, nodeStorage, backend);
    assert.throws(() => readIndex(repo), (e: unknown) => e instanceof XtestPackError && e.code === 'INDEX_CORRUPT' && e.file === join(d, '.git', 'index'));
    repo.close();
  });
});
