// Reading the package a fetch is for: a directory or an npm tarball read in place, its
// manifest, npm's repository forms and `directory`; and how the package and the options make
// the plan (what is fetched, from where, under which artifact name).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { encodeTarGz } from '../../src/artifact/encode.js';
import { planFetch } from '../../src/fetch/fetch-test-data.js';
import { hasPackageManifest, readPackageSource } from '../../src/fetch/package-source.js';
import { encodePackageManifest, type PackageManifest } from '../../src/manifest/index.js';
import { scratchDir } from '../support/repos.js';

const backend = getBackend();
const enc = new TextEncoder();
const COMMIT = 'a'.repeat(40);

const manifest: PackageManifest = {
  name: '@acme/left-pad',
  version: '1.3.0',
  objectFormat: 'sha1',
  commit: COMMIT,
  repository: 'git+https://github.com/acme/mono.git',
  directory: 'packages/left-pad',
  paths: ['data/table.bin', 'fixtures'],
  ids: { 'data/table.bin': 'b'.repeat(40), fixtures: 'c'.repeat(40) },
  artifact: 'acme-left-pad-1.3.0.xtest-pack.tar.gz',
  dirty: false,
};

const packageJson = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: '@acme/left-pad', version: '1.3.0', repository: { type: 'git', url: 'https://github.com/acme/mono', directory: 'packages/left-pad' }, ...extra });

test('an npm tarball, read in place: package/xtest-pack.json and package/package.json', () => {
  const tgz = join(scratchDir('xtest-pack-pkg-'), 'left-pad-1.3.0.tgz');
  writeFileSync(
    tgz,
    encodeTarGz([
      { path: 'package/package.json', type: 'file', mode: 0o644, data: enc.encode(packageJson()) },
      { path: 'package/xtest-pack.json', type: 'file', mode: 0o644, data: enc.encode(encodePackageManifest(manifest)) },
      { path: 'package/index.js', type: 'file', mode: 0o644, data: enc.encode('') },
    ]),
  );
  const pkg = readPackageSource(tgz, backend);
  assert.deepEqual(pkg.manifest, manifest);
  assert.equal(pkg.repository, 'https://github.com/acme/mono');
  assert.equal(pkg.directory, 'packages/left-pad');
  const plan = planFetch({ package: tgz, backend }, '/');
  assert.equal(plan.url, 'git+https://github.com/acme/mono.git', "the manifest's repository first");
  assert.equal(plan.rev, COMMIT);
  assert.deepEqual(plan.selection, { pathspecs: ['packages/left-pad/data/table.bin', 'packages/left-pad/fixtures'], literal: true });
  assert.deepEqual(plan.knownIds, ['b'.repeat(40), 'c'.repeat(40)]);
  assert.equal(plan.repository, manifest.repository);
  assert.equal(plan.artifact, manifest.artifact);
  // --rev elsewhere: the ids are another commit's, not sent.
  assert.deepEqual(planFetch({ package: tgz, rev: 'd'.repeat(40), backend }, '/').knownIds, []);
});

test('a package that never adopted xtest-pack: repository and directory from package.json, the commit and paths given', () => {
  const dir = scratchDir('xtest-pack-pkg-');
  writeFileSync(join(dir, 'package.json'), packageJson());
  assert.equal(hasPackageManifest(dir), false);
  assert.throws(() => planFetch({ package: dir, backend }, '/'), { code: 'USAGE' });
  assert.throws(() => planFetch({ package: dir, rev: COMMIT, backend }, '/'), { code: 'USAGE' });
  const plan = planFetch({ package: dir, rev: COMMIT, pathspecs: ['test/data'], backend }, '/');
  assert.equal(plan.url, 'https://github.com/acme/mono');
  assert.deepEqual(plan.selection, { pathspecs: ['packages/left-pad/test/data'], literal: true });
  assert.equal(plan.artifact, 'acme-left-pad-1.3.0.xtest-pack.tar.gz');
  assert.equal(plan.repository, 'https://github.com/acme/mono');
  assert.deepEqual(plan.knownIds, []);
});

test('npm repository forms: a string, github: shorthand; credentials never recorded', () => {
  const dir = scratchDir('xtest-pack-pkg-');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', repository: 'github:acme/x' }));
  assert.equal(planFetch({ package: dir, rev: COMMIT, pathspecs: ['t'], backend }, '/').url, 'github:acme/x');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', repository: { url: 'https://me:tok@example.com/x.git' } }));
  assert.equal(planFetch({ package: dir, rev: COMMIT, pathspecs: ['t'], backend }, '/').repository, 'https://example.com/x.git');
});

test('no package: the URL, commit and pathspecs as export takes them (globs, from the root)', () => {
  const plan = planFetch({ url: 'https://h/r.git', rev: COMMIT, pathspecs: ['t/*.json'], backend }, '/');
  assert.deepEqual(plan.selection, { pathspecs: ['t/*.json'], literal: false });
  assert.equal('repository' in plan, false, 'found as export finds it');
  assert.throws(() => planFetch({ rev: COMMIT, pathspecs: ['t'], backend }, '/'), { code: 'USAGE' });
});

test('not a package; a hostile tarball; a package.json that is not JSON', () => {
  const dir = scratchDir('xtest-pack-pkg-');
  mkdirSync(join(dir, 'empty'));
  assert.throws(() => readPackageSource(join(dir, 'empty'), backend), { code: 'PACKAGE_INVALID' });
  assert.throws(() => readPackageSource(join(dir, 'nothing-here'), backend), { code: 'PACKAGE_INVALID' });
  writeFileSync(join(dir, 'bad.tgz'), enc.encode('not gzip'));
  assert.throws(() => readPackageSource(join(dir, 'bad.tgz'), backend), { code: 'ARCHIVE_CORRUPT' });
  mkdirSync(join(dir, 'p'));
  writeFileSync(join(dir, 'p', 'package.json'), '{');
  assert.throws(() => readPackageSource(join(dir, 'p'), backend), { code: 'PACKAGE_INVALID' });
  writeFileSync(join(dir, 'p', 'package.json'), JSON.stringify({ name: 'x', repository: { url: 'u', directory: '../up' } }));
  assert.throws(() => readPackageSource(join(dir, 'p'), backend), { code: 'PACKAGE_INVALID' });
});
