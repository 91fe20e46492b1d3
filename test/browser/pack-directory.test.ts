// xtest-pack/browser's pack directory over HTTP, on Node with a stand-in `fetch` (the same code
// runs in Chromium in chromium.browser.ts): the files git has, the errors by whose problem they
// are, and what is fetched.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { createPortableBackend, fetchPackDirectory, memoryStorage, readFiles, type FetchFunction, type FetchPackDirectoryOptions } from '../../src/browser/index.js';
import { XtestPackError } from '../../src/errors.js';
import { getBackend } from '../../src/backend/select.js';
import { xtestPack } from '../support/cli.js';
import { exportRepos, revParse } from '../support/export-repos.js';
import { git } from '../support/git.js';
import { scratchDir } from '../support/repos.js';

const BASE = 'http://127.0.0.1:1/data/';
let dir: string;
let packs: string[];
let commit: string;
const PATHS = ['fixtures/base.txt', 'fixtures/data.bin', 'fixtures/link', 'other'];

/** A `fetch` that serves `dir` under BASE and records what was asked. */
function fetchFrom(root: string, log: string[] = [], status?: (name: string) => number | undefined): FetchFunction {
  return async (url) => {
    log.push(url);
    assert.ok(url.startsWith(BASE), url);
    const name = url.slice(BASE.length);
    const forced = status?.(name);
    if (forced !== undefined) return new Response('', { status: forced });
    const file = join(root, name);
    return existsSync(file) ? new Response(readFileSync(file)) : new Response('', { status: 404 });
  };
}

const options = (extra: Partial<FetchPackDirectoryOptions> = {}): FetchPackDirectoryOptions => ({
  backend: getBackend(),
  packs,
  fetch: fetchFrom(dir),
  ...extra,
});

async function rejects(p: Promise<unknown> | (() => unknown), code: string): Promise<XtestPackError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.ok(e instanceof XtestPackError, `not an XtestPackError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`no ${code}`);
}

before(() => {
  const { main } = exportRepos();
  dir = join(scratchDir('xtest-pack-browser-node-'), 'test-data');
  const r = xtestPack(['export', '--repo', main, '--rev', 'HEAD', '--out', dir, '--no-progress', '--', ...PATHS]);
  assert.equal(r.status, 0, r.stderr);
  packs = readdirSync(dir).filter((n) => n.endsWith('.pack'));
  commit = revParse(main, 'HEAD');
});

describe('fetchPackDirectory and readFiles (xtest-pack/browser)', () => {
  test("the files at the paths, each object verified, as git has them; the commit from the manifest", async () => {
    const { main } = exportRepos();
    const log: string[] = [];
    const d = await fetchPackDirectory(BASE, options({ fetch: fetchFrom(dir, log), backend: createPortableBackend() }));
    assert.equal(d.format, 'sha1');
    assert.equal(d.manifest?.commit, commit);
    assert.deepEqual(log.sort(), [`${BASE}xtest-pack.json`, ...packs.flatMap((p) => [`${BASE}${p}`, `${BASE}${p.replace(/\.pack$/, '.idx')}`])].sort());
    const files = readFiles(d, PATHS);
    assert.deepEqual(
      files.map((f) => f.path),
      ['fixtures/base.txt', 'fixtures/data.bin', 'fixtures/link', 'other/c.json', 'other/nested/d.json', 'other/x.txt'],
    );
    for (const f of files) {
      assert.equal(f.oid, revParse(main, `HEAD:${f.path}`));
      assert.ok(Buffer.from(f.data).equals(git(['cat-file', 'blob', f.oid], { cwd: main })), f.path);
    }
    assert.equal(files.find((f) => f.path === 'fixtures/link')?.mode, '120000');
  });

  test('a relative URL without a page is USAGE; a URL without its trailing slash is the same directory', async () => {
    await rejects(fetchPackDirectory('data/', options()), 'USAGE');
    const d = await fetchPackDirectory(BASE.slice(0, -1), options());
    assert.equal(d.url, BASE);
  });

  test('USAGE: no pack, a name that is not a pack, no commit anywhere, a short id, a path that climbs', async () => {
    await rejects(fetchPackDirectory(BASE, options({ packs: [] })), 'USAGE');
    await rejects(fetchPackDirectory(BASE, options({ packs: ['../pack-1.pack'] })), 'USAGE');
    const d = await fetchPackDirectory(BASE, options());
    await rejects(() => readFiles({ odb: d.odb, manifest: undefined }, ['fixtures']), 'USAGE');
    await rejects(() => readFiles(d, ['fixtures'], { commit: commit.slice(0, 12) }), 'USAGE');
    await rejects(() => readFiles(d, ['../x']), 'USAGE');
  });

  test('PATHSPEC_UNMATCHED for a path the commit does not have; OBJECT_MISSING for a commit the packs do not hold', async () => {
    const d = await fetchPackDirectory(BASE, options());
    const e = await rejects(() => readFiles(d, ['fixtures/base.txt', 'nowhere']), 'PATHSPEC_UNMATCHED');
    assert.equal(e.path, 'nowhere');
    await rejects(() => readFiles(d, ['fixtures'], { commit: '1'.repeat(40) }), 'OBJECT_MISSING');
  });

  test('HTTP: a missing pack or idx names the URL (PACK_MISSING, IDX_MISSING); other statuses are REMOTE_ERROR; a failed request NETWORK', async () => {
    const [pack] = packs;
    const idx = pack!.replace(/\.pack$/, '.idx');
    let e = await rejects(fetchPackDirectory(BASE, options({ fetch: fetchFrom(dir, [], (n) => (n === pack ? 404 : undefined)) })), 'PACK_MISSING');
    assert.equal(e.file, `${BASE}${pack}`);
    e = await rejects(fetchPackDirectory(BASE, options({ fetch: fetchFrom(dir, [], (n) => (n === idx ? 404 : undefined)) })), 'IDX_MISSING');
    assert.equal(e.file, `${BASE}${idx}`);
    await rejects(fetchPackDirectory(BASE, options({ fetch: fetchFrom(dir, [], (n) => (n === idx ? 500 : undefined)) })), 'REMOTE_ERROR');
    await rejects(fetchPackDirectory(BASE, options({ fetch: fetchFrom(dir, [], (n) => (n === 'xtest-pack.json' ? 403 : undefined)) })), 'REMOTE_ERROR');
    const down: FetchFunction = () => Promise.reject(new TypeError('fetch failed'));
    e = await rejects(fetchPackDirectory(BASE, options({ fetch: down })), 'NETWORK');
    assert.ok(e.cause instanceof TypeError);
  });

  test('no manifest (404) is no manifest; a manifest that is not one is MANIFEST_CORRUPT', async () => {
    const d = await fetchPackDirectory(BASE, options({ fetch: fetchFrom(dir, [], (n) => (n === 'xtest-pack.json' ? 404 : undefined)) }));
    assert.equal(d.manifest, undefined);
    assert.equal(readFiles(d, ['fixtures/base.txt'], { commit }).length, 1);
    const bad: FetchFunction = async (url) => (url.endsWith('.json') ? new Response('{"formatVersion": 99}') : fetchFrom(dir)(url));
    await rejects(fetchPackDirectory(BASE, options({ fetch: bad })), 'MANIFEST_CORRUPT');
  });

  test('memoryStorage: one directory "/", paths normalized, nothing else', () => {
    const s = memoryStorage(new Map([['a.pack', new Uint8Array([1, 2, 3])]]));
    assert.deepEqual(s.readDir('/'), ['a.pack']);
    assert.deepEqual(s.readDir('.'), ['a.pack']);
    assert.equal(s.readDir('/pack'), undefined);
    assert.deepEqual([...s.readFile('/x/../a.pack')!], [1, 2, 3]);
    assert.equal(s.readFile('/sub/a.pack'), undefined);
    assert.equal(s.kind('/'), 'dir');
    assert.equal(s.kind('a.pack'), 'file');
    assert.equal(s.kind('/b'), undefined);
    assert.equal(s.resolve('info/alternates', '/'), '/info/alternates');
    const src = s.openSource('/a.pack')!;
    assert.equal(src.size, 3);
    assert.deepEqual([...src.read(1, 2)], [2, 3]);
    src.close();
  });
});
