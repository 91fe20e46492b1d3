// The portable backend in a real browser (issue #16, must hold 3): headless Chromium (Debian's
// chromium, driven by playwright-core, talking only to 127.0.0.1) loads the browser build
// (dist/bundle/browser/xtest-pack.js, which the build makes with no node: module reachable),
// fetches pack directories from a node:http server in this process, verifies every object on
// the way to a few paths and returns their bytes, which must be git's (`git cat-file`).
//
// Not part of `npm test` (its name does not end in .test.js): `npm run test:browser` runs it
// (scripts/test-browser.mjs, which installs Chromium where it is missing). Chromium is
// $XTEST_PACK_CHROMIUM, else /usr/bin/chromium; without it this fails saying how to get it.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { xtestPack } from '../support/cli.js';
import { exportRepos, revParse } from '../support/export-repos.js';
import { git } from '../support/git.js';
import { PROJECT_ROOT, scratchDir } from '../support/repos.js';

const CHROMIUM = process.env['XTEST_PACK_CHROMIUM'] || '/usr/bin/chromium';
const BUNDLE = join(PROJECT_ROOT, 'dist', 'bundle', 'browser', 'xtest-pack.js');
/** The machine's notes: without the background-networking flags Chromium calls out at start. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Every host name but 127.0.0.1 fails to resolve: the page can reach nothing else.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--no-proxy-server',
];

/** What the page returns for one file. */
interface PageFile {
  path: string;
  mode: string;
  oid: string;
  base64: string;
}
type PageResult = { files: PageFile[]; packs: string[]; format: string; commit: string | undefined } | { error: { name: string; code?: string; file?: string; message: string } };

let server: Server;
let origin: string;
let browser: Browser;
let page: Page;
const served = new Map<string, string>(); // URL prefix -> directory
const requests: string[] = [];

function serve(prefix: string, dir: string): string {
  served.set(prefix, dir);
  return `${origin}${prefix}`;
}

before(async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} not found: install Chromium (Debian: apt-get install chromium), or set XTEST_PACK_CHROMIUM to its executable; npm run test:browser installs it`,
  );
  assert.ok(existsSync(BUNDLE), `${BUNDLE} not found: run npm run build`);
  served.set('/bundle/', join(PROJECT_ROOT, 'dist', 'bundle', 'browser'));
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname);
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (url.pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>xtest-pack</title>');
    for (const [prefix, dir] of served) {
      if (!url.pathname.startsWith(prefix)) continue;
      const file = resolve(dir, decodeURIComponent(url.pathname.slice(prefix.length)));
      if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) break;
      const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      return void res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  page = await browser.newPage();
  await page.goto(`${origin}/`);
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => server?.close(ok));
});

/** In the page: import the bundle, open the pack directory at `url`, read `paths`. */
function readInBrowser(url: string, packs: string[], paths: string[], commit?: string): Promise<PageResult> {
  return page.evaluate(
    async ({ bundle, url, packs, paths, commit }): Promise<PageResult> => {
      const m = await import(bundle);
      try {
        const dir = await m.fetchPackDirectory(url, { backend: m.createPortableBackend(), packs });
        const files = m.readFiles(dir, paths, commit === undefined ? {} : { commit }) as { path: string; mode: string; oid: string; data: Uint8Array }[];
        const base64 = (b: Uint8Array): string => {
          let s = '';
          for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
          return btoa(s);
        };
        return {
          files: files.map((f) => ({ path: f.path, mode: f.mode, oid: f.oid, base64: base64(f.data) })),
          packs: dir.packs as string[],
          format: dir.format as string,
          commit: dir.manifest?.commit as string | undefined,
        };
      } catch (e) {
        const x = e as { name: string; code?: string; file?: string; message: string };
        const error: { name: string; code?: string; file?: string; message: string } = { name: x.name, message: x.message };
        if (x.code !== undefined) error.code = x.code;
        if (x.file !== undefined) error.file = x.file;
        return { error };
      }
    },
    { bundle: `${origin}/bundle/xtest-pack.js`, url, packs, paths, commit },
  );
}

/** git's view of `rev:path` for every file under `paths`: mode, id and bytes. */
function gitFiles(repo: string, rev: string, paths: string[]): Map<string, { mode: string; oid: string; data: Buffer }> {
  const out = new Map<string, { mode: string; oid: string; data: Buffer }>();
  const listing = git(['ls-tree', '-r', '-z', '--full-tree', rev, '--', ...paths], { cwd: repo }).toString('utf8');
  for (const rec of listing.split('\0')) {
    if (rec === '') continue;
    const [meta, path] = rec.split('\t') as [string, string];
    const [mode, type, oid] = meta.split(' ') as [string, string, string];
    if (type !== 'blob') continue;
    out.set(path, { mode, oid, data: git(['cat-file', 'blob', oid], { cwd: repo }) });
  }
  return out;
}

function assertSameAsGit(r: PageResult, repo: string, rev: string, paths: string[]): PageFile[] {
  assert.ok(!('error' in r), `the page failed: ${JSON.stringify('error' in r ? r.error : r)}`);
  const expected = gitFiles(repo, rev, paths);
  assert.deepEqual(r.files.map((f) => f.path).sort(), [...expected.keys()].sort());
  for (const f of r.files) {
    const g = expected.get(f.path)!;
    assert.equal(f.mode, g.mode, `${f.path}: mode`);
    assert.equal(f.oid, g.oid, `${f.path}: id`);
    assert.ok(Buffer.from(f.base64, 'base64').equals(g.data), `${f.path}: the bytes differ from git cat-file's`);
  }
  return r.files;
}

const packsIn = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.pack')).sort();

describe('the browser build in headless Chromium', () => {
  test('a real browser: no Node globals, and the page talks to 127.0.0.1 only', async () => {
    const env = await page.evaluate(() => ({
      ua: (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent,
      process: typeof (globalThis as { process?: unknown }).process,
      buffer: typeof (globalThis as { Buffer?: unknown }).Buffer,
      require: typeof (globalThis as { require?: unknown }).require,
    }));
    assert.match(env.ua, /HeadlessChrome\//);
    assert.deepEqual({ ...env, ua: '' }, { ua: '', process: 'undefined', buffer: 'undefined', require: 'undefined' });
    const bundle = readFileSync(BUNDLE, 'utf8');
    assert.doesNotMatch(bundle, /from\s*["']node:|import\(["']node:|require\(["']node:/, 'the browser bundle imports a node: module');
  });

  test('an exported pack directory (SHA-1): the files of two pathspecs, byte for byte git cat-file', async () => {
    const { main } = exportRepos();
    const dir = join(scratchDir('xtest-pack-browser-'), 'test-data');
    const paths = ['fixtures/base.txt', 'fixtures/data.bin', 'fixtures/run.sh', 'fixtures/link', 'fixtures/empty', 'fixtures/ünï.txt', 'other'];
    const r0 = xtestPack(['export', '--repo', main, '--rev', 'HEAD', '--out', dir, '--no-progress', '--', ...paths]);
    assert.equal(r0.status, 0, r0.stderr);
    const url = serve('/exported/', dir);
    const commit = revParse(main, 'HEAD');
    // The commit comes from the directory's xtest-pack.json.
    const r = await readInBrowser(url, packsIn(dir), paths);
    const files = assertSameAsGit(r, main, commit, paths);
    assert.ok(!('error' in r) && r.commit === commit && r.format === 'sha1');
    assert.deepEqual(Object.fromEntries(files.filter((f) => f.path.startsWith('fixtures/') && f.mode !== '100644').map((f) => [f.path, f.mode])), {
      'fixtures/link': '120000',
      'fixtures/run.sh': '100755',
    });
    assert.ok(files.length >= 9, `${files.length} files`);
    // What the page fetched: the bundle, the manifest, each pack and its idx, nothing else.
    const fetched = requests.filter((p) => p.startsWith('/exported/')).sort();
    assert.deepEqual(fetched, ['/exported/xtest-pack.json', ...packsIn(dir).flatMap((p) => [`/exported/${p.replace(/\.pack$/, '.idx')}`, `/exported/${p}`])].sort());
  });

  test("git's own pack of a SHA-256 repository (deltas, no manifest): a commit given by id", async () => {
    const { sha256 } = exportRepos();
    const dir = join(scratchDir('xtest-pack-browser-'), 'pack');
    mkdirSync(dir);
    // One pack of everything reachable, deltas against other versions of the same files.
    const list = git(['rev-list', '--objects', '--all'], { cwd: sha256 });
    git(['pack-objects', '-q', '--delta-base-offset', join(dir, 'pack')], { cwd: sha256, input: list });
    const url = serve('/sha256/', dir);
    const commit = revParse(sha256, 'HEAD~1');
    const paths = ['fixtures'];
    const r = await readInBrowser(url, packsIn(dir), paths, commit);
    assertSameAsGit(r, sha256, commit, paths);
    assert.ok(!('error' in r) && r.format === 'sha256' && r.commit === undefined);
    const verify = git(['verify-pack', '-v', join(dir, packsIn(dir)[0]!.replace(/\.pack$/, '.idx'))], { cwd: sha256 }).toString();
    assert.match(verify, /chain length = 1: /, 'the pack holds deltas');
  });

  test('a damaged object on the way: an XtestPackError naming the pack, no bytes', async () => {
    const { main } = exportRepos();
    const good = join(scratchDir('xtest-pack-browser-'), 'test-data');
    const r0 = xtestPack(['export', '--repo', main, '--rev', 'HEAD', '--out', good, '--no-progress', '--no-delta', '--', 'fixtures/data.bin']);
    assert.equal(r0.status, 0, r0.stderr);
    const dir = join(scratchDir('xtest-pack-browser-'), 'damaged');
    mkdirSync(dir);
    for (const n of readdirSync(good)) copyFileSync(join(good, n), join(dir, n));
    // Flip one byte in the middle of the blob's deflated data (the idx gives its offset).
    const [pack] = packsIn(dir);
    const blob = revParse(main, 'HEAD:fixtures/data.bin');
    const line = git(['verify-pack', '-v', join(dir, pack!.replace(/\.pack$/, '.idx'))], { cwd: main })
      .toString()
      .split('\n')
      .find((l) => l.startsWith(`${blob} `))!;
    const [, , , packed, offset] = line.split(/\s+/).map(Number) as number[];
    const bytes = readFileSync(join(dir, pack!));
    bytes[offset! + Math.floor(packed! / 2)]! ^= 0x40;
    writeFileSync(join(dir, pack!), bytes);
    const r = await readInBrowser(serve('/damaged/', dir), [pack!], ['fixtures/data.bin']);
    assert.ok('error' in r, 'the damaged pack was read without an error');
    assert.equal(r.error.name, 'XtestPackError', r.error.message);
    assert.ok(['PACK_CORRUPT', 'OID_MISMATCH'].includes(r.error.code!), `${r.error.code}: ${r.error.message}`);
    assert.match(r.error.message, new RegExp(pack!.replace(/\./g, '\\.')));
  });

  test('a pack that is not there: PACK_MISSING naming its URL', async () => {
    const url = serve('/empty/', scratchDir('xtest-pack-browser-empty-'));
    const name = `pack-${'0'.repeat(40)}.pack`;
    const r = await readInBrowser(url, [name], ['x']);
    assert.ok('error' in r);
    assert.equal(r.error.code, 'PACK_MISSING');
    assert.equal(r.error.file, `${url}${name}`);
  });
});
