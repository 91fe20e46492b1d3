// What checkout refuses (git fsck --strict's findings on the commit and the trees on the way)
// is refused before it gets that far, too: export does not write it, status does not pass it
// (exit 1, never 77, telling the packager to report it upstream), and fetch does not ask for its
// blobs. The same hostile objects as test/checkout/fsck.test.ts, git fsck --strict the oracle.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { openTestData } from '../../src/artifact/open.js';
import { exportTestData } from '../../src/export/export.js';
import { planSelection } from '../../src/fetch/selection.js';
import { adviseFor, checkTestDataAt } from '../../src/harness/check.js';
import type { PackageManifest } from '../../src/manifest/index.js';
import { expectError } from '../support/checkout-fs.js';
import { makeCommit, makeObject, makeTree, writeHandPack, type HandObject } from '../support/checkout-objects.js';
import { gitFsckStrict } from '../support/fsck-oracle.js';
import { git, tempDir } from '../support/git.js';

const backend = getBackend();

/** `fixtures/` (in git's order or not, as given) beside a README, and a commit over them. */
function hostile(kind: 'duplicateEntries' | 'badFilemode' | 'hasDotgit' | 'badTimezone') {
  const a = makeObject('sha1', 'blob', 'a\n');
  const entries =
    kind === 'duplicateEntries'
      ? [{ mode: '100644', name: 'a.txt', oid: a.oid }, { mode: '100644', name: 'a.txt', oid: a.oid }]
      : kind === 'badFilemode'
        ? [{ mode: '100664', name: 'a.txt', oid: a.oid }]
        : kind === 'hasDotgit'
          ? [{ mode: '100644', name: '.GIT', oid: a.oid }, { mode: '100644', name: 'a.txt', oid: a.oid }]
          : [{ mode: '100644', name: 'a.txt', oid: a.oid }];
  const inner = makeTree('sha1', entries);
  const readme = makeObject('sha1', 'blob', 'readme\n');
  const root = makeTree('sha1', [
    { mode: '100644', name: 'README', oid: readme.oid },
    { mode: '40000', name: 'fixtures', oid: inner.oid },
  ]);
  const commit =
    kind === 'badTimezone'
      ? makeObject('sha1', 'commit', `tree ${root.hex}\nauthor A U Thor <a@example.com> 1700000000 +00000\ncommitter C O Mitter <c@example.com> 1700000000 +0000\n\nbad zone\n`)
      : makeCommit('sha1', root);
  const objects: HandObject[] = [a, readme, inner, root, commit];
  const flagged = kind === 'badTimezone' ? commit : inner;
  // The oracle: git fsck --strict reports this object with this id.
  const report = gitFsckStrict(objects, 'sha1');
  assert.ok((report.ids.get(flagged.hex) ?? []).includes(kind), `git fsck --strict reports ${kind} for ${flagged.hex}:\n${report.text}`);
  return { objects, commit, root };
}

const code = (kind: string) => (kind === 'hasDotgit' ? 'UNSAFE_PATH' : 'OBJECT_INVALID');
const KINDS = ['duplicateEntries', 'badFilemode', 'hasDotgit', 'badTimezone'] as const;

function manifestFor(commit: string): PackageManifest {
  return { name: 'left-pad', version: '1.0.0', objectFormat: 'sha1', commit, repository: 'https://example.org/left-pad.git', directory: '', paths: ['fixtures'], ids: undefined, artifact: 'left-pad-1.0.0.xtest-pack.tar.gz', dirty: false };
}

describe('what git fsck --strict reports is refused before checkout too', () => {
  for (const kind of KINDS) {
    test(`export of a repository whose commit or tree has ${kind}: refused, nothing written`, () => {
      const t = tempDir('xtest-pack-fsck-export-');
      try {
        const { objects, commit } = hostile(kind);
        const repo = join(t.dir, 'r.git');
        git(['init', '-q', '--bare', repo]);
        writeHandPack(join(repo, 'objects', 'pack'), objects, backend, 'sha1');
        git(['update-ref', 'refs/heads/main', commit.hex], { cwd: repo });
        const out = join(t.dir, 'out');
        const e = expectError(code(kind), () => exportTestData({ repo, rev: 'main', out, pathspecs: ['fixtures'], backend }));
        assert.match(e.message, new RegExp(`${kind}:`));
        assert.equal(existsSync(out), false, 'no output directory');
      } finally {
        t.cleanup();
      }
    });

    test(`status (checkTestDataAt) of test data whose commit or tree has ${kind}: refused, and the advice is to report it upstream`, () => {
      const t = tempDir('xtest-pack-fsck-status-');
      try {
        const { objects, commit } = hostile(kind);
        const dir = join(t.dir, 'data');
        mkdirSync(dir);
        writeHandPack(dir, objects, backend, 'sha1');
        const manifest = manifestFor(commit.hex);
        const e = expectError(code(kind), () => checkTestDataAt(dir, manifest, { backend }));
        assert.match(e.message, new RegExp(`${kind}:`));
        const advised = adviseFor(e, manifest);
        assert.ok(advised instanceof Error);
        assert.match(advised.message, /report it to the package's authors \(https:\/\/example\.org\/left-pad\.git\)/);
        assert.doesNotMatch(advised.message, /again/);
      } finally {
        t.cleanup();
      }
    });

    test(`fetch's plan over a commit or tree with ${kind}: refused before any blob is asked for`, () => {
      const t = tempDir('xtest-pack-fsck-fetch-');
      try {
        const { objects, commit, root } = hostile(kind);
        const dir = join(t.dir, 'data');
        mkdirSync(dir);
        writeHandPack(dir, objects, backend, 'sha1');
        const opened = openTestData(dir, backend);
        try {
          const e = expectError(code(kind), () => planSelection(opened.odb, commit.oid, root.oid, { pathspecs: ['fixtures'], literal: true }));
          assert.match(e.message, new RegExp(`${kind}:`));
        } finally {
          opened.close();
        }
      } finally {
        t.cleanup();
      }
    });
  }

  test('the same paths in a clean tree pass all three (the checks refuse only what git reports)', () => {
    const t = tempDir('xtest-pack-fsck-clean-');
    try {
      const a = makeObject('sha1', 'blob', 'a\n');
      const inner = makeTree('sha1', [{ mode: '100644', name: 'a.txt', oid: a.oid }]);
      const readme = makeObject('sha1', 'blob', 'readme\n');
      const root = makeTree('sha1', [
        { mode: '100644', name: 'README', oid: readme.oid },
        { mode: '40000', name: 'fixtures', oid: inner.oid },
      ]);
      const commit = makeCommit('sha1', root);
      const objects = [a, readme, inner, root, commit];
      assert.equal(gitFsckStrict(objects, 'sha1').ids.size, 0);
      const dir = join(t.dir, 'data');
      mkdirSync(dir);
      writeHandPack(dir, objects, backend, 'sha1');
      assert.equal(checkTestDataAt(dir, manifestFor(commit.hex), { backend, verify: true }).blobs, 1);
      const opened = openTestData(dir, backend);
      try {
        assert.equal(planSelection(opened.odb, commit.oid, root.oid, { pathspecs: ['fixtures'], literal: true }).files.length, 1);
      } finally {
        opened.close();
      }
      const repo = join(t.dir, 'r.git');
      git(['init', '-q', '--bare', repo]);
      writeHandPack(join(repo, 'objects', 'pack'), objects, backend, 'sha1');
      git(['update-ref', 'refs/heads/main', commit.hex], { cwd: repo });
      assert.equal(exportTestData({ repo, rev: 'main', out: join(t.dir, 'out'), pathspecs: ['fixtures'], backend }).manifest.commit, commit.hex);
    } finally {
      t.cleanup();
    }
  });
});
