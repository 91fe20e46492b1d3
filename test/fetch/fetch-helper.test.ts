// XTEST_PACK_FETCH=1 and package-test --tarball: where a published package's test data are not
// there and no artifact is named, the helper fetches them from the repository its manifest
// names (once per commit, into its private cache; later calls and processes reuse it), and
// `xtest-pack status` fetches and checks them; without the variable nothing touches the
// network and the unavailable message names both ways to get the data. A fetch that fails is
// one line naming the URL, and leaves nothing in the cache. `package-test --tarball <tgz>
// --fetch` runs a published tarball's tests on fetched data. Servers on 127.0.0.1 only.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { isXtestPackError } from '../../src/errors.js';
import { status, testDataSync } from '../../src/harness/helper.js';
import { materializationsDirectory } from '../../src/harness/materialize.js';
import { assertCommittedFiles, cleanEnv, cli, nodeTestFiles, publishedCopy } from '../support/example-package.js';
import { servedRepos } from '../support/fetch-served.js';
import { serveInChild } from '../support/served-child.js';
import { emptyEnv } from '../support/fetch-client.js';
import { scratchDir } from '../support/repos.js';

const T = { timeout: 120_000 };
/** The server runs in a child process: the code under test blocks this one while it fetches. */
const serve = () => serveInChild(servedRepos().root);
const backend = getBackend();

/** A published copy of the example package whose manifest names `url` as its repository. */
function publishedFrom(url: string): string {
  const dir = publishedCopy(servedRepos().example.workTree);
  const file = join(dir, 'xtest-pack.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, `${JSON.stringify({ ...m, repository: url }, null, 2)}\n`);
  return dir;
}

describe('XTEST_PACK_FETCH=1', () => {
  test('the helper fetches once into its cache and runs in pack mode; a second call reuses it', T, async () => {
    const server = await serve();
    const pkg = publishedFrom(server.url(servedRepos().example.name));
    const tmp = scratchDir('xtest-pack-fetch-helper-tmp-');
    const env = { ...emptyEnv(), XTEST_PACK_FETCH: '1', XTEST_PACK_TMPDIR: tmp };
    const st = status(pkg, { env });
    assert.equal(st.mode, 'pack');
    assert.equal(st.fetch, true);
    assert.equal(await server.requests(), 0, 'status() alone does not touch the network');
    const data = testDataSync(['fixtures', 'data/table.bin'], { from: pkg, env, backend });
    assert.equal(data.mode, 'pack');
    assertCommittedFiles(data.root, servedRepos().example.workTree, { except: ['.xtest-pack-complete'] });
    const asked = await server.requests();
    assert.ok(asked >= 2 && asked <= 4, `${asked} requests`);
    const again = testDataSync(['fixtures'], { from: pkg, env, backend });
    assert.equal(again.root, data.root);
    assert.equal(await server.requests(), asked, 'the second call fetched again');
    const cached = readdirSync(materializationsDirectory(tmp));
    assert.equal(cached.filter((n) => n.startsWith('fetched-')).length, 1, cached.join(' '));
    assert.deepEqual(cached.filter((n) => n.startsWith('.')), [], 'something left aside');
  });

  test('xtest-pack status fetches and checks them (exit 0); without the variable: unavailable, naming both ways, no request', T, async () => {
    const server = await serve();
    const pkg = publishedFrom(server.url(servedRepos().example.name));
    const tmp = scratchDir('xtest-pack-fetch-status-tmp-');
    const none = cli(['status'], { cwd: pkg, env: { ...emptyEnv(), XTEST_PACK_TMPDIR: tmp } });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /XTEST_PACK_OBJECTS/);
    assert.match(none.stderr, /XTEST_PACK_FETCH=1/);
    assert.equal(await server.requests(), 0);
    const r = cli(['status'], { cwd: pkg, env: { ...emptyEnv(), XTEST_PACK_FETCH: '1', XTEST_PACK_TMPDIR: tmp } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^pack: .*fetched-[0-9a-f]{40}-[0-9a-f]{16}: the test data of example-pkg 1\.0\.0/);
    assert.ok((await server.requests()) >= 2);
  });

  test('a fetch that fails: one line naming the URL, nothing left in the cache', T, async () => {
    const server = await serve();
    const url = server.url(servedRepos().example.name);
    await server.close();
    const pkg = publishedFrom(url);
    const tmp = scratchDir('xtest-pack-fetch-fail-tmp-');
    const env = { ...emptyEnv(), XTEST_PACK_FETCH: '1', XTEST_PACK_TMPDIR: tmp };
    assert.throws(
      () => testDataSync(['fixtures'], { from: pkg, env, backend }),
      (e: unknown) => isXtestPackError(e, 'NETWORK') && e.message.includes('127.0.0.1') && !e.message.includes('\n'),
    );
    assert.deepEqual(readdirSync(materializationsDirectory(tmp)), []);
  });
});

describe('package-test --tarball', () => {
  test('a published npm tarball, its test data fetched: the tests pass (exit 0); without --objects or --fetch: a usage error', T, async () => {
    const server = await serve();
    const pkg = publishedFrom(server.url(servedRepos().example.name));
    const tgz = join(scratchDir('xtest-pack-fetch-tgz-'), 'example-pkg-1.0.0.tgz');
    const t = spawnSync('tar', ['-czf', tgz, '--exclude=node_modules', '-C', join(pkg, '..'), `--transform=s,^${pkg.split('/').pop()},package,`, pkg.split('/').pop()!]);
    assert.equal(t.status, 0, t.stderr.toString());
    // node_modules (xtest-pack and the runners) from the published copy, where the command runs.
    const r = cli(['package-test', '--tarball', tgz, '--fetch', '--', process.execPath, '--test', '--test-reporter=tap', ...nodeTestFiles(pkg, 'test/node')], {
      cwd: pkg,
      env: cleanEnv(emptyEnv()),
    });
    assert.equal(r.status, 0, r.stderr);
    const usage = cli(['package-test', '--tarball', tgz], { cwd: pkg });
    assert.equal(usage.status, 2, usage.stderr);
    assert.match(usage.stderr, /--objects|--fetch/);
  });
});
