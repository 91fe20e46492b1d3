// With the node backend, the test path loads Node's built-ins and nothing else: a published
// package whose node_modules holds xtest-pack alone (no pako, no @noble/hashes, no commander,
// as a distribution that packages only what a test run needs) gets its test data from the
// artifact through the helper and the runner adapters' common code, and checks out with
// checkoutPackSync. Choosing the portable backend there is one ENVIRONMENT error naming the
// packages it needs.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { cleanEnv, examplePackage, packTar, publishedCopy, spawnNode } from '../support/example-package.js';
import { PROJECT_ROOT, scratchDir } from '../support/repos.js';

const T = { timeout: 60_000 };
let pkg = '';
let artifact = '';

before(() => {
  const { repo } = examplePackage();
  artifact = packTar(repo);
  pkg = publishedCopy(repo);
  // node_modules: xtest-pack's compiled code and package.json, and nothing else.
  rmSync(join(pkg, 'node_modules'), { recursive: true, force: true });
  const self = join(pkg, 'node_modules', 'xtest-pack');
  mkdirSync(self, { recursive: true });
  cpSync(join(PROJECT_ROOT, 'package.json'), join(self, 'package.json'));
  cpSync(join(PROJECT_ROOT, 'dist', 'src'), join(self, 'dist', 'src'), { recursive: true });
});

const SCRIPT = `
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
for (const name of ['pako', '@noble/hashes/legacy.js', 'commander']) {
  let found = true;
  try { require.resolve(name, { paths: [require.resolve('xtest-pack')] }); } catch { found = false; }
  if (found) throw new Error(name + ' is installed: this test proves nothing');
}
const { status, testDataSync, checkoutPackSync, getBackend } = await import('xtest-pack');
const { prepareTestData } = await import('xtest-pack/dist/src/harness/adapters/common.js').catch(() => import(new URL('./node_modules/xtest-pack/dist/src/harness/adapters/common.js', import.meta.url).href));
const st = status(process.cwd());
const data = testDataSync(['fixtures'], { from: process.cwd() });
const shared = prepareTestData(process.cwd());
const out = process.argv[2];
const r = checkoutPackSync({ objects: process.env.XTEST_PACK_OBJECTS, oid: st.paths.length ? JSON.parse(readFileSync('xtest-pack.json', 'utf8')).commit : '', out, pathspecs: ['fixtures/text'], backend: getBackend() });
console.log(JSON.stringify({ mode: st.mode, data: data.mode, shared: shared.mode, files: r.files.length, backend: getBackend().name }));
`;

test('status, testDataSync, the adapters and checkoutPackSync run with xtest-pack alone in node_modules (node backend)', T, async () => {
  writeFileSync(join(pkg, 'no-deps.mjs'), SCRIPT);
  const out = join(scratchDir('xtest-pack-nodeps-out-'), 'o');
  const r = await spawnNode(['no-deps.mjs', out], { cwd: pkg, env: cleanEnv({ XTEST_PACK_OBJECTS: artifact, XTEST_PACK_TMPDIR: scratchDir('xtest-pack-nodeps-tmp-'), XTEST_PACK_BACKEND: '' }) });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const got = JSON.parse(r.stdout) as { mode: string; data: string; shared: string; files: number; backend: string };
  assert.deepEqual({ ...got, files: got.files > 0 }, { mode: 'pack', data: 'pack', shared: 'pack', files: true, backend: 'node' });
});

test('the portable backend without its packages: one ENVIRONMENT error naming pako and @noble/hashes', T, async () => {
  writeFileSync(
    join(pkg, 'portable.mjs'),
    `const { testDataSync } = await import('xtest-pack');
try { testDataSync(['fixtures'], { from: process.cwd() }); console.log('loaded'); }
catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
  );
  const r = await spawnNode(['portable.mjs'], { cwd: pkg, env: cleanEnv({ XTEST_PACK_OBJECTS: artifact, XTEST_PACK_TMPDIR: scratchDir('xtest-pack-nodeps-tmp-'), XTEST_PACK_BACKEND: 'portable' }) });
  assert.equal(r.status, 0, r.stderr);
  const e = JSON.parse(r.stdout) as { code: string; message: string };
  assert.equal(e.code, 'ENVIRONMENT', e.message);
  assert.match(e.message, /pako/);
  assert.match(e.message, /@noble\/hashes/);
  assert.doesNotMatch(e.message, /\n/);
});
