// discover and fetchPack against git http-backend on loopback: the two round trips of
// `xtest-pack fetch` (RT1: the commit and all its trees; RT2: chosen blobs), byte-exact
// requests, both advertisement shapes, a server without filters, SHA-256, and what the
// transport counts. git is the oracle for every pack (index-pack, rev-list, ls-tree).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { discover, fetchPack, memoryPackSink, serverFormat } from '../../src/fetch/fetch-pack.js';
import { encodeFetchRequest } from '../../src/fetch/protocol-v2.js';
import { blobIds, fetchRepos, gitPackIds, revListObjects, type FetchRepos } from '../support/fetch-repos.js';
import { expectFetchError, fetchedIds, transportFor } from '../support/fetch-client.js';
import { on, servicePrefix, startGitHttpServer, type GitHttpServer, type Misbehaviour } from '../support/git-http-server.js';

const backend = getBackend();
const T = { timeout: 60_000 };

let repos: FetchRepos;
before(() => {
  repos = fetchRepos();
});

/** Run `f` with a server started with `options`, closed afterwards. */
async function withServer<R>(options: { allowFilter?: boolean; misbehave?: Misbehaviour }, f: (s: GitHttpServer) => Promise<R>): Promise<R> {
  const server = await startGitHttpServer({ root: repos.root, ...options });
  try {
    return await f(server);
  } finally {
    await server.close();
  }
}

describe('discover', () => {
  test('the plain v2 advertisement of http-backend: version 2, fetch features, object format, agent', T, async () => {
    await withServer({}, async (server) => {
      const t = transportFor(server.url('sha1.git'));
      const caps = await discover(t);
      assert.equal(caps.servicePrefix, false);
      assert.ok(caps.fetch?.has('shallow') && caps.fetch.has('filter'), [...(caps.fetch ?? [])].join(' '));
      assert.equal(caps.objectFormat, 'sha1');
      assert.match(caps.agent ?? '', /^git\/2\./);
      const [get] = server.requests;
      assert.equal(get?.method, 'GET');
      assert.equal(get?.path, '/sha1.git/info/refs');
      assert.equal(get?.query, 'service=git-upload-pack', 'exactly one query parameter');
      assert.equal(get?.headers['git-protocol'], 'version=2');
      assert.match(get?.headers['user-agent'] ?? '', /^git\//, 'hosts answer smart HTTP to git/ user agents only');
      assert.equal(t.stats.requests, 1);
      assert.equal(t.stats.bytesReceived, server.bytesSent);
    });
  });

  test("GitHub's shape: '# service=git-upload-pack' and a flush before version 2", T, async () => {
    await withServer({ misbehave: on('GET', servicePrefix()) }, async (server) => {
      const caps = await discover(transportFor(server.url('sha1.git')));
      assert.equal(caps.servicePrefix, true);
      assert.ok(caps.fetch?.has('filter'));
    });
  });

  test('without uploadpack.allowFilter the fetch command has no filter feature', T, async () => {
    await withServer({ allowFilter: false }, async (server) => {
      const caps = await discover(transportFor(server.url('sha1.git')));
      assert.deepEqual([...(caps.fetch ?? [])].sort(), ['shallow', 'wait-for-done']);
    });
  });

  test('a SHA-256 repository advertises object-format=sha256', T, async () => {
    await withServer({}, async (server) => {
      const caps = await discover(transportFor(server.url('sha256.git')));
      assert.equal(caps.objectFormat, 'sha256');
      assert.equal(serverFormat(caps), 'sha256');
    });
  });
});

describe('fetchPack', () => {
  for (const which of ['sha1', 'sha256'] as const) {
    test(`${which}: RT1 (deepen 1, blob:none) gives the commit and all its trees; RT2 the blobs asked for; 1 GET + 2 POSTs`, T, async () => {
      const repo = repos[which];
      await withServer({}, async (server) => {
        const t = transportFor(server.url(repo.name));
        const caps = await discover(t);

        const sink1 = memoryPackSink();
        const rt1 = await fetchPack(t, caps, { wants: [repo.head], deepen: 1, filter: 'blob:none' }, sink1, backend);
        assert.equal(rt1.filtered, true);
        assert.deepEqual(rt1.shallow, [repo.head]);
        assert.deepEqual(rt1.missing, []);
        const expected = revListObjects(repo, ['--no-walk', '--filter=blob:none', repo.head]);
        assert.deepEqual(fetchedIds(rt1), expected, 'the commit and every tree, no blob');
        assert.deepEqual(gitPackIds(sink1.bytes(), repo.format), expected, 'git index-pack agrees');
        assert.equal(rt1.objectCount, expected.length);
        assert.equal(rt1.packBytes, sink1.bytes().length);

        const blobs = blobIds(repo, repo.head).slice(0, 3);
        const sink2 = memoryPackSink();
        const rt2 = await fetchPack(t, caps, { wants: blobs }, sink2, backend);
        assert.deepEqual(rt2.shallow, []);
        assert.deepEqual(fetchedIds(rt2), blobs);
        assert.deepEqual(gitPackIds(sink2.bytes(), repo.format), blobs);

        const methods = server.requests.map((r) => `${r.method} ${r.path}`);
        assert.deepEqual(methods, [`GET /${repo.name}/info/refs`, `POST /${repo.name}/git-upload-pack`, `POST /${repo.name}/git-upload-pack`]);
        for (const r of server.requests.slice(1)) {
          assert.equal(r.headers['content-type'], 'application/x-git-upload-pack-request');
          assert.equal(r.headers['git-protocol'], 'version=2');
          assert.equal(r.headers['content-length'], String(r.body.length), 'a byte body carries Content-Length');
        }
        assert.deepEqual(server.requests.map((r) => r.connection), [1, 1, 1], 'one keep-alive connection for all three');
        assert.equal(t.stats.requests, 3);
        assert.equal(t.stats.bytesReceived, server.bytesSent);
        assert.equal(t.stats.bytesSent, server.requests[1]!.body.length + server.requests[2]!.body.length);
        assert.equal(rt1.responseBytes, server.replyBytes[1]);
        assert.equal(rt2.responseBytes, server.replyBytes[2]);
      });
    });
  }

  test("RT1's request is byte for byte the note's (section 1.4): agent and object-format echoed, wants, deepen, filter, no-progress, ofs-delta, done", T, async () => {
    const repo = repos.sha1;
    await withServer({}, async (server) => {
      const t = transportFor(server.url(repo.name));
      const caps = await discover(t);
      await fetchPack(t, caps, { wants: [repo.head], deepen: 1, filter: 'blob:none' }, memoryPackSink(), backend);
      const sent = server.requests[1]!.body.toString('latin1');
      const expected =
        '0012command=fetch\n0017agent=xtest-pack/0\n0017object-format=sha1\n0001' +
        `0032want ${repo.head}\n000ddeepen 1\n0015filter blob:none\n0010no-progress\n000eofs-delta\n0009done\n0000`;
      assert.equal(sent, expected);
      assert.equal(sent.length, 195);
    });
  });

  test('a server without filters: the filter is left out (an unadvertised argument gets an empty 200) and reported; the pack is the whole snapshot', T, async () => {
    const repo = repos.sha1;
    await withServer({ allowFilter: false }, async (server) => {
      const t = transportFor(server.url(repo.name));
      const caps = await discover(t);
      const r = await fetchPack(t, caps, { wants: [repo.head], deepen: 1, filter: 'blob:none' }, memoryPackSink(), backend);
      assert.equal(r.filtered, false);
      assert.ok(!server.requests[1]!.body.toString('latin1').includes('filter'));
      assert.deepEqual(fetchedIds(r), revListObjects(repo, ['--no-walk', repo.head]));
    });
  });

  test('an id the server lacks: REMOTE_ERROR (upload-pack: not our ref) naming the URL', T, async () => {
    await withServer({}, async (server) => {
      const t = transportFor(server.url('sha1.git'));
      const caps = await discover(t);
      await expectFetchError(fetchPack(t, caps, { wants: ['1'.repeat(40)] }, memoryPackSink(), backend), 'REMOTE_ERROR', {
        url: `${server.url('sha1.git')}/git-upload-pack`,
      });
    });
  });

  test('a pack without a wanted id (the server answered another request) is reported in `missing`', T, async () => {
    const repo = repos.sha1;
    const [asked, served] = blobIds(repo, repo.head);
    const swap: Misbehaviour = (req, real) =>
      req.method === 'POST' ? real({ ...req, body: Buffer.from(req.body.toString('latin1').replace(asked!, served!), 'latin1') }) : real();
    await withServer({ misbehave: swap }, async (server) => {
      const t = transportFor(server.url(repo.name));
      const caps = await discover(t);
      const r = await fetchPack(t, caps, { wants: [asked!] }, memoryPackSink(), backend);
      assert.deepEqual(r.missing, [asked]);
      assert.deepEqual(fetchedIds(r), [served]);
    });
  });

  test('wants of the wrong object format are refused before anything is sent', T, async () => {
    await withServer({}, async (server) => {
      const t = transportFor(server.url('sha256.git'));
      const caps = await discover(t);
      await expectFetchError(fetchPack(t, caps, { wants: [repos.sha1.head], format: 'sha1' }, memoryPackSink(), backend), 'UNSUPPORTED_REMOTE');
      await expectFetchError(fetchPack(t, caps, { wants: [repos.sha1.head] }, memoryPackSink(), backend), 'USAGE');
      assert.equal(server.requests.length, 1, 'only the discovery went out');
    });
  });

  test('without a sink that gives its bytes back, the pack is checked as it streams (header, trailer) but not indexed', T, async () => {
    const repo = repos.sha1;
    await withServer({}, async (server) => {
      const t = transportFor(server.url(repo.name));
      const caps = await discover(t);
      const chunks: Uint8Array[] = [];
      const r = await fetchPack(t, caps, { wants: [repo.head], deepen: 1, filter: 'blob:none' }, { write: (c) => void chunks.push(c.slice()) }, backend);
      assert.equal(r.indexed, undefined);
      assert.equal(r.packBytes, chunks.reduce((n, c) => n + c.length, 0));
      assert.equal(r.objectCount, revListObjects(repo, ['--no-walk', '--filter=blob:none', repo.head]).length);
    });
  });

  test('encodeFetchRequest is what goes on the wire', T, async () => {
    await withServer({}, async (server) => {
      const t = transportFor(server.url('sha1.git'));
      const caps = await discover(t);
      const blobs = blobIds(repos.sha1, repos.sha1.head).slice(0, 2);
      await fetchPack(t, caps, { wants: blobs }, memoryPackSink(), backend);
      assert.deepEqual(new Uint8Array(server.requests[1]!.body), encodeFetchRequest(caps, { wants: blobs }));
    });
  });
});
