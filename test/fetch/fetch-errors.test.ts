// `xtest-pack fetch` against broken and hostile servers, credentials and redirects. Every
// failure is an XtestPackError of one exact code with a one-line message naming the URL, and
// leaves nothing under the output name nor beside it (the scratch directory is removed); where
// the server sends too much, too little or the wrong objects, what is missing is asked for once
// more, what is extra is dropped.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import type { ErrorCode } from '../../src/errors.js';
import { CredentialStore } from '../../src/fetch/http.js';
import { fetchTestData, type FetchTestDataOptions, type FetchTestDataResult } from '../../src/fetch/fetch-test-data.js';
import { CLI_MAIN, xtestPack } from '../support/cli.js';
import { packTar, publishedCopy, spawnNode } from '../support/example-package.js';
import { emptyEnv, expectFetchError } from '../support/fetch-client.js';
import { assertSameDirectory, assertSameFile, servedRepos, servedStarter } from '../support/fetch-served.js';
import { git } from '../support/git.js';
import {
  band3MidPack,
  errPacket,
  flipPackByte,
  htmlPage,
  on,
  stall,
  status,
  truncate,
  type GitHttpServer,
  type Misbehaviour,
  type RecordedRequest,
} from '../support/git-http-server.js';
import { scratchDir } from '../support/repos.js';

const backend = getBackend();
const T = { timeout: 60_000 };
const serve = servedStarter();
const PATHSPECS = ['fixtures/data', 'other/x.txt'];

function main() {
  return servedRepos().main;
}

function commit(): string {
  return git(['rev-parse', 'HEAD'], { cwd: main().workTree }).toString().trim();
}

function blob(path: string): string {
  return git(['rev-parse', `HEAD:${path}`], { cwd: main().workTree }).toString().trim();
}

/** The export of PATHSPECS from main's work tree, with `url` as its origin. */
function expected(url: string): string {
  git(['config', 'remote.origin.url', url], { cwd: main().workTree });
  const out = join(scratchDir('xtest-pack-fetch-export-'), 'export');
  const r = xtestPack(['export', '--repo', main().workTree, '--out', out, ...PATHSPECS]);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

/** A fetch of PATHSPECS at main's HEAD from `server` into a fresh directory's `out`. */
async function fetchFrom(server: GitHttpServer, options: Partial<FetchTestDataOptions> = {}): Promise<{ parent: string; out: string; r: FetchTestDataResult }> {
  const parent = scratchDir('xtest-pack-fetch-err-');
  const out = join(parent, 'out');
  const r = await fetchTestData({
    url: server.url(main().name),
    rev: commit(),
    pathspecs: PATHSPECS,
    out,
    credentials: new CredentialStore(emptyEnv()),
    backend,
    ...options,
  });
  return { parent, out, r };
}

/** The fetch fails with `code`, naming the repository's URL, and leaves the parent directory empty. */
async function expectFailure(m: Misbehaviour | undefined, code: ErrorCode, options: Partial<FetchTestDataOptions> & { serverOptions?: Parameters<typeof serve>[0] } = {}): Promise<void> {
  const { serverOptions, ...fetchOptions } = options;
  const server = await serve({ ...serverOptions, ...(m === undefined ? {} : { misbehave: m }) });
  const parent = scratchDir('xtest-pack-fetch-err-');
  const tar = join(parent, 'data.tar.gz');
  const p = fetchTestData({
    url: server.url(main().name),
    rev: commit(),
    pathspecs: PATHSPECS,
    tar,
    credentials: new CredentialStore(emptyEnv()),
    backend,
    ...fetchOptions,
  });
  await expectFetchError(p, code, { url: server.url(main().name) });
  assert.deepEqual(readdirSync(parent), [], 'nothing under the output name, no scratch directory left');
}

/** The POSTs of a misbehaving server, numbered from 1; `m` applies to number `n` only. */
function onPost(n: number | ((k: number) => boolean), m: Misbehaviour): Misbehaviour {
  let k = 0;
  return (req, real) => {
    if (req.method !== 'POST') return real();
    k++;
    return (typeof n === 'number' ? k === n : n(k)) ? m(req, real) : real();
  };
}

/** The request with its want lines rewritten by `f`. */
function rewriteWants(req: RecordedRequest, f: (wants: string[]) => string[]): RecordedRequest {
  const text = req.body.toString('latin1');
  const wants = [...text.matchAll(/[0-9a-f]{4}want ([0-9a-f]+)\n/g)].map((m) => m[1]!);
  const first = text.indexOf('want ') - 4;
  const last = text.lastIndexOf('want ');
  const end = text.indexOf('\n', last) + 1;
  const lines = f(wants).map((w) => `want ${w}\n`).map((l) => (l.length + 4).toString(16).padStart(4, '0') + l);
  const body = Buffer.from(text.slice(0, first) + lines.join('') + text.slice(end), 'latin1');
  return { ...req, body, headers: { ...req.headers, 'content-length': String(body.length) } };
}

describe('a server that breaks the protocol', () => {
  test('an ERR packet in RT1: REMOTE_ERROR', T, async () => {
    await expectFailure(onPost(1, errPacket('upload-pack: not our ref 1111111111111111111111111111111111111111')), 'REMOTE_ERROR');
  });

  test('a side-band channel-3 abort mid-pack in RT2: REMOTE_ERROR', T, async () => {
    await expectFailure(onPost(2, band3MidPack()), 'REMOTE_ERROR');
  });

  test('an empty 200 body: REMOTE_ERROR', T, async () => {
    await expectFailure(
      onPost(1, async () => ({ status: 200, headers: { 'content-type': 'application/x-git-upload-pack-result' }, body: new Uint8Array(0) })),
      'REMOTE_ERROR',
    );
  });

  test('a body cut short in RT2: PROTOCOL_CORRUPT', T, async () => {
    await expectFailure(onPost(2, truncate(-30)), 'PROTOCOL_CORRUPT');
  });

  test('a pack damaged in transit (a flipped byte): CHECKSUM_MISMATCH', T, async () => {
    await expectFailure(onPost(2, flipPackByte()), 'CHECKSUM_MISMATCH');
  });

  test('an HTML page instead of the advertisement, and instead of a response: REMOTE_ERROR', T, async () => {
    await expectFailure(on('GET', htmlPage()), 'REMOTE_ERROR');
    await expectFailure(onPost(1, htmlPage()), 'REMOTE_ERROR');
  });

  for (const code of [401, 403, 404, 500, 503]) {
    test(`HTTP ${code}: ${code === 401 ? 'AUTH_FAILED' : 'REMOTE_ERROR'}`, T, async () => {
      const m: Misbehaviour = code === 401 ? status(401, { 'www-authenticate': 'Basic realm="t"' }) : status(code);
      await expectFailure(on('GET', m), code === 401 ? 'AUTH_FAILED' : 'REMOTE_ERROR');
      if (code !== 401) await expectFailure(onPost(2, m), 'REMOTE_ERROR');
    });
  }

  test('a stalled server (no reply; a reply that stops): NETWORK after the idle timeout', T, async () => {
    await expectFailure(on('GET', stall()), 'NETWORK', { idleTimeoutMs: 300 });
    await expectFailure(onPost(2, stall(20)), 'NETWORK', { idleTimeoutMs: 300 });
  });

  test('a server speaking protocol v0 only: UNSUPPORTED_REMOTE', T, async () => {
    await expectFailure(undefined, 'UNSUPPORTED_REMOTE', { serverOptions: { v0Only: true } });
  });

  test('more than --max-bytes: TOO_LARGE', T, async () => {
    await expectFailure(undefined, 'TOO_LARGE', { maxBytes: 2000 });
  });
});

describe('a server that sends other objects than wanted', () => {
  test('objects that are not the ids wanted (another blob for each), twice: OBJECT_MISSING, after 3 POSTs', T, async () => {
    const others = [blob('unrelated.txt'), blob('docs/readme.md')];
    const server = await serve({ misbehave: onPost((k) => k >= 2, (req, real) => real(rewriteWants(req, () => others))) });
    const parent = scratchDir('xtest-pack-fetch-err-');
    const e = await expectFetchError(
      fetchTestData({ url: server.url(main().name), rev: commit(), pathspecs: PATHSPECS, out: join(parent, 'out'), credentials: new CredentialStore(emptyEnv()), backend }),
      'OBJECT_MISSING',
      { url: server.url(main().name) },
    );
    assert.match(e.message, /asked for twice/);
    assert.deepEqual(readdirSync(parent), []);
    assert.deepEqual(server.requests.map((r) => r.method), ['GET', 'POST', 'POST', 'POST'], 'at most 1 GET + 3 POSTs');
  });

  test('a wanted blob left out every time: OBJECT_MISSING naming it', T, async () => {
    const dropped = blob('other/x.txt');
    // Asked for alone the second time, it is answered with another blob.
    const without = (w: string[]) => (w.length === 1 && w[0] === dropped ? [blob('unrelated.txt')] : w.filter((id) => id !== dropped));
    await expectFailure(onPost((k) => k >= 2, (req, real) => real(rewriteWants(req, without))), 'OBJECT_MISSING');
  });

  test('a wanted blob left out once: asked for again, the same bytes, 1 GET + 3 POSTs', T, async () => {
    const dropped = blob('other/x.txt');
    const server = await serve({ misbehave: onPost(2, (req, real) => real(rewriteWants(req, (w) => w.filter((id) => id !== dropped)))) });
    const { out, r } = await fetchFrom(server);
    assertSameDirectory(out, expected(server.url(main().name)), 'after asking again');
    assert.deepEqual(server.requests.map((q) => q.method), ['GET', 'POST', 'POST', 'POST']);
    assert.deepEqual(r.rounds.map((x) => x.purpose), ['commit', 'blobs', 'again']);
    assert.equal(r.rounds[2]!.wants, 1);
  });

  test('extra objects sent along: dropped, the same bytes', T, async () => {
    const extra = [blob('unrelated.txt'), blob('docs/readme.md'), blob('lib/util.js')];
    const server = await serve({ misbehave: onPost(2, (req, real) => real(rewriteWants(req, (w) => [...w, ...extra]))) });
    const { out, r } = await fetchFrom(server);
    assertSameDirectory(out, expected(server.url(main().name)), 'extras dropped');
    assert.equal(r.rounds[1]!.objects, r.rounds[1]!.wants + extra.length, 'the extra objects did arrive');
  });
});

describe('a repository holding a tree checkout would refuse', () => {
  for (const [what, entry] of [
    ['a directory named .GIT', (inner: string) => `040000 tree ${inner}\t.GIT\n`],
    ['.gitmodules as a symbolic link', (_inner: string, blob: string) => `120000 blob ${blob}\t.gitmodules\n`],
  ] as const) {
    test(`${what}: UNSAFE_PATH naming the path, nothing written`, T, async () => {
      const name = `hostile-${what.replace(/\W+/g, '-')}.git`;
      const dir = join(servedRepos().root, name);
      git(['init', '-q', '--bare', dir]);
      const blobId = git(['hash-object', '-w', '--stdin'], { cwd: dir, input: 'x\n' }).toString().trim();
      const inner = git(['mktree'], { cwd: dir, input: `100644 blob ${blobId}\tconfig\n` }).toString().trim();
      const data = git(['mktree'], { cwd: dir, input: `${entry(inner, blobId)}100644 blob ${blobId}\tok.txt\n` }).toString().trim();
      const root = git(['mktree'], { cwd: dir, input: `040000 tree ${data}\tdata\n` }).toString().trim();
      const c = git(['commit-tree', '-m', 'hostile', root], { cwd: dir }).toString().trim();
      git(['update-ref', 'refs/heads/main', c], { cwd: dir });
      const server = await serve();
      const parent = scratchDir('xtest-pack-fetch-err-');
      const e = await expectFetchError(
        fetchTestData({ url: server.url(name), rev: c, pathspecs: ['data'], out: join(parent, 'out'), credentials: new CredentialStore(emptyEnv()), backend }),
        'UNSAFE_PATH',
        { url: server.url(name) },
      );
      assert.match(e.path ?? '', /^data\/\.git/i);
      assert.deepEqual(readdirSync(parent), []);
    });
  }
});

describe('credentials and redirects', () => {
  test('Basic auth: credentials in the URL, sent after the first 401 only', T, async () => {
    const server = await serve({ auth: { username: 'reader', password: 's3cret' } });
    const url = server.url(main().name).replace('http://', 'http://reader:s3cret@');
    const { out, r } = await fetchFrom(server, { url });
    assertSameDirectory(out, expected(server.url(main().name)), 'with Basic auth');
    assert.equal(server.unauthorized, 1);
    assert.deepEqual(server.requests.map((q) => q.method), ['GET', 'GET', 'POST', 'POST']);
    assert.equal(r.source.kind === 'http' && r.source.url.includes('s3cret'), false, 'no password in the result');
  });

  test('Basic auth from a netrc file; a wrong password is one AUTH_FAILED naming the host, no password in it', T, async () => {
    const server = await serve({ auth: { username: 'reader', password: 's3cret' } });
    const home = scratchDir('xtest-pack-home-');
    const netrc = join(home, 'netrc');
    writeFileSync(netrc, 'machine 127.0.0.1 login reader password s3cret\n');
    const { out } = await fetchFrom(server, { credentials: new CredentialStore({ HOME: home, NETRC: netrc }) });
    assertSameDirectory(out, expected(server.url(main().name)), 'netrc');
    writeFileSync(netrc, 'machine 127.0.0.1 login reader password wrong-one\n');
    await expectFailure(undefined, 'AUTH_FAILED', { serverOptions: { auth: { username: 'reader', password: 's3cret' } }, credentials: new CredentialStore({ HOME: home, NETRC: netrc }) });
  });

  test('a redirect on discovery: followed, the POSTs go where it led', T, async () => {
    const server = await serve({ redirects: [{ from: '/moved.git/', to: `/${main().name}/`, methods: ['GET'] }] });
    const { out } = await fetchFrom(server, { url: server.url('moved.git') });
    assertSameDirectory(out, expected(server.url(main().name)), 'redirected');
    assert.deepEqual(
      server.requests.map((q) => `${q.method} ${q.path}`),
      ['GET /moved.git/info/refs', `GET /${main().name}/info/refs`, `POST /${main().name}/git-upload-pack`, `POST /${main().name}/git-upload-pack`],
    );
  });
});

describe('the command line', () => {
  test('an ssh URL: exit 1, one line suggesting the https URL; nothing written', T, () => {
    const cwd = scratchDir('xtest-pack-fetch-cli-');
    const r = xtestPack(['fetch', '--url', 'git@github.com:owner/repo.git', '--rev', commit(), '--out', 'data', 'fixtures'], { cwd });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^xtest-pack: .*try https:\/\/github\.com\/owner\/repo\.git\n$/);
    assert.deepEqual(readdirSync(cwd), []);
  });

  test('nothing to fetch (no package here, no --url): exit 2', T, () => {
    const r = xtestPack(['fetch'], { cwd: scratchDir('xtest-pack-fetch-cli-') });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^xtest-pack: .*--url.*\n$/);
  });

  test('--json: requests, bytes received, objects and time', T, async () => {
    const server = await serve();
    const cwd = scratchDir('xtest-pack-fetch-cli-');
    // Run asynchronously: the server is in this process.
    const r = await spawnNode([CLI_MAIN, 'fetch', '--url', server.url(main().name), '--rev', commit(), '--out', 'data', '--json', '--max-bytes', '10M', ...PATHSPECS], {
      cwd,
      env: { HOME: scratchDir('xtest-pack-home-') },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'nothing on stderr when it is not a terminal');
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(j['requests'], 3);
    assert.equal(j['bytesReceived'], server.bytesSent);
    assert.equal(typeof j['ms'], 'number');
    assert.equal(j['commit'], commit());
    assert.deepEqual((j['output'] as { kind: string }).kind, 'directory');
    assertSameDirectory(join(cwd, 'data'), expected(server.url(main().name)), 'the CLI');
    const bad = await spawnNode([CLI_MAIN, 'fetch', '--url', server.url(main().name), '--rev', commit(), '--out', 'x', '--max-bytes', 'lots', 'fixtures'], { cwd });
    assert.equal(bad.status, 2);
    for (const threads of ['0', 'two']) {
      const r0 = await spawnNode([CLI_MAIN, 'fetch', '--url', server.url(main().name), '--rev', commit(), '--out', 'x', '--threads', threads, 'fixtures'], { cwd });
      assert.equal(r0.status, 2, `--threads ${threads}: ${r0.stderr}`);
    }
    assert.ok(!existsSync(join(cwd, 'x')), 'a usage error wrote something');
  });

  test('in a package directory with a manifest: its artifact, in that directory, equal to pack\'s; --progress on stderr', T, async () => {
    const repo = servedRepos().example;
    const published = publishedCopy(repo.workTree);
    const expectedTar = packTar(repo.workTree);
    const server = await serve();
    const r = await spawnNode([CLI_MAIN, 'fetch', '--url', server.url(repo.name), '--progress'], { cwd: published, env: { HOME: scratchDir('xtest-pack-home-') } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Receiving: .* objects, \d+ requests, done\./);
    assert.match(r.stderr, /Writing objects: 100% \(\d+\/\d+\)/);
    assert.match(r.stdout, /^fetched 7 files of [0-9a-f]{40} from http:\/\/127\.0\.0\.1:\d+\/example\.git \(3 requests, \d+ bytes received\)/);
    assertSameFile(join(published, 'example-pkg-1.0.0.xtest-pack.tar.gz'), expectedTar, 'the artifact of the package here');
  });
});
