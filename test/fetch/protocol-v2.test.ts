// Protocol v2 codecs on the byte strings the fetch note observed from git 2.39 (section 1) and
// on hand-built hostile ones: the advertisement in both shapes and v0's, the fetch request
// (gated on what was advertised), and the fetch response as a stream.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { XtestPackError, type ErrorCode } from '../../src/errors.js';
import { encodePkt } from '../../src/fetch/pkt-line.js';
import {
  AdvertisementDecoder,
  FetchResponseDecoder,
  decodeAdvertisement,
  decodeCommandRequest,
  decodeFetchResponse,
  encodeFetchRequest,
  type ServerCapabilities,
} from '../../src/fetch/protocol-v2.js';
import { encodeSideband } from '../../src/fetch/sideband.js';

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array): string => String.fromCharCode(...b);
const pkt = (s: string | Uint8Array): Uint8Array => encodePkt({ type: 'data', data: typeof s === 'string' ? latin1(s) : s });
const cat = (...parts: (string | Uint8Array)[]): Uint8Array => {
  const bytes = parts.flatMap((p) => [...(typeof p === 'string' ? latin1(p) : p)]);
  return Uint8Array.from(bytes);
};

/** Observed from git 2.39.5 http-backend with uploadpack.allowFilter (the note, section 1.1). */
const HTTP_BACKEND_ADV =
  '000eversion 2\n0015agent=git/2.39.5\n0013ls-refs=unborn\n0027fetch=shallow wait-for-done filter\n0012server-option\n0017object-format=sha1\n0010object-info\n0000';
/** GitHub's shape (a capture quoted in the note, section 1.1). */
const GITHUB_ADV =
  '001e# service=git-upload-pack\n0000000eversion 2\n0022agent=git/github-b60c2b516187\n0013ls-refs=unborn\n0027fetch=shallow wait-for-done filter\n0012server-option\n0017object-format=sha1\n0000';
const COMMIT = '1a3e64c6c4a623626ff0687008732a8e007e2a1c';

function expectCode(f: () => unknown, code: ErrorCode): XtestPackError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof XtestPackError, `expected XtestPackError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(!/[\r\n]/.test(e.message), `multi-line: ${JSON.stringify(e.message)}`);
    return e;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

function caps(adv: string): ServerCapabilities {
  const a = decodeAdvertisement(latin1(adv));
  assert.equal(a.version, 2);
  return (a as { capabilities: ServerCapabilities }).capabilities;
}

/** A capability advertisement of these lines. */
function adv(...lines: string[]): string {
  return text(cat(pkt('version 2\n'), ...lines.map((l) => pkt(`${l}\n`)), '0000'));
}

describe('advertisement', () => {
  test('git http-backend’s plain v2 advertisement', () => {
    const c = caps(HTTP_BACKEND_ADV);
    assert.equal(c.agent, 'git/2.39.5');
    assert.equal(c.objectFormat, 'sha1');
    assert.deepEqual([...c.fetch!], ['shallow', 'wait-for-done', 'filter']);
    assert.equal(c.entries.get('ls-refs'), 'unborn');
    assert.ok(c.entries.has('object-info') && c.entries.get('object-info') === undefined);
    assert.equal(c.servicePrefix, false);
  });

  test('GitHub’s shape, with the # service= line and a flush first', () => {
    const c = caps(GITHUB_ADV);
    assert.equal(c.servicePrefix, true);
    assert.equal(c.agent, 'git/github-b60c2b516187');
    assert.ok(c.fetch!.has('filter'));
  });

  test('a v0 server: a ref line with capabilities after NUL, with or without the service prefix; v1; an empty v0 list', () => {
    const ref = pkt(`${COMMIT} HEAD\0multi_ack thin-pack side-band side-band-64k ofs-delta shallow agent=git/2.39.5\n`);
    assert.deepEqual(decodeAdvertisement(cat(ref, pkt(`${COMMIT} refs/heads/main\n`), '0000')), { version: 0 });
    assert.deepEqual(decodeAdvertisement(cat(pkt('# service=git-upload-pack\n'), '0000', ref, '0000')), { version: 0 });
    assert.deepEqual(decodeAdvertisement(cat(pkt('version 1\n'), ref, '0000')), { version: 1 });
    assert.deepEqual(decodeAdvertisement(cat(pkt('# service=git-upload-pack\n'), '0000', '0000')), { version: 0 });
  });

  test('a v0 answer is known from its first line, before the (possibly long) ref list', () => {
    const d = new AdvertisementDecoder();
    d.push(pkt(`${COMMIT} HEAD\0caps\n`));
    assert.deepEqual(d.result(), { version: 0 });
    d.push(latin1('0032this would be the rest, never looked at'));
    assert.deepEqual(d.finish(), { version: 0 });
  });

  test('a v0 ref list longer than the advertisement limit, in one chunk, is still v0', () => {
    const refs = Array.from({ length: 2000 }, (_, i) => pkt(`${COMMIT} refs/tags/v${i}\n`));
    assert.deepEqual(decodeAdvertisement(cat(pkt(`${COMMIT} HEAD\0caps\n`), ...refs, '0000')), { version: 0 });
  });

  test('a capability list without fetch, and one with an object-format of sha256', () => {
    assert.equal(caps(adv('agent=x', 'ls-refs')).fetch, undefined);
    assert.equal(caps(adv('fetch', 'object-format=sha256')).objectFormat, 'sha256');
    assert.deepEqual([...caps(adv('fetch')).fetch!], []);
  });

  test('malformed, cut short, or followed by bytes: PROTOCOL_CORRUPT', () => {
    const bad = [
      '',
      '000eversion 2\n',
      HTTP_BACKEND_ADV.slice(0, -2),
      `${HTTP_BACKEND_ADV}0000`,
      `${HTTP_BACKEND_ADV}x`,
      text(cat(pkt('version 3\n'), '0000')),
      text(cat(pkt('<html>\n'), '0000')),
      text(cat(pkt('# service=git-upload-pack\n'), pkt('version 2\n'), '0000')),
      text(cat(pkt('version 2\n'), '0001', '0000')),
      text(cat(pkt('version 2\n'), pkt('bad key\n'), '0000')),
      text(cat(pkt('version 2\n'), pkt('=value\n'), '0000')),
      '00zzversion 2\n0000',
    ];
    for (const b of bad) expectCode(() => decodeAdvertisement(latin1(b)), 'PROTOCOL_CORRUPT');
  });

  test('an endless capability list stops at 64 KiB: TOO_LARGE', () => {
    const d = new AdvertisementDecoder();
    d.push(pkt('version 2\n'));
    const line = pkt(`x-${'a'.repeat(1000)}\n`);
    expectCode(() => {
      for (let i = 0; i < 100; i++) d.push(line);
    }, 'TOO_LARGE');
  });
});

describe('fetch request', () => {
  const full = caps(HTTP_BACKEND_ADV);

  test('RT1 byte for byte as the note observed (195 bytes)', () => {
    const body = text(encodeFetchRequest(full, { wants: [COMMIT], deepen: 1, filter: 'blob:none' }));
    assert.equal(
      body,
      '0012command=fetch\n0017agent=xtest-pack/0\n0017object-format=sha1\n0001' +
        `0032want ${COMMIT}\n000ddeepen 1\n0015filter blob:none\n0010no-progress\n000eofs-delta\n0009done\n0000`,
    );
    assert.equal(body.length, 195);
  });

  test('RT2 byte for byte as the note observed: blob wants, no filter, no deepen', () => {
    const blobs = ['2d25b2b4fc98b49eb836e1d569cb21f7699b3bca', 'c0b276cb50fa418b0372d9220680f69c0c4cee36'];
    assert.equal(
      text(encodeFetchRequest(full, { wants: blobs })),
      '0012command=fetch\n0017agent=xtest-pack/0\n0017object-format=sha1\n0001' +
        `0032want ${blobs[0]}\n0032want ${blobs[1]}\n0010no-progress\n000eofs-delta\n0009done\n0000`,
    );
  });

  test('agent and object-format only when advertised; never thin-pack', () => {
    const bare = caps(adv('fetch=shallow filter'));
    const r = decodeCommandRequest(encodeFetchRequest(bare, { wants: [COMMIT], deepen: 1, filter: 'blob:none' }));
    assert.deepEqual(r.capabilities, []);
    assert.deepEqual(r.arguments, [`want ${COMMIT}`, 'deepen 1', 'filter blob:none', 'no-progress', 'ofs-delta', 'done']);
    const agent = decodeCommandRequest(encodeFetchRequest(full, { wants: [COMMIT] }, { agent: 'xtest-pack/1.2.3' }));
    assert.deepEqual(agent.capabilities, ['agent=xtest-pack/1.2.3', 'object-format=sha1']);
    assert.ok(!text(encodeFetchRequest(full, { wants: [COMMIT] })).includes('thin-pack'));
  });

  test('deepen without the shallow feature, filter without the filter feature: UNSUPPORTED_REMOTE', () => {
    const none = caps(adv('fetch'));
    expectCode(() => encodeFetchRequest(none, { wants: [COMMIT], deepen: 1 }), 'UNSUPPORTED_REMOTE');
    expectCode(() => encodeFetchRequest(none, { wants: [COMMIT], filter: 'blob:none' }), 'UNSUPPORTED_REMOTE');
    expectCode(() => encodeFetchRequest(caps(adv('ls-refs')), { wants: [COMMIT] }), 'UNSUPPORTED_REMOTE');
  });

  test('the object format must be the server’s; SHA-256 ids are 64 hex digits', () => {
    const sha256 = caps(adv('fetch=shallow', 'object-format=sha256'));
    const id = 'ab'.repeat(32);
    assert.ok(text(encodeFetchRequest(sha256, { wants: [id] }, { format: 'sha256' })).includes(`004awant ${id}\n`));
    assert.ok(text(encodeFetchRequest(sha256, { wants: [id] }, { format: 'sha256' })).includes('object-format=sha256'));
    expectCode(() => encodeFetchRequest(sha256, { wants: [COMMIT] }), 'UNSUPPORTED_REMOTE');
    expectCode(() => encodeFetchRequest(full, { wants: [id] }, { format: 'sha256' }), 'UNSUPPORTED_REMOTE');
    // A server that names no format is sha1.
    expectCode(() => encodeFetchRequest(caps(adv('fetch')), { wants: [id] }, { format: 'sha256' }), 'UNSUPPORTED_REMOTE');
  });

  test('wants: at least one, ids of the format, sent in lower case, each once', () => {
    expectCode(() => encodeFetchRequest(full, { wants: [] }), 'USAGE');
    for (const w of ['', COMMIT.slice(1), `${COMMIT}0`, `${COMMIT.slice(1)}g`, ` ${COMMIT.slice(1)}`, `HEAD`]) {
      expectCode(() => encodeFetchRequest(full, { wants: [w] }), 'USAGE');
    }
    const r = decodeCommandRequest(encodeFetchRequest(full, { wants: [COMMIT.toUpperCase(), COMMIT] }));
    assert.deepEqual(r.arguments.filter((a) => a.startsWith('want')), [`want ${COMMIT}`]);
  });

  test('a deepen that is not a positive integer, a filter or agent with spaces: RangeError', () => {
    for (const deepen of [0, -1, 1.5, Number.NaN]) assert.throws(() => encodeFetchRequest(full, { wants: [COMMIT], deepen }), RangeError);
    assert.throws(() => encodeFetchRequest(full, { wants: [COMMIT], filter: 'blob:none\ndone' }), RangeError);
    assert.throws(() => encodeFetchRequest(full, { wants: [COMMIT] }, { agent: 'x y' }), RangeError);
  });

  test('decodeCommandRequest refuses what is not a command request', () => {
    for (const b of ['', '0000', text(pkt('want x\n')) + '0000', '0012command=fetch\n', '0012command=fetch\n00000000']) {
      expectCode(() => decodeCommandRequest(latin1(b)), 'PROTOCOL_CORRUPT');
    }
  });
});

describe('fetch response', () => {
  const PACK = cat('PACK\0\0\0\x02\0\0\0\0', new Uint8Array(20).fill(7));
  /** The observed RT1 shape: shallow-info (line without LF), then the pack on band 1, then flush. */
  const RT1 = cat(pkt('shallow-info\n'), pkt(`shallow ${COMMIT}`), '0001', pkt('packfile\n'), pkt(encodeSideband(1, PACK.subarray(0, 5))), pkt(encodeSideband(1, PACK.subarray(5))), '0000');

  test('shallow-info and the pack of the observed RT1 shape', () => {
    const { info, pack } = decodeFetchResponse(RT1, 'sha1');
    assert.deepEqual(info.shallow, [COMMIT]);
    assert.deepEqual(pack, PACK);
    assert.equal(info.packBytes, PACK.length);
    assert.equal(info.lastMessage, undefined);
  });

  test('keepalives, progress on band 2 (kept, never printed), acknowledgments with ready, wanted-refs', () => {
    const body = cat(
      pkt('acknowledgments\n'), pkt('NAK\n'), pkt('ready\n'), '0001',
      pkt('wanted-refs\n'), pkt(`${COMMIT} refs/heads/main\n`), '0001',
      pkt('packfile\n'), pkt('\x01'), pkt('\x02Enumerating objects: 3, done.\n'), pkt(encodeSideband(1, PACK)), pkt('\x01'), '0000',
    );
    const { info, pack } = decodeFetchResponse(body, 'sha1');
    assert.deepEqual(pack, PACK);
    assert.deepEqual(info.acknowledgments, ['NAK', 'ready']);
    assert.deepEqual(info.wantedRefs, [{ oid: COMMIT, ref: 'refs/heads/main' }]);
    assert.equal(info.lastMessage, 'Enumerating objects: 3, done.');
  });

  test('split at every byte, the decoder gives the same pack', () => {
    for (let size = 1; size < RT1.length; size += 3) {
      const d = new FetchResponseDecoder('sha1');
      const parts: number[] = [];
      for (let at = 0; at < RT1.length; at += size) for (const p of d.push(RT1.subarray(at, at + size))) parts.push(...p);
      assert.deepEqual(Uint8Array.from(parts), PACK, `chunks of ${size}`);
      assert.deepEqual(d.finish().shallow, [COMMIT]);
    }
  });

  test('ERR packets (observed: not our ref; a refused filter): REMOTE_ERROR', () => {
    expectCode(() => decodeFetchResponse(latin1('0049ERR upload-pack: not our ref 1111111111111111111111111111111111111111'), 'sha1'), 'REMOTE_ERROR');
    expectCode(() => decodeFetchResponse(latin1("0029ERR filter 'sparse:oid' not supported"), 'sha1'), 'REMOTE_ERROR');
    expectCode(() => decodeFetchResponse(cat(pkt('packfile\n'), pkt('ERR mid-pack\n')), 'sha1'), 'REMOTE_ERROR');
  });

  test('band 3 mid-pack with a trailing NUL and no final flush (observed): REMOTE_ERROR with the band-2 line', () => {
    const body = cat(
      pkt('packfile\n'), pkt(encodeSideband(1, PACK.subarray(0, 8))),
      pkt('\x02fatal: unable to read 8933b2\n'), pkt('\x01\xff'),
      pkt('\x03aborting due to possible repository corruption on the remote side.\0'),
    );
    const e = expectCode(() => decodeFetchResponse(body, 'sha1'), 'REMOTE_ERROR');
    assert.ok(!e.message.includes('\0'));
  });

  test('an empty body: REMOTE_ERROR; a body without its final flush: PROTOCOL_CORRUPT', () => {
    expectCode(() => decodeFetchResponse(new Uint8Array(0), 'sha1'), 'REMOTE_ERROR');
    expectCode(() => decodeFetchResponse(RT1.subarray(0, RT1.length - 4), 'sha1'), 'PROTOCOL_CORRUPT');
    expectCode(() => decodeFetchResponse(RT1.subarray(0, RT1.length - 2), 'sha1'), 'PROTOCOL_CORRUPT');
    expectCode(() => decodeFetchResponse(RT1.subarray(0, 20), 'sha1'), 'PROTOCOL_CORRUPT');
  });

  test('grammar violations: PROTOCOL_CORRUPT', () => {
    const bad: [string, Uint8Array][] = [
      ['no section header', cat(pkt(encodeSideband(1, PACK)), '0000')],
      ['unknown section', cat(pkt('packfiles\n'), '0000')],
      ['sections out of order', cat(pkt('packfile\n'), '0001', pkt('shallow-info\n'), '0000')],
      ['a section twice', cat(pkt('shallow-info\n'), '0001', pkt('shallow-info\n'), '0000')],
      ['packfile-uris (never asked for)', cat(pkt('packfile-uris\n'), '0001', pkt('packfile\n'), '0000')],
      ['negotiation without a pack', cat(pkt('acknowledgments\n'), pkt('NAK\n'), '0000')],
      ['flush inside shallow-info', cat(pkt('shallow-info\n'), pkt(`shallow ${COMMIT}`), '0000')],
      ['a malformed shallow line', cat(pkt('shallow-info\n'), pkt(`shallow ${COMMIT.slice(2)}`), '0001', pkt('packfile\n'), '0000')],
      ['a shallow line of another format', cat(pkt('shallow-info\n'), pkt(`shallow ${'a'.repeat(64)}`), '0001', pkt('packfile\n'), '0000')],
      ['an odd acknowledgment', cat(pkt('acknowledgments\n'), pkt('MAYBE\n'), '0001', pkt('packfile\n'), '0000')],
      ['a delim in the packfile section', cat(pkt('packfile\n'), '0001', '0000')],
      ['response-end in the packfile section', cat(pkt('packfile\n'), '0002')],
      ['band 4', cat(pkt('packfile\n'), pkt('\x04x'), '0000')],
      ['an empty side-band packet', cat(pkt('packfile\n'), '0004', '0000')],
      ['bytes after the final flush', cat(RT1, '0000')],
    ];
    for (const [what, body] of bad) {
      assert.doesNotThrow(() => {
        expectCode(() => decodeFetchResponse(body, 'sha1'), 'PROTOCOL_CORRUPT');
      }, what);
    }
  });

  test('bytes pushed after the final flush are refused', () => {
    const d = new FetchResponseDecoder('sha1');
    d.push(RT1);
    assert.ok(d.done);
    expectCode(() => d.push(latin1('0')), 'PROTOCOL_CORRUPT');
  });
});
