// The export manifest (xtest-pack.json in a pack directory): a round trip for random manifests
// (canonical bytes, each file once, sorted by UTF-8 bytes), every malformed field refused with
// MANIFEST_CORRUPT naming the file and the field, and the command line's exit 1 for it.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isXtestPackError } from '../../src/errors.js';
import {
  comparePathBytes,
  decodeExportManifest,
  encodeExportManifest,
  readExportManifest,
  type ExportManifest,
} from '../../src/manifest/index.js';
import { xtestPack } from '../support/cli.js';
import { git } from '../support/git.js';
import { scratchDir } from '../support/repos.js';

const ID = 'a'.repeat(40);
const BASE: ExportManifest = {
  formatVersion: 1,
  objectFormat: 'sha1',
  commit: ID,
  tree: 'b'.repeat(40),
  repository: 'https://example.org/r.git',
  pathspecs: ['fixtures'],
  files: [{ path: 'fixtures/a.json', mode: '100644', oid: 'c'.repeat(40) }],
};

describe('export manifest', () => {
  test('round trip: decode(encode(m)) is m in canonical form, and encodes to the same text', () => {
    const pathArb = fc.stringMatching(/^[a-zé😀*?[\]]{1,6}(\/[a-z0-9é😀]{1,6}){0,3}$/);
    fc.assert(
      fc.property(
        fc.constantFrom<'sha1' | 'sha256'>('sha1', 'sha256'),
        fc.array(fc.tuple(pathArb, fc.constantFrom('100644', '100755', '120000', '160000'), fc.constantFrom(...'0123456789abcdef')), { maxLength: 12 }),
        fc.array(pathArb, { maxLength: 4 }),
        fc.option(fc.string(), { nil: undefined }),
        (format, files, pathspecs, repository) => {
          const n = format === 'sha1' ? 40 : 64;
          const m: ExportManifest = {
            ...BASE,
            objectFormat: format,
            commit: '1'.repeat(n),
            tree: '2'.repeat(n),
            repository,
            pathspecs,
            files: files.map(([path, mode, nibble]) => ({ path, mode, oid: nibble.repeat(n) })),
          };
          const text = encodeExportManifest(m);
          const back = decodeExportManifest(text, 'm.json');
          assert.equal(encodeExportManifest(back), text);
          const paths = back.files.map((f) => f.path);
          assert.deepEqual(paths, [...new Set(files.map(([p]) => p))].sort(comparePathBytes));
          assert.deepEqual(back.pathspecs, [...new Set(pathspecs)].sort(comparePathBytes));
          // The last entry given for a path wins.
          for (const f of back.files) assert.equal(f.oid, [...m.files].reverse().find((g) => g.path === f.path)!.oid);
        },
      ),
      { numRuns: 200 },
    );
  });

  for (const [what, patch, field] of [
    ['not JSON', () => '{not json', 'not JSON'],
    ['an array', () => '[]', 'not a JSON object'],
    ["a package's manifest", (o: Record<string, unknown>) => ({ ...o, kind: 'package' }), "package's"],
    ['an unknown kind', (o: Record<string, unknown>) => ({ ...o, kind: 'other' }), '"kind"'],
    ['format version 2', (o: Record<string, unknown>) => ({ ...o, formatVersion: 2 }), '"formatVersion"'],
    ['object format md5', (o: Record<string, unknown>) => ({ ...o, objectFormat: 'md5' }), '"objectFormat"'],
    ['a short commit', (o: Record<string, unknown>) => ({ ...o, commit: 'a'.repeat(39) }), '"commit"'],
    ['an upper-case tree', (o: Record<string, unknown>) => ({ ...o, tree: 'B'.repeat(40) }), '"tree"'],
    ['a sha256 id in a sha1 manifest', (o: Record<string, unknown>) => ({ ...o, commit: 'a'.repeat(64) }), '"commit"'],
    ['a numeric repository', (o: Record<string, unknown>) => ({ ...o, repository: 3 }), '"repository"'],
    ['pathspecs not strings', (o: Record<string, unknown>) => ({ ...o, pathspecs: [1] }), '"pathspecs"'],
    ['files not an array', (o: Record<string, unknown>) => ({ ...o, files: {} }), '"files"'],
    ['a file that is not an object', (o: Record<string, unknown>) => ({ ...o, files: ['x'] }), '"files[0]"'],
    ['an empty path', (o: Record<string, unknown>) => ({ ...o, files: [{ path: '', mode: '100644', oid: ID }] }), '"files[0].path"'],
    ['mode 040000', (o: Record<string, unknown>) => ({ ...o, files: [{ path: 'a', mode: '040000', oid: ID }] }), '"files[0].mode"'],
    ['a bad file id', (o: Record<string, unknown>) => ({ ...o, files: [{ path: 'a', mode: '100644', oid: 'x' }] }), '"files[0].oid"'],
  ] as const) {
    test(`${what}: MANIFEST_CORRUPT, one line naming the file and ${field}`, () => {
      const o = JSON.parse(encodeExportManifest(BASE)) as Record<string, unknown>;
      const r = (patch as (o: Record<string, unknown>) => unknown)(o);
      const text = typeof r === 'string' ? r : JSON.stringify(r);
      assert.throws(
        () => decodeExportManifest(text, 'dir/xtest-pack.json'),
        (e: unknown) => isXtestPackError(e, 'MANIFEST_CORRUPT') && e.file === 'dir/xtest-pack.json' && e.message.includes(field) && !e.message.includes('\n'),
      );
    });
  }

  test('readExportManifest: undefined without a manifest; the command line exits 1 (not 2) for a malformed one', () => {
    const dir = scratchDir('xtest-pack-manifest-');
    mkdirSync(join(dir, 'packs'));
    assert.equal(readExportManifest(join(dir, 'packs')), undefined);
    const repo = join(dir, 'repo');
    git(['init', '-q', repo]);
    writeFileSync(join(repo, 'a.txt'), 'a\n');
    git(['-C', repo, 'add', 'a.txt']);
    git(['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', 'a']);
    const exported = xtestPack(['export', '--repo', repo, '--out', join(dir, 'packs'), 'a.txt']);
    assert.equal(exported.status, 0, exported.stderr);
    writeFileSync(join(dir, 'packs', 'xtest-pack.json'), '{not json');
    const r = xtestPack(['checkout', '--objects', join(dir, 'packs'), '--out', join(dir, 'out'), ID]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^xtest-pack: .*xtest-pack\.json: not JSON \(.*\)\n$/);
  });
});
