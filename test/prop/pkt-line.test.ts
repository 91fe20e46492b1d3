// Property tests of the wire codecs: pkt-line, side-band, the advertisement and the fetch
// response round trip under any chunking, and any bytes (random, or a valid reply damaged) give a
// value or an XtestPackError, never another exception. The whole fetch (a transport serving the
// bytes, the pack checked and indexed) is fuzzed the same way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { fetchPack, memoryPackSink } from '../../src/fetch/fetch-pack.js';
import { LARGE_PACKET_DATA_MAX, PktLineDecoder, decodePkts, encodePkt, type Pkt } from '../../src/fetch/pkt-line.js';
import { AdvertisementDecoder, FetchResponseDecoder, decodeAdvertisement, type ServerCapabilities } from '../../src/fetch/protocol-v2.js';
import { SIDEBAND_DATA_MAX, decodeSideband, encodeSideband, remoteText, type Band } from '../../src/fetch/sideband.js';
import type { Transport } from '../../src/fetch/transport.js';
import { OBJ_BLOB, OBJ_COMMIT, OBJ_TREE } from '../../src/pack/oid.js';
import { buildPack, utf8 } from '../support/pack-builder.js';

const backend = getBackend();
const RUNS = { numRuns: 300 };
const T = { timeout: 60_000 };
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const data = (s: string | Uint8Array): Uint8Array => encodePkt({ type: 'data', data: typeof s === 'string' ? latin1(s) : s });
const cat = (...parts: (string | Uint8Array)[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...(typeof p === 'string' ? latin1(p) : p)]));

const pktArb: fc.Arbitrary<Pkt> = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 200 }).map((d): Pkt => ({ type: 'data', data: d })) },
  { weight: 1, arbitrary: fc.constantFrom<Pkt>({ type: 'flush' }, { type: 'delim' }, { type: 'response-end' }) },
  { weight: 1, arbitrary: fc.integer({ min: LARGE_PACKET_DATA_MAX - 2, max: LARGE_PACKET_DATA_MAX }).map((n): Pkt => ({ type: 'data', data: new Uint8Array(n).fill(n & 0xff) })) },
);

/** A string of `n` lower-case hex digits. */
const hex = (n: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });

/** Cut points for splitting a buffer into chunks. */
const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

/** The packets of `chunks`, pushed one by one into a PktLineDecoder. */
function decodeChunked(chunks: readonly Uint8Array[]): Pkt[] {
  const d = new PktLineDecoder();
  const got: Pkt[] = [];
  for (const c of chunks) {
    d.push(c);
    for (let p = d.next(); p !== undefined; p = d.next()) got.push(p);
  }
  d.finish();
  return got;
}

/** Bytes that look a little like pkt-lines: hex digits, specials, band bytes, text. */
const wireish: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      fc.constantFrom('0000', '0001', '0002', '0003', '0004', '0005', '0009', 'fff0', 'FFF0', 'ffff', '00zz', 'ERR ', 'packfile\n', 'shallow-info\n', 'version 2\n', '\x01', '\x02', '\x03', 'PACK'),
      hex(4),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 30 },
  )
  .map((parts) => latin1(parts.join('').replace(/[^\x00-\xff]/g, '?')));

const anyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(fc.uint8Array({ maxLength: 300 }), wireish);

/** Run `f`; it must return or throw an XtestPackError of one of `codes`. */
function valueOrError(f: () => unknown, codes: readonly string[]): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof XtestPackError)) throw new Error(`not an XtestPackError: ${String(e)}`, { cause: e });
    assert.ok(codes.includes(e.code), `${e.code}: ${e.message}`);
    assert.ok(!/[\r\n]/.test(e.message), 'one line');
  }
}

/** Damage `bytes`: flip, drop, insert or truncate at a place chosen by the seeds. */
const damage = (bytes: Uint8Array) =>
  fc.tuple(fc.constantFrom('flip', 'drop', 'insert', 'truncate'), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([how, seed, v]) => {
    const at = seed % (bytes.length + 1);
    const b = [...bytes];
    if (how === 'flip' && at < b.length) b[at] = b[at]! ^ v;
    else if (how === 'drop') b.splice(at, 1);
    else if (how === 'insert') b.splice(at, 0, v);
    else b.length = at;
    return Uint8Array.from(b);
  });

test('pkt-line: encode then decode gives the packets back, whole and in any chunks', T, () => {
  fc.assert(
    fc.property(fc.array(pktArb, { maxLength: 12 }), cutsArb, (pkts, cuts) => {
      const bytes = cat(...pkts.map((p) => encodePkt(p)));
      assert.deepEqual(decodePkts(bytes), pkts);
      assert.deepEqual(decodeChunked(split(bytes, cuts)), pkts);
    }),
    { numRuns: 200 },
  );
});

test('pkt-line: any bytes decode or give PROTOCOL_CORRUPT; chunking never changes which', T, () => {
  fc.assert(
    fc.property(anyBytes, cutsArb, (bytes, cuts) => {
      let whole: Pkt[] | undefined;
      valueOrError(() => (whole = decodePkts(bytes)), ['PROTOCOL_CORRUPT']);
      let chunked: Pkt[] | undefined;
      valueOrError(() => (chunked = decodeChunked(split(bytes, cuts))), ['PROTOCOL_CORRUPT']);
      assert.deepEqual(chunked, whole);
    }),
    RUNS,
  );
});

test('side-band: round trip; any payload gives a band 1-3 or PROTOCOL_CORRUPT', T, () => {
  fc.assert(
    fc.property(fc.constantFrom<Band>(1, 2, 3), fc.uint8Array({ maxLength: 300 }), (band, d) => {
      assert.deepEqual(decodeSideband(encodeSideband(band, d)), { band, data: d });
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (payload) => {
      valueOrError(() => {
        const { band } = decodeSideband(payload);
        assert.ok(band >= 1 && band <= 3);
      }, ['PROTOCOL_CORRUPT']);
    }),
    RUNS,
  );
  assert.equal(SIDEBAND_DATA_MAX, 65515);
});

test('remote text is one line of printable ASCII, however hostile the bytes', T, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 8, max: 300 }), (bytes, max) => {
      const s = remoteText(bytes, max);
      assert.ok(/^[\x20-\x7e…]*$/.test(s), JSON.stringify(s));
      assert.ok(s.length <= max);
    }),
    RUNS,
  );
});

/** A v2 fetch response: optional acknowledgments, shallow-info, then the pack in pieces among keepalives and progress. */
const responseArb = fc
  .record({
    acks: fc.boolean(),
    shallow: fc.array(hex(40), { maxLength: 3 }),
    pieces: fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 8 }),
    noise: fc.array(fc.constantFrom('keepalive', 'progress', 'none'), { maxLength: 8 }),
  })
  .map(({ acks, shallow, pieces, noise }) => {
    const parts: Uint8Array[] = [];
    if (acks) parts.push(data('acknowledgments\n'), data('ready\n'), encodePkt({ type: 'delim' }));
    if (shallow.length > 0) parts.push(data('shallow-info\n'), ...shallow.map((s) => data(`shallow ${s}`)), encodePkt({ type: 'delim' }));
    parts.push(data('packfile\n'));
    pieces.forEach((p, i) => {
      const n = noise[i];
      if (n === 'keepalive') parts.push(data('\x01'));
      if (n === 'progress') parts.push(data(encodeSideband(2, latin1(`Receiving objects: ${i}%\r`))));
      if (p.length > 0) parts.push(data(encodeSideband(1, p)));
    });
    parts.push(encodePkt({ type: 'flush' }));
    return { bytes: cat(...parts), shallow, pack: cat(...pieces) };
  });

test('fetch response: any well-formed response, in any chunks, gives its pack and shallow ids', T, () => {
  fc.assert(
    fc.property(responseArb, cutsArb, (r, cuts) => {
      const d = new FetchResponseDecoder('sha1');
      const pack: number[] = [];
      for (const c of split(r.bytes, cuts)) for (const p of d.push(c)) pack.push(...p);
      const info = d.finish();
      assert.deepEqual(Uint8Array.from(pack), r.pack);
      assert.deepEqual(info.shallow, r.shallow);
      assert.equal(info.packBytes, r.pack.length);
    }),
    { numRuns: 200 },
  );
});

function decodeResponse(bytes: Uint8Array, cuts: readonly number[]): void {
  const d = new FetchResponseDecoder('sha1');
  for (const c of split(bytes, cuts)) d.push(c);
  d.finish();
}

test('fetch response: any bytes, or a good response damaged, give a value or PROTOCOL_CORRUPT / REMOTE_ERROR', T, () => {
  const codes = ['PROTOCOL_CORRUPT', 'REMOTE_ERROR'];
  fc.assert(fc.property(anyBytes, cutsArb, (bytes, cuts) => valueOrError(() => decodeResponse(bytes, cuts), codes)), RUNS);
  fc.assert(
    fc.property(
      responseArb.chain((r) => damage(r.bytes)),
      cutsArb,
      (bytes, cuts) => valueOrError(() => decodeResponse(bytes, cuts), codes),
    ),
    RUNS,
  );
});

const ADV = latin1(
  '000eversion 2\n0015agent=git/2.39.5\n0013ls-refs=unborn\n0027fetch=shallow wait-for-done filter\n0012server-option\n0017object-format=sha1\n0010object-info\n0000',
);

test('advertisement: any bytes, or a good one damaged, give a value or PROTOCOL_CORRUPT / TOO_LARGE, in any chunks', T, () => {
  const codes = ['PROTOCOL_CORRUPT', 'TOO_LARGE'];
  const run = (bytes: Uint8Array, cuts: readonly number[]) =>
    valueOrError(() => {
      const d = new AdvertisementDecoder();
      for (const c of split(bytes, cuts)) {
        d.push(c);
        if (d.result() !== undefined && d.result()!.version !== 2) break;
      }
      d.finish();
    }, codes);
  fc.assert(fc.property(anyBytes, cutsArb, run), RUNS);
  fc.assert(fc.property(damage(ADV), cutsArb, run), RUNS);
  fc.assert(fc.property(cutsArb, (cuts) => run(ADV, cuts)));
  assert.equal(decodeAdvertisement(ADV).version, 2);
});

// ---- the whole fetch over a transport serving fuzzed bytes

const CAPS: ServerCapabilities = (decodeAdvertisement(ADV) as { capabilities: ServerCapabilities }).capabilities;
const COMMIT = 'ab'.repeat(20);

/** A good RT1-like response around a small real pack (a commit, a tree, a blob). */
const GOOD = (() => {
  const pack = buildPack(
    [
      { type: OBJ_COMMIT, data: utf8('tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 0 +0000\ncommitter A <a@b> 0 +0000\n\nx\n') },
      { type: OBJ_TREE, data: new Uint8Array(0) },
      { type: OBJ_BLOB, data: utf8('hello\n'.repeat(30)) },
    ],
    backend,
  ).bytes;
  return cat(data('shallow-info\n'), data(`shallow ${COMMIT}`), encodePkt({ type: 'delim' }), data('packfile\n'), data(encodeSideband(1, pack.subarray(0, 50))), data(encodeSideband(1, pack.subarray(50))), encodePkt({ type: 'flush' }));
})();

function servingTransport(chunks: Uint8Array[]): Transport {
  const reply = {
    url: 'http://127.0.0.1:1/r.git/git-upload-pack',
    contentType: 'application/x-git-upload-pack-result',
    body: (async function* () {
      yield* chunks;
    })(),
    cancel: async () => undefined,
  };
  return {
    url: 'http://127.0.0.1:1/r.git',
    stats: { requests: 0, bytesReceived: 0, bytesSent: 0 },
    discover: () => Promise.reject(new Error('not used')),
    command: async () => reply,
  };
}

test('fetchPack: a served response, good or damaged, in any chunks, resolves or rejects with an XtestPackError naming the URL', T, async () => {
  const ok = await fetchPack(servingTransport([GOOD]), CAPS, { wants: [COMMIT] }, memoryPackSink(), backend);
  assert.equal(ok.objectCount, 3);
  assert.deepEqual(ok.missing, [COMMIT]);
  await fc.assert(
    fc.asyncProperty(fc.oneof(damage(GOOD), anyBytes), cutsArb, async (bytes, cuts) => {
      try {
        await fetchPack(servingTransport(split(bytes, cuts)), CAPS, { wants: [COMMIT] }, memoryPackSink(), backend);
      } catch (e) {
        if (!(e instanceof XtestPackError)) throw new Error(`not an XtestPackError: ${String(e)}`, { cause: e });
        assert.ok(e.message.startsWith('http://127.0.0.1:1/r.git/git-upload-pack'), e.message);
        assert.ok(!/[\r\n]/.test(e.message));
      }
    }),
    { numRuns: 300 },
  );
});
