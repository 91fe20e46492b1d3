// idxFormatFromHead: the object format from an idx's first bytes and size, without reading it all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { IDX_HEAD_LENGTH, encodeIdx, idxFormatFromHead } from '../../src/pack/idx.js';
import { hashLength, type ObjectFormat } from '../../src/pack/oid.js';

const backend = getBackend();

function idxOf(format: ObjectFormat, n: number, version: 1 | 2): Uint8Array {
  const h = hashLength(format);
  const oids = new Uint8Array(n * h);
  for (let i = 0; i < oids.length; i++) oids[i] = (i * 131 + 7) & 0xff;
  const offsets = Float64Array.from({ length: n }, (_, i) => 12 + i * 100);
  return encodeIdx({ format, count: n, oids, offsets, crc32s: new Uint32Array(n) }, new Uint8Array(h), backend, { version });
}

test('the format of v1 and v2 idx files of both formats, from the head alone', () => {
  for (const format of ['sha1', 'sha256'] as const) {
    for (const version of [1, 2] as const) {
      for (const n of [1, 3, 1000]) {
        const idx = idxOf(format, n, version);
        assert.equal(idxFormatFromHead(idx.subarray(0, IDX_HEAD_LENGTH), idx.length), format, `${format} v${version} n=${n}`);
      }
    }
  }
});

test('a head that is too short or a size no layout fits: undefined', () => {
  const idx = idxOf('sha1', 5, 2);
  assert.equal(idxFormatFromHead(idx.subarray(0, 100), idx.length), undefined);
  assert.equal(idxFormatFromHead(idx.subarray(0, IDX_HEAD_LENGTH), idx.length + 3), undefined);
});
