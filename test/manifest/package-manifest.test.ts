// The package manifest (xtest-pack.json at a package root): canonical bytes, a round trip for
// random manifests, every malformed field named, and the path rules the helper applies
// (normalization, what is refused, what a listed directory covers).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isXtestPackError } from '../../src/errors.js';
import {
  artifactName,
  decodePackageManifest,
  encodePackageManifest,
  isCovered,
  isPackageManifest,
  normalizePathList,
  normalizeTestPath,
  type PackageManifest,
} from '../../src/manifest/index.js';

const BASE: PackageManifest = {
  name: '@acme/left-pad',
  version: '1.3.0',
  objectFormat: 'sha1',
  commit: 'a'.repeat(40),
  repository: 'https://example.org/acme/left-pad.git',
  directory: 'packages/left-pad',
  paths: ['test/data', 'fixtures'],
  ids: { fixtures: 'b'.repeat(40), 'test/data': 'c'.repeat(40) },
  artifact: 'acme-left-pad-1.3.0.xtest-pack.tar.gz',
  dirty: false,
};

describe('package manifest', () => {
  test('canonical: fixed key order, paths sorted, trailing newline', () => {
    const text = encodePackageManifest(BASE);
    assert.ok(text.endsWith('}\n'));
    assert.deepEqual(Object.keys(JSON.parse(text)), [
      'formatVersion', 'kind', 'name', 'version', 'objectFormat', 'commit', 'repository', 'directory', 'paths', 'ids', 'artifact', 'dirty',
    ]);
    assert.deepEqual(JSON.parse(text).paths, ['fixtures', 'test/data']);
    assert.equal(encodePackageManifest({ ...BASE, paths: ['fixtures', 'test/data/', './fixtures'] }), text);
  });

  test('round trip of random manifests', () => {
    const segment = fc.stringMatching(/^[a-zA-Z0-9_ .é-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((a) => a.join('/'));
    fc.assert(
      fc.property(
        fc.record({
          format: fc.constantFrom('sha1' as const, 'sha256' as const),
          paths: fc.array(path, { maxLength: 6 }),
          dir: fc.option(path, { nil: undefined }),
          repo: fc.option(fc.string(), { nil: undefined }),
          dirty: fc.boolean(),
          nibble: fc.constantFrom(...'0123456789abcdef'),
          withIds: fc.boolean(),
        }),
        (r) => {
          const n = r.format === 'sha1' ? 40 : 64;
          const m: PackageManifest = {
            ...BASE,
            objectFormat: r.format,
            commit: r.nibble.repeat(n),
            paths: r.paths,
            ids: r.withIds ? Object.fromEntries(normalizePathList(r.paths).map((p, i) => [p, (i % 16).toString(16).repeat(n)])) : undefined,
            directory: r.dir ?? '',
            repository: r.repo,
            dirty: r.dirty,
          };
          const text = encodePackageManifest(m);
          const back = decodePackageManifest(text, 'x.json');
          assert.deepEqual(back, { ...m, paths: normalizePathList(m.paths) });
          assert.equal(encodePackageManifest(back), text);
        },
      ),
    );
  });

  test("a pack directory's manifest is not a package's: MANIFEST_CORRUPT naming the file; isPackageManifest tells them apart", () => {
    const text = '{"formatVersion":1,"objectFormat":"sha1","files":[]}';
    assert.throws(
      () => decodePackageManifest(text, 'x.json'),
      (e: unknown) => isXtestPackError(e, 'MANIFEST_CORRUPT') && e.file === 'x.json' && /pack directory/.test(e.message),
    );
    assert.equal(isPackageManifest(text, 'x.json'), false);
    assert.equal(isPackageManifest(encodePackageManifest(BASE), 'x.json'), true);
  });

  for (const [field, value, words] of [
    ['formatVersion', 2, 'formatVersion'],
    ['commit', 'a'.repeat(39), '"commit"'],
    ['commit', 'A'.repeat(40), '"commit"'],
    ['objectFormat', 'md5', '"objectFormat"'],
    ['paths', 'fixtures', '"paths"'],
    ['paths', ['../etc'], 'climbs'],
    ['paths', ['/etc'], 'absolute'],
    ['directory', '../x', 'climbs'],
    ['dirty', 'no', '"dirty"'],
    ['artifact', 3, '"artifact"'],
    ['ids', ['x'], '"ids"'],
    ['ids', { fixtures: 'b'.repeat(40) }, 'exactly the paths'],
    ['ids', { fixtures: 'b'.repeat(40), 'test/data': 'c'.repeat(39) }, '"ids.test/data"'],
  ] as const) {
    test(`refuses ${field} = ${JSON.stringify(value)}, naming the file`, () => {
      const o = JSON.parse(encodePackageManifest(BASE)) as Record<string, unknown>;
      o[field] = value;
      assert.throws(
        () => decodePackageManifest(JSON.stringify(o), '/pkg/xtest-pack.json'),
        (e: unknown) => isXtestPackError(e) && e.code === 'MANIFEST_CORRUPT' && e.message.includes(words) && e.file === '/pkg/xtest-pack.json',
      );
    });
  }

  test('not JSON: one line naming the file', () => {
    assert.throws(
      () => decodePackageManifest('{"kind": "package",', 'm.json'),
      (e: unknown) => isXtestPackError(e) && e.message.startsWith('m.json: ') && !e.message.includes('\n'),
    );
  });

  test('artifact names follow npm pack', () => {
    assert.equal(artifactName('@acme/left-pad', '1.3.0'), 'acme-left-pad-1.3.0.xtest-pack.tar.gz');
    assert.equal(artifactName('xtest-pack', '0.1.0'), 'xtest-pack-0.1.0.xtest-pack.tar.gz');
  });
});

describe('test-data paths', () => {
  test('normalized: ./ and trailing slashes dropped, . components dropped', () => {
    assert.equal(normalizeTestPath('./fixtures/'), 'fixtures');
    assert.equal(normalizeTestPath('a/./b//'), 'a/b');
    assert.equal(normalizeTestPath('naïve name.txt'), 'naïve name.txt');
  });

  for (const [bad, words] of [
    ['', 'empty'],
    ['.', 'empty'],
    ['/abs', 'absolute'],
    ['C:/x', 'absolute'],
    ['a/../../x', 'climbs'],
    ['..', 'climbs'],
    ['a//b', 'empty component'],
    ['a\\b', 'backslash'],
    ['a\0b', 'NUL'],
  ] as const) {
    test(`refused: ${JSON.stringify(bad)}`, () => {
      assert.throws(() => normalizeTestPath(bad), (e: unknown) => isXtestPackError(e) && e.code === 'USAGE' && e.message.includes(words));
    });
  }

  test('a listed directory covers what is below it, not its siblings with a common prefix', () => {
    assert.ok(isCovered('fixtures/a/b.json', ['fixtures']));
    assert.ok(isCovered('fixtures', ['fixtures']));
    assert.ok(!isCovered('fixtures-old/a', ['fixtures']));
    assert.ok(!isCovered('fix', ['fixtures']));
    assert.ok(!isCovered('test', ['test/data']));
  });

  test('lists: sorted by UTF-8 bytes, each once, nothing below a listed directory', () => {
    assert.deepEqual(normalizePathList(['b', 'a/x', 'a', 'a/', 'Z', 'é']), ['Z', 'a', 'b', 'é']);
  });
});
