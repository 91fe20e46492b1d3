// idxFormat: the object format of an idx from its head and size alone when only one format fits,
// from its checksum (the whole idx read) only when both do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { isXtestPackError } from '../../src/errors.js';
import { IDX_HEAD_LENGTH, encodeIdx, formatsFitting, decodeIdxHead, idxFormat } from '../../src/pack/idx/index.js';
import { hashLength, type ObjectFormat } from '../../src/pack/oid.js';
import { bytesSource, type ByteSource } from '../../src/pack/source.js';

const backend = getBackend();

function idxOf(format: ObjectFormat, n: number, version: 1 | 2): Uint8Array {
  const h = hashLength(format);
  const oids = new Uint8Array(n * h);
  for (let i = 0; i < oids.length; i++) oids[i] = (i * 131 + 7) & 0xff;
  const offsets = Float64Array.from({ length: n }, (_, i) => 12 + i * 100);
  return encodeIdx({ format, count: n, oids, offsets, crc32s: new Uint32Array(n) }, new Uint8Array(h), backend, { version });
}

/** A source over `bytes` (not viewable in memory) that counts the bytes read. */
function counting(bytes: Uint8Array): ByteSource & { read_: number } {
  const inner = bytesSource(bytes, 'pack-x.idx');
  const s = {
    size: bytes.length,
    name: 'pack-x.idx',
    read_: 0,
    read(offset: number, length: number) {
      s.read_ += length;
      return inner.read(offset, length).slice();
    },
    readInto(offset: number, into: Uint8Array) {
      s.read_ += into.length;
      inner.readInto(offset, into);
    },
  };
  return s;
}

test('the format of v1 and v2 idx files of both formats; the head alone is read when one layout fits', () => {
  for (const format of ['sha1', 'sha256'] as const) {
    for (const version of [1, 2] as const) {
      for (const n of [1, 3, 1000]) {
        const idx = idxOf(format, n, version);
        const src = counting(idx);
        assert.equal(idxFormat(src, backend), format, `${format} v${version} n=${n}`);
        const fits = formatsFitting(decodeIdxHead(idx.subarray(0, IDX_HEAD_LENGTH), idx.length), idx.length);
        if (fits.length === 1) assert.ok(src.read_ <= IDX_HEAD_LENGTH, `${format} v${version} n=${n}: read ${src.read_}`);
      }
    }
  }
});

test('a size no layout fits: IDX_CORRUPT naming the idx; a head too short: IDX_CORRUPT', () => {
  const idx = idxOf('sha1', 5, 2);
  const longer = new Uint8Array(idx.length + 3);
  longer.set(idx);
  for (const bad of [longer, idx.subarray(0, 100)]) {
    assert.throws(
      () => idxFormat(bytesSource(bad, 'pack-x.idx'), backend),
      (e: unknown) => isXtestPackError(e, 'IDX_CORRUPT') && e.file === 'pack-x.idx',
    );
  }
});
