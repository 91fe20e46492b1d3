// The public surface is deliberate: each entry point exports exactly these names (a change to
// what users can import shows up here), the deprecated root names are the functions they alias,
// and package.json's "exports" name every entry point, each of which loads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as root from '../../src/index.js';

/** The project root (this file is compiled to dist/test/api/). */
const PROJECT = new URL('../../../', import.meta.url);

const ROOT = [
  'MANIFEST_NAME',
  'XtestPackError',
  'artifactName',
  'checkout',
  'checkoutListedSync',
  'checkoutObjects',
  'checkoutObjectsSync',
  'checkoutPack',
  'checkoutPackSync',
  'checkoutSync',
  'decodeExportManifest',
  'decodePackageManifest',
  'encodeExportManifest',
  'encodePackageManifest',
  'exportTestData',
  'getBackend',
  'isXtestPackError',
  'listedTestDataSync',
  'openTestData',
  'readExportManifest',
  'readPackageManifest',
  'status',
  'testData',
  'testDataSync',
];

test('the root entry exports exactly the names a test suite, an author and a packager use', () => {
  assert.deepEqual(Object.keys(root).sort(), ROOT);
});

test('the names kept until 1.0 are the functions they were renamed to', () => {
  assert.equal(root.checkout, root.testData);
  assert.equal(root.checkoutSync, root.testDataSync);
  assert.equal(root.checkoutListedSync, root.listedTestDataSync);
  assert.equal(root.checkoutObjects, root.checkoutPack);
  assert.equal(root.checkoutObjectsSync, root.checkoutPackSync);
});

test("package.json's exports: every entry point loads, the pack layer holds no internal helpers", async () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', PROJECT), 'utf8')) as { exports: Record<string, string | { default: string }> };
  const entries = Object.entries(pkg.exports).filter(([k]) => k !== './package.json');
  assert.deepEqual(entries.map(([k]) => k).sort(), ['.', './backend', './browser', './harness', './jest', './jest/setup', './mocha', './odb', './pack', './vitest']);
  for (const [name, target] of entries) {
    const file = typeof target === 'string' ? target : target.default;
    if (file.endsWith('.cjs')) continue; // CommonJS for jest's sandbox: loaded by the example package's jest run
    const m = (await import(new URL(file, PROJECT).href)) as Record<string, unknown>;
    assert.ok(Object.keys(m).length > 0, `${name} exports nothing`);
  }
  const pack = (await import(new URL('dist/src/pack/index.js', PROJECT).href)) as Record<string, unknown>;
  for (const internal of ['ByteReader', 'ByteWriter', 'indexPackToIdx', 'searchIds']) assert.ok(!(internal in pack), `xtest-pack/pack exports ${internal}`);
});

test('xtest-pack/browser: the pack layer, the objects and object database, the portable backend, a pack directory over HTTP; no Node backend', async () => {
  const browser = (await import(new URL('dist/src/browser/index.js', PROJECT).href)) as Record<string, unknown>;
  const pack = (await import(new URL('dist/src/pack/index.js', PROJECT).href)) as Record<string, unknown>;
  for (const name of Object.keys(pack)) assert.equal(browser[name], pack[name], `xtest-pack/browser lacks ${name} of xtest-pack/pack`);
  const own = Object.keys(browser).filter((n) => !(n in pack)).sort();
  assert.deepEqual(own, [
    'MODE_BLOB',
    'MODE_EXECUTABLE',
    'MODE_GITLINK',
    'MODE_SYMLINK',
    'MODE_TREE',
    'ObjectDatabase',
    'XtestPackError',
    'createPortableBackend',
    'decodeExportManifest',
    'encodeExportManifest',
    'fetchPackDirectory',
    'isXtestPackError',
    'memoryStorage',
    'parseCommit',
    'parseTag',
    'parseTree',
    'readFiles',
    'serializeCommit',
    'serializeTag',
    'serializeTree',
    'walkTree',
  ]);
  assert.equal(browser['XtestPackError'], root.XtestPackError, 'one error class for every entry point');
});
