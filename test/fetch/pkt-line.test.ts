// pkt-line framing and side-band demultiplexing, byte by byte: git's limits (0003, 65520), its
// leniencies (upper-case hex, 0004, no LF), chunks split anywhere, and remote text made safe.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { XtestPackError } from '../../src/errors.js';
import { LARGE_PACKET_DATA_MAX, LARGE_PACKET_MAX, PktLineDecoder, decodePkts, encodePkt, encodeTextPkt, pktText, type Pkt } from '../../src/fetch/pkt-line.js';
import { ProgressTail, SIDEBAND_DATA_MAX, decodeSideband, encodeSideband, remoteText } from '../../src/fetch/sideband.js';

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array): string => String.fromCharCode(...b);

function corrupt(f: () => unknown, offset?: number): XtestPackError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof XtestPackError, `expected XtestPackError, got ${String(e)}`);
    assert.equal(e.code, 'PROTOCOL_CORRUPT', e.message);
    assert.ok(!e.message.includes('\n'));
    if (offset !== undefined) assert.equal(e.offset, offset, e.message);
    return e;
  }
  assert.fail('expected PROTOCOL_CORRUPT, nothing was thrown');
}

/** A data packet of `n` bytes of `fill`. */
function big(n: number, fill = 0x61): Uint8Array {
  const out = new Uint8Array(n + 4);
  out.set(latin1((n + 4).toString(16).padStart(4, '0')));
  out.fill(fill, 4);
  return out;
}

describe('encode', () => {
  test('specials and text lines as git writes them', () => {
    assert.equal(text(encodePkt({ type: 'flush' })), '0000');
    assert.equal(text(encodePkt({ type: 'delim' })), '0001');
    assert.equal(text(encodePkt({ type: 'response-end' })), '0002');
    assert.equal(text(encodeTextPkt('done')), '0009done\n');
    assert.equal(text(encodeTextPkt('command=fetch')), '0012command=fetch\n');
    assert.equal(text(encodePkt({ type: 'data', data: new Uint8Array(0xfb) })).slice(0, 4), '00ff', 'lower-case hex');
  });

  test('payloads of 1 to 65516 bytes; 0 (0004) and 65517 are refused', () => {
    assert.equal(encodePkt({ type: 'data', data: new Uint8Array(LARGE_PACKET_DATA_MAX) }).length, LARGE_PACKET_MAX);
    assert.throws(() => encodePkt({ type: 'data', data: new Uint8Array(0) }), RangeError);
    assert.throws(() => encodePkt({ type: 'data', data: new Uint8Array(LARGE_PACKET_DATA_MAX + 1) }), RangeError);
  });

  test('text lines are printable ASCII', () => {
    assert.throws(() => encodeTextPkt('a\nb'), RangeError);
    assert.throws(() => encodeTextPkt('caf\u00e9'), RangeError);
  });
});

describe('decode', () => {
  test('a reply of data, delim and flush packets; 0004 is an empty line; a missing LF is fine', () => {
    const pkts = decodePkts(latin1('000eversion 2\n00010004000aabcdef0000'));
    assert.deepEqual(
      pkts.map((p) => (p.type === 'data' ? `data:${pktText(p.data)}` : p.type)),
      ['data:version 2', 'delim', 'data:', 'data:abcdef', 'flush'],
    );
    assert.deepEqual(decodePkts(latin1('0002')), [{ type: 'response-end' }]);
    assert.deepEqual(decodePkts(latin1('0004')), [{ type: 'data', data: new Uint8Array(0) }], '0004 as the last bytes');
  });

  test('upper-case hex digits are read as git reads them', () => {
    const [p] = decodePkts(latin1(`000A${'x'.repeat(6)}`));
    assert.equal(p?.type === 'data' && p.data.length, 6);
  });

  test('65520 bytes is the largest packet; 65521 is refused', () => {
    const [p] = decodePkts(big(LARGE_PACKET_DATA_MAX));
    assert.equal(p?.type === 'data' && p.data.length, LARGE_PACKET_DATA_MAX);
    corrupt(() => decodePkts(big(LARGE_PACKET_DATA_MAX + 1)), 0);
    corrupt(() => decodePkts(latin1('ffff')), 0);
  });

  test('0003, non-hex digits, signs, spaces and 0x are refused, at the packet’s offset', () => {
    for (const head of ['0003', '00zz', '-001', '+004', ' 004', '0x04', '00\u00e94', '000g']) {
      corrupt(() => decodePkts(latin1(`0009done\n${head}more`)), 9);
    }
  });

  test('a stream that ends inside a packet is refused by finish()', () => {
    corrupt(() => decodePkts(latin1('000')), 0);
    corrupt(() => decodePkts(latin1('0009don')), 0);
    corrupt(() => decodePkts(latin1('0000000aab')), 4);
  });

  test('chunks split anywhere give the same packets (one byte at a time included)', () => {
    const whole = latin1('0011shallow-info\n0001000dpackfile\n0006\x01\xff0005\x010000');
    const expected = decodePkts(whole);
    for (let size = 1; size <= whole.length; size++) {
      const d = new PktLineDecoder();
      const got: Pkt[] = [];
      for (let at = 0; at < whole.length; at += size) {
        d.push(whole.subarray(at, at + size));
        for (let p = d.next(); p !== undefined; p = d.next()) got.push(p);
      }
      d.finish();
      assert.deepEqual(got, expected, `chunks of ${size}`);
      assert.equal(d.offset, whole.length);
    }
  });

  test('a bad digit is refused as soon as it arrives, before the rest of the header', () => {
    const d = new PktLineDecoder();
    d.push(latin1('0'));
    assert.equal(d.next(), undefined);
    d.push(latin1('z'));
    corrupt(() => d.next(), 0);
  });
});

describe('side-band', () => {
  test('bands 1, 2 and 3 round trip; band 1 may be empty (the keepalive)', () => {
    for (const band of [1, 2, 3] as const) {
      const data = latin1(`data on ${band}`);
      assert.deepEqual(decodeSideband(encodeSideband(band, data)), { band, data });
    }
    assert.equal(decodeSideband(latin1('\x01')).data.length, 0);
    assert.equal(encodeSideband(1, new Uint8Array(SIDEBAND_DATA_MAX)).length, LARGE_PACKET_DATA_MAX);
    assert.throws(() => encodeSideband(1, new Uint8Array(SIDEBAND_DATA_MAX + 1)), RangeError);
  });

  test('an empty payload and bands 0, 4, 255 are PROTOCOL_CORRUPT', () => {
    corrupt(() => decodeSideband(new Uint8Array(0), 7), 7);
    for (const band of [0, 4, 0x45, 255]) corrupt(() => decodeSideband(new Uint8Array([band, 1, 2])));
  });

  test('remote text: trailing NUL and line ends dropped, breaks and control bytes made visible, the end kept', () => {
    assert.equal(remoteText(latin1('aborting due to possible repository corruption on the remote side.\0')), 'aborting due to possible repository corruption on the remote side.');
    assert.equal(remoteText(latin1('one\ntwo\r\n')), 'one / two');
    assert.equal(remoteText(latin1('\x1b[31mred\x07 caf\xc3\xa9 \\')), '\\x1b[31mred\\x07 caf\\xc3\\xa9 \\x5c');
    const long = remoteText(latin1(`${'x'.repeat(500)} the reason`), 40);
    assert.equal(long.length, 40);
    assert.ok(long.endsWith('the reason'));
  });

  test('ProgressTail keeps the last line of band 2, bounded', () => {
    const tail = new ProgressTail(64);
    assert.equal(tail.lastLine(), undefined);
    tail.add(latin1('Counting objects:  50% (1/2)\rCounting objects: 100% (2/2), done.\n'));
    assert.equal(tail.lastLine(), 'Counting objects: 100% (2/2), done.');
    tail.add(latin1('fatal: unable to read 8933'));
    tail.add(latin1('b2\n\n'));
    assert.equal(tail.lastLine(), 'fatal: unable to read 8933b2');
    tail.add(new Uint8Array(1000).fill(0x61));
    assert.equal(tail.lastLine(), 'a'.repeat(64));
  });
});
