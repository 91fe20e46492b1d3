// Broken and hostile servers: git http-backend behind a bridge that rewrites its replies. Each
// case must end in an XtestPackError of one exact code, with a one-line message naming the URL,
// within a bounded time (the idle timeout is made short where a server stalls).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import type { ErrorCode } from '../../src/errors.js';
import { discover, fetchPack, memoryPackSink } from '../../src/fetch/fetch-pack.js';
import type { HttpTransportOptions } from '../../src/fetch/http.js';
import { fetchRepos, type FetchRepos } from '../support/fetch-repos.js';
import { expectFetchError, serverStarter, transportFor } from '../support/fetch-client.js';
import {
  band3MidPack,
  contentType,
  errPacket,
  firstPackPkt,
  flipPackByte,
  htmlPage,
  on,
  replaceHead,
  resetAfter,
  rewriteBody,
  stall,
  status,
  truncate,
  withConfig,
  type GitHttpServer,
  type Misbehaviour,
} from '../support/git-http-server.js';

const backend = getBackend();
const T = { timeout: 30_000 };
/** Short, so that a stalled server fails the fetch quickly; the code is asserted, never the time. */
const STALL = { idleTimeoutMs: 300 };

let repos: FetchRepos;
before(() => {
  repos = fetchRepos();
});

const serve = serverStarter();

/** Discovery, then RT1 of the sha1 repository (deepen 1, blob:none). */
async function rt1(server: GitHttpServer, options: HttpTransportOptions = {}): Promise<unknown> {
  const t = transportFor(server.url('sha1.git'), options);
  const caps = await discover(t);
  return fetchPack(t, caps, { wants: [repos.sha1.head], deepen: 1, filter: 'blob:none' }, memoryPackSink(), backend);
}

/** A server misbehaving with `m`; RT1 against it must fail with `code`, naming `url` (default: the POST's). */
async function expectRt1(m: Misbehaviour, code: ErrorCode, options: HttpTransportOptions & { url?: 'get' | 'post' } = {}): Promise<void> {
  const server = await serve({ misbehave: m });
  const base = server.url('sha1.git');
  const url = options.url === 'get' ? `${base}/info/refs?service=git-upload-pack` : `${base}/git-upload-pack`;
  const e = await expectFetchError(rt1(server, options), code, { url });
  assert.ok(e.file !== undefined, 'the URL is the error’s place');
}

describe('discovery refused', () => {
  test('a v0/v1-only server (Git-Protocol dropped): UNSUPPORTED_REMOTE', T, async () => {
    const server = await serve({ v0Only: true });
    await expectFetchError(discover(transportFor(server.url('sha1.git'))), 'UNSUPPORTED_REMOTE', { url: server.url('sha1.git') });
  });

  test('a dumb HTTP server (not the advertisement content type): UNSUPPORTED_REMOTE', T, async () => {
    await expectRt1(on('GET', contentType('text/plain')), 'UNSUPPORTED_REMOTE', { url: 'get' });
  });

  test('an HTML login page with 200: REMOTE_ERROR', T, async () => {
    await expectRt1(on('GET', htmlPage()), 'REMOTE_ERROR', { url: 'get' });
  });

  for (const code of [403, 404, 410, 429, 500, 502, 503]) {
    test(`HTTP ${code}: REMOTE_ERROR`, T, async () => {
      await expectRt1(on('GET', status(code, code === 429 ? { 'retry-after': '120' } : {})), 'REMOTE_ERROR', { url: 'get' });
    });
  }

  test('an advertisement cut before its final flush: PROTOCOL_CORRUPT', T, async () => {
    await expectRt1(on('GET', truncate(-4)), 'PROTOCOL_CORRUPT', { url: 'get' });
  });

  test('an advertisement with a non-hex pkt-line length: PROTOCOL_CORRUPT', T, async () => {
    await expectRt1(on('GET', replaceHead('00zz')), 'PROTOCOL_CORRUPT', { url: 'get' });
  });

  test('bytes after the advertisement’s flush: PROTOCOL_CORRUPT', T, async () => {
    await expectRt1(on('GET', rewriteBody((b) => new Uint8Array([...b, 0x30, 0x30, 0x30, 0x30]))), 'PROTOCOL_CORRUPT', { url: 'get' });
  });

  test('a server that never answers: NETWORK (idle timeout)', T, async () => {
    await expectRt1(on('GET', stall()), 'NETWORK', { ...STALL, url: 'get' });
  });

  test('nothing listening: NETWORK', T, async () => {
    const server = await serve({});
    const url = server.url('sha1.git');
    await server.close();
    await expectFetchError(discover(transportFor(url)), 'NETWORK', { url });
  });
});

describe('fetch refused or broken', () => {
  test('an ERR packet: REMOTE_ERROR', T, async () => {
    await expectRt1(on('POST', errPacket('upload-pack: not our ref 1111111111111111111111111111111111111111')), 'REMOTE_ERROR');
  });

  test('band 3 mid-pack, trailing NUL, no final flush (observed shape): REMOTE_ERROR', T, async () => {
    await expectRt1(on('POST', band3MidPack()), 'REMOTE_ERROR');
  });

  test('an empty 200 body (the filter advertised, then refused by the POST’s upload-pack): REMOTE_ERROR', T, async () => {
    await expectRt1(on('POST', withConfig({ 'uploadpack.allowFilter': 'false' })), 'REMOTE_ERROR');
  });

  test('a body without its final flush: PROTOCOL_CORRUPT', T, async () => {
    await expectRt1(on('POST', truncate(-4)), 'PROTOCOL_CORRUPT');
  });

  test('a body cut inside a pkt-line header: PROTOCOL_CORRUPT', T, async () => {
    const cutInHeader: Misbehaviour = rewriteBody((b) => b.subarray(0, firstPackPkt(b)!.at + 2));
    await expectRt1(on('POST', cutInHeader), 'PROTOCOL_CORRUPT');
  });

  test('a body cut inside the pack: PROTOCOL_CORRUPT', T, async () => {
    const cutInPack: Misbehaviour = rewriteBody((b) => b.subarray(0, firstPackPkt(b)!.at + 100));
    await expectRt1(on('POST', cutInPack), 'PROTOCOL_CORRUPT');
  });

  test('a flipped pack byte: CHECKSUM_MISMATCH', T, async () => {
    await expectRt1(on('POST', flipPackByte()), 'CHECKSUM_MISMATCH');
  });

  for (const [what, head] of [
    ['a non-hex pkt-line length', '00zz'],
    ['pkt-line length 0003', '0003'],
    ['a pkt-line length over 65520', 'fff1'],
    ['a sign in the pkt-line length', '-011'],
  ] as const) {
    test(`${what}: PROTOCOL_CORRUPT`, T, async () => {
      await expectRt1(on('POST', replaceHead(head)), 'PROTOCOL_CORRUPT');
    });
  }

  test('an HTML page: REMOTE_ERROR', T, async () => {
    await expectRt1(on('POST', htmlPage()), 'REMOTE_ERROR');
  });

  test('another content type: PROTOCOL_CORRUPT', T, async () => {
    await expectRt1(on('POST', contentType('application/octet-stream')), 'PROTOCOL_CORRUPT');
  });

  for (const code of [403, 404, 500, 503]) {
    test(`HTTP ${code}: REMOTE_ERROR`, T, async () => {
      await expectRt1(on('POST', status(code)), 'REMOTE_ERROR');
    });
  }

  test('a server that stops sending mid-pack: NETWORK (idle timeout)', T, async () => {
    await expectRt1(on('POST', stall(200)), 'NETWORK', STALL);
  });

  test('a POST that gets no answer at all: NETWORK (idle timeout)', T, async () => {
    await expectRt1(on('POST', stall()), 'NETWORK', STALL);
  });

  test('a connection reset mid-pack: NETWORK', T, async () => {
    await expectRt1(on('POST', resetAfter(200)), 'NETWORK');
  });

  test('a response over maxBytes: TOO_LARGE', T, async () => {
    await expectRt1(on('POST', async (_req, real) => real()), 'TOO_LARGE', { maxBytes: 300 });
  });
});
