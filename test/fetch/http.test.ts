// The smart HTTP transport: Basic auth after a 401 (credentials from the URL, from the netrc file
// NETRC names, from ~/.netrc; one retry, then AUTH_FAILED naming the host; once per host per
// run), and redirects (followed on discovery only, at most 5, the POSTs sent to where discovery
// ended, credentials never carried to another origin, https -> http refused).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { discover, fetchPack, memoryPackSink } from '../../src/fetch/fetch-pack.js';
import { CredentialStore, MAX_REDIRECTS, createHttpTransport, followRedirect, redirectBase } from '../../src/fetch/http.js';
import type { Transport } from '../../src/fetch/transport.js';
import { normalizeRepositoryUrl, type HttpRepository } from '../../src/fetch/url.js';
import { XtestPackError } from '../../src/errors.js';
import { emptyEnv, expectFetchError, serverStarter, transportFor } from '../support/fetch-client.js';
import { fetchRepos, type FetchRepos } from '../support/fetch-repos.js';
import { htmlPage, type GitHttpServer } from '../support/git-http-server.js';
import { scratchDir } from '../support/repos.js';

const backend = getBackend();
const T = { timeout: 30_000 };
const USER = 'alice';
const PASSWORD = 's3cret-Pa55word';

let repos: FetchRepos;
before(() => {
  repos = fetchRepos();
});

const serve = serverStarter();

/** `http://user:password@127.0.0.1:port/name`. */
function withUserInfo(server: GitHttpServer, name: string, user: string, password?: string): string {
  const info = password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return server.url(name).replace('http://', `http://${info}@`);
}

/** A netrc file with `text`, in a fresh directory; returns its path. */
function netrcFile(text: string, name = 'netrc'): string {
  const path = join(scratchDir('xtest-pack-netrc-'), name);
  writeFileSync(path, text);
  return path;
}

/** Discovery and RT1 of the sha1 repository. */
async function rt1(t: Transport): Promise<void> {
  const caps = await discover(t);
  const r = await fetchPack(t, caps, { wants: [repos.sha1.head], deepen: 1, filter: 'blob:none' }, memoryPackSink(), backend);
  assert.deepEqual(r.missing, []);
}

describe('Basic auth', () => {
  test('credentials in the URL: anonymous first, one retry after the 401, then sent with every request', T, async () => {
    const server = await serve({ auth: { username: USER, password: PASSWORD } });
    const t = transportFor(withUserInfo(server, 'sha1.git', USER, PASSWORD));
    await rt1(t);
    assert.equal(server.unauthorized, 1);
    assert.deepEqual(
      server.requests.map((r) => [r.method, r.headers['authorization'] !== undefined]),
      [['GET', false], ['GET', true], ['POST', true]],
    );
    assert.equal(t.stats.requests, 3);
    assert.ok(!t.url.includes(PASSWORD) && !t.url.includes(USER), 'the transport’s URL holds no user info');
  });

  test('credentials from the netrc file NETRC names', T, async () => {
    const server = await serve({ auth: { username: USER, password: PASSWORD } });
    const netrc = netrcFile(`# test\nmachine 127.0.0.1\n  login ${USER}\n  password "${PASSWORD}"\n`);
    const t = transportFor(server.url('sha1.git'), { env: { ...emptyEnv(), NETRC: netrc } });
    await rt1(t);
    assert.equal(server.unauthorized, 1);
  });

  test('credentials from ~/.netrc', T, async () => {
    const server = await serve({ auth: { username: USER, password: PASSWORD } });
    const home = scratchDir('xtest-pack-home-');
    writeFileSync(join(home, '.netrc'), `machine 127.0.0.1 login ${USER} password ${PASSWORD}\n`);
    await rt1(transportFor(server.url('sha1.git'), { env: { HOME: home } }));
    assert.equal(server.unauthorized, 1);
  });

  test('a user name in the URL picks its password from netrc', T, async () => {
    const server = await serve({ auth: { username: USER, password: PASSWORD } });
    const netrc = netrcFile(`machine 127.0.0.1 login bob password nope\nmachine 127.0.0.1 login ${USER} password ${PASSWORD}\n`);
    await rt1(transportFor(withUserInfo(server, 'sha1.git', USER), { env: { NETRC: netrc } }));
  });

  test('the URL’s credentials come before netrc', T, async () => {
    const server = await serve({ auth: { username: USER, password: PASSWORD } });
    const netrc = netrcFile(`machine 127.0.0.1 login ${USER} password wrong\n`);
    await rt1(transportFor(withUserInfo(server, 'sha1.git', USER, PASSWORD), { env: { NETRC: netrc } }));
  });

  test('no credentials anywhere: AUTH_FAILED after the one 401, naming the host', T, async () => {
    const server = await serve({ auth: { username: USER, password: PASSWORD } });
    const e = await expectFetchError(discover(transportFor(server.url('sha1.git'))), 'AUTH_FAILED', { url: server.url('sha1.git') });
    assert.ok(e.message.includes(`host 127.0.0.1:${server.port}`), e.message);
    assert.equal(server.requests.length, 1);
  });

  test('wrong credentials in the URL: exactly one retry, then AUTH_FAILED naming the host, no secret in the message', T, async () => {
    const server = await serve({ auth: { username: USER, password: PASSWORD } });
    const t = transportFor(withUserInfo(server, 'sha1.git', 'mallory', 'hunter2-wrong'));
    const e = await expectFetchError(discover(t), 'AUTH_FAILED', { url: server.url('sha1.git'), secrets: ['hunter2-wrong', 'mallory'] });
    assert.ok(e.message.includes('127.0.0.1'), e.message);
    assert.equal(server.unauthorized, 2);
    assert.equal(server.requests.length, 2);
    // And not again: the host refused them once in this run.
    await expectFetchError(discover(t), 'AUTH_FAILED');
    assert.equal(server.requests.length, 2);
  });

  test('a wrong password in netrc: one retry, then AUTH_FAILED', T, async () => {
    const server = await serve({ auth: { username: USER, password: PASSWORD } });
    const netrc = netrcFile(`machine 127.0.0.1 login ${USER} password not-it\n`);
    await expectFetchError(discover(transportFor(server.url('sha1.git'), { env: { NETRC: netrc } })), 'AUTH_FAILED', { secrets: ['not-it'] });
    assert.equal(server.unauthorized, 2);
  });

  test('a malformed netrc file: CONFIG_CORRUPT naming the file, not its contents', T, async () => {
    const server = await serve({ auth: { username: USER, password: PASSWORD } });
    const netrc = netrcFile(`machine 127.0.0.1 login ${USER} password "${PASSWORD}\n`);
    const e = await expectFetchError(discover(transportFor(server.url('sha1.git'), { env: { NETRC: netrc } })), 'CONFIG_CORRUPT', {
      secrets: [PASSWORD],
    });
    assert.equal(e.file, netrc);
  });

  test('one look per host per run: transports sharing a store reuse what was found, and what was not', T, async () => {
    const server = await serve({ auth: { username: USER, password: PASSWORD } });
    const netrc = netrcFile(`machine 127.0.0.1 login ${USER} password ${PASSWORD}\n`);
    const store = new CredentialStore({ NETRC: netrc });
    const repo = normalizeRepositoryUrl(server.url('sha1.git')) as HttpRepository;
    await rt1(createHttpTransport(repo, { credentials: store }));
    await rt1(createHttpTransport(repo, { credentials: store }));
    assert.equal(server.unauthorized, 1, 'the second transport sent the credentials at once');

    const other = await serve({ auth: { username: USER, password: PASSWORD } });
    const emptyNetrc = netrcFile('');
    const store2 = new CredentialStore({ NETRC: emptyNetrc });
    const repo2 = normalizeRepositoryUrl(other.url('sha1.git')) as HttpRepository;
    await expectFetchError(discover(createHttpTransport(repo2, { credentials: store2 })), 'AUTH_FAILED');
    writeFileSync(emptyNetrc, `machine 127.0.0.1 login ${USER} password ${PASSWORD}\n`);
    await expectFetchError(discover(createHttpTransport(repo2, { credentials: store2 })), 'AUTH_FAILED');
    assert.equal(other.unauthorized, 2, 'one 401 per transport, the file not read again');
  });
});

describe('redirects', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    test(`${status} on discovery is followed; the POST goes to where discovery ended`, T, async () => {
      const server = await serve({ redirects: [{ from: '/old.git/', to: '/sha1.git/', status }] });
      const t = transportFor(server.url('old.git'));
      await rt1(t);
      assert.deepEqual(
        server.requests.map((r) => `${r.method} ${r.path}`),
        ['GET /old.git/info/refs', 'GET /sha1.git/info/refs', 'POST /sha1.git/git-upload-pack'],
      );
      assert.equal(t.url, server.url('sha1.git'));
    });
  }

  test(`a chain of ${MAX_REDIRECTS} redirects is followed, one more is REMOTE_ERROR`, T, async () => {
    const chain = (n: number) => [
      ...Array.from({ length: n - 1 }, (_, i) => ({ from: `/r${i}/`, to: `/r${i + 1}/` })),
      { from: `/r${n - 1}/`, to: '/sha1.git/' },
    ];
    const ok = await serve({ redirects: chain(MAX_REDIRECTS) });
    await rt1(transportFor(ok.url('r0')));
    const tooMany = await serve({ redirects: chain(MAX_REDIRECTS + 1) });
    await expectFetchError(rt1(transportFor(tooMany.url('r0'))), 'REMOTE_ERROR', { url: tooMany.origin });
    assert.equal(tooMany.requests.length, MAX_REDIRECTS + 1);
  });

  test('a redirect loop ends at the limit: REMOTE_ERROR', T, async () => {
    const server = await serve({ redirects: [{ from: '/loop.git/', to: '/loop.git/' }] });
    await expectFetchError(discover(transportFor(server.url('loop.git'))), 'REMOTE_ERROR', { url: server.origin });
    assert.equal(server.requests.length, MAX_REDIRECTS + 1);
  });

  test('a redirect to another origin: the POST follows it; the URL’s credentials stay with their own host', T, async () => {
    const target = await serve({ auth: { username: USER, password: PASSWORD } });
    const origin = await serve({ redirects: [{ from: '/sha1.git/', to: `${target.origin}/sha1.git/` }] });
    const t = transportFor(withUserInfo(origin, 'sha1.git', USER, PASSWORD));
    await expectFetchError(discover(t), 'AUTH_FAILED', { url: target.origin, secrets: [PASSWORD] });
    assert.ok(target.requests.every((r) => r.headers['authorization'] === undefined), 'no credentials sent to the other origin');

    const open = await serve({});
    const hop = await serve({ redirects: [{ from: '/sha1.git/', to: `${open.origin}/sha1.git/` }] });
    await rt1(transportFor(hop.url('sha1.git')));
    assert.deepEqual(open.requests.map((r) => r.method), ['GET', 'POST']);
    assert.deepEqual(hop.requests.map((r) => r.method), ['GET']);
  });

  test('a redirect away from info/refs (a login page, say): REMOTE_ERROR', T, async () => {
    const server = await serve({
      redirects: [{ from: '/sha1.git/', to: '/login', exact: true }],
      misbehave: (req, real) => (req.path === '/login' ? htmlPage()(req, real) : real()),
    });
    await expectFetchError(discover(transportFor(server.url('sha1.git'))), 'REMOTE_ERROR', { url: `${server.origin}/login` });
  });

  test('a redirect on the POST is not followed: REMOTE_ERROR', T, async () => {
    const server = await serve({ redirects: [{ from: '/sha1.git/', to: '/elsewhere.git/', methods: ['POST'], status: 307 }] });
    await expectFetchError(rt1(transportFor(server.url('sha1.git'))), 'REMOTE_ERROR', { url: `${server.url('sha1.git')}/git-upload-pack` });
    assert.deepEqual(server.requests.map((r) => `${r.method} ${r.path}`), ['GET /sha1.git/info/refs', 'POST /sha1.git/git-upload-pack']);
  });
});

describe('followRedirect and redirectBase', () => {
  const from = new URL('https://git.example.com/o/r/info/refs?service=git-upload-pack');

  function code(f: () => unknown): string | undefined {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof XtestPackError, String(e));
      assert.ok(!e.message.includes('\n'));
      return e.code;
    }
    return undefined;
  }

  test('https -> http is refused', () => {
    assert.equal(code(() => followRedirect(from, 'http://git.example.com/o/r.git/info/refs?service=git-upload-pack')), 'REMOTE_ERROR');
  });

  test('http -> https, relative and absolute locations are resolved; user info in a Location is dropped', () => {
    const http = new URL('http://127.0.0.1:9/o/r/info/refs?service=git-upload-pack');
    assert.equal(followRedirect(http, 'https://h/o/r.git/info/refs?service=git-upload-pack').href, 'https://h/o/r.git/info/refs?service=git-upload-pack');
    assert.equal(followRedirect(from, '/o/r.git/info/refs?service=git-upload-pack').href, 'https://git.example.com/o/r.git/info/refs?service=git-upload-pack');
    assert.equal(followRedirect(from, 'https://u:p@h/x').href, 'https://h/x');
  });

  test('no Location, a malformed one, another scheme: REMOTE_ERROR', () => {
    assert.equal(code(() => followRedirect(from, null)), 'REMOTE_ERROR');
    assert.equal(code(() => followRedirect(from, 'http://[::1')), 'REMOTE_ERROR');
    assert.equal(code(() => followRedirect(from, 'ftp://h/x')), 'REMOTE_ERROR');
    assert.equal(code(() => followRedirect(from, 'file:///etc/passwd')), 'REMOTE_ERROR');
  });

  test('the base is the discovery URL without its suffix, or REMOTE_ERROR', () => {
    assert.equal(redirectBase(from).href, 'https://git.example.com/o/r');
    assert.equal(code(() => redirectBase(new URL('https://h/login?next=x'))), 'REMOTE_ERROR');
  });

  test('CredentialStore: NETRC before ~/.netrc; an absent file is no credentials', () => {
    const home = scratchDir('xtest-pack-home-');
    writeFileSync(join(home, '.netrc'), 'machine h login home password from-home\n');
    const named = netrcFile('machine h login named password from-named\n');
    assert.equal(new CredentialStore({ HOME: home, NETRC: named }).lookup('h', undefined)?.credentials.password, 'from-named');
    assert.equal(new CredentialStore({ HOME: home }).lookup('h:8443', undefined)?.credentials.password, 'from-home');
    assert.equal(new CredentialStore({ NETRC: join(home, 'absent') }).lookup('h', undefined), undefined);
  });
});
