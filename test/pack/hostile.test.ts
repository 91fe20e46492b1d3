// Hand-built hostile packs and idx files: each test reproduces one lie or one kind of damage and
// requires an XtestPackError with a fitting code, the place it concerns (offset or object), and
// a one-line message, through indexPack and, where an idx can point at it, PackFile random access.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import type { ErrorCode, XtestPackError } from '../../src/errors.js';
import { pushVarint } from '../../src/pack/delta.js';
import { openIdx } from '../../src/pack/idx/index.js';
import { indexPack } from '../../src/pack/index-pack.js';
import { OBJ_BLOB, OBJ_OFS_DELTA, OBJ_REF_DELTA, hashLength, type ObjectFormat } from '../../src/pack/oid.js';
import { PackFile } from '../../src/pack/pack-file.js';
import { bytesSource } from '../../src/pack/source.js';
import { verifyPack } from '../../src/pack/verify.js';
import { runBounded, type BoundedOp } from '../support/bounded.js';
import {
  buildIdx,
  buildPack,
  expectPackError,
  objectId,
  pseudoRandomBytes,
  simpleDelta,
  utf8,
  type BuiltPack,
  type EntrySpec,
} from '../support/pack-builder.js';

const backend = getBackend();
const T = { timeout: 10_000 };
const PACK_NAME = 'hostile.pack';
const MiB = 2 ** 20;

const BASE = utf8('line one of the base object\n'.repeat(12) + 'the end of the base\n');
const TARGET = utf8('line one of the base object\n'.repeat(12) + 'a different ending, longer than before\n');
const DELTA = simpleDelta(BASE, TARGET);
const OTHER = utf8('another blob, unrelated to the others\n');

/** What `check` looks at: an XtestPackError, or its fields as a worker reported them. */
interface ErrorLike {
  code: string | undefined;
  message: string;
  offset: number | undefined;
  oid: string | undefined;
}

/** Check an error: its code is one of `codes`, it names a place, its message is one line. */
function check<E extends ErrorLike>(e: E, codes: ErrorCode | ErrorCode[], where: { offset?: number | number[]; oid?: true } = {}): E {
  const allowed: (string | undefined)[] = Array.isArray(codes) ? codes : [codes];
  assert.ok(allowed.includes(e.code), `code ${e.code} (${e.message}) is not ${allowed.join(' or ')}`);
  assert.ok(!/[\r\n]/.test(e.message), `multi-line message: ${JSON.stringify(e.message)}`);
  assert.ok(e.offset !== undefined || e.oid !== undefined, `error names neither an offset nor an object: ${e.message}`);
  if (where.offset !== undefined) {
    const offsets = Array.isArray(where.offset) ? where.offset : [where.offset];
    assert.ok(offsets.includes(e.offset!), `offset ${e.offset} is not ${offsets.join(' or ')} (${e.message})`);
  }
  if (where.oid) assert.ok(e.oid !== undefined, `error names no object: ${e.message}`);
  return e;
}

function indexBytes(bytes: Uint8Array, format: ObjectFormat = 'sha1'): XtestPackError {
  const e = expectPackError(() => indexPack(bytesSource(bytes, PACK_NAME), backend, { format }), 'indexPack');
  assert.equal(e.file, PACK_NAME, 'indexPack errors name the pack file');
  return e;
}

function indexBuilt(pack: BuiltPack): XtestPackError {
  return indexBytes(pack.bytes, pack.format);
}

/** Open `pack` with an idx listing entry i as `oids[i]` (real offsets unless given). */
function open(pack: BuiltPack, oids: Uint8Array[], offsets?: number[]): PackFile {
  const idx = openIdx(bytesSource(buildIdx(pack, oids, backend, offsets ? { offsets } : {})), backend, { format: pack.format, verify: true });
  return PackFile.open(bytesSource(pack.bytes, PACK_NAME), idx, backend);
}

function readAt(pf: PackFile, offset: number): XtestPackError {
  const e = expectPackError(() => pf.readAt(offset), `readAt(${offset})`);
  assert.equal(e.file, PACK_NAME, 'PackFile errors name the pack file');
  return e;
}

/** Distinct fake ids (for entries whose real id cannot exist, such as members of a cycle). */
function fakeOid(n: number, format: ObjectFormat = 'sha1'): Uint8Array {
  return pseudoRandomBytes(hashLength(format), 1000 + n);
}

/**
 * Run a read that must terminate in a worker with a deadline (a loop on hostile input would
 * otherwise block the test runner for good) and require an XtestPackError from it.
 */
async function terminates(work: BoundedOp): Promise<ErrorLike> {
  const o = await runBounded(work);
  if (o.kind !== 'threw') assert.fail(`${work.op}: ${o.kind === 'crashed' ? `crashed: ${o.message}` : o.kind}`);
  assert.equal(o.name, 'XtestPackError', `${work.op} threw ${o.name}: ${o.message}`);
  assert.equal(o.file, PACK_NAME, `${work.op} errors name the pack file`);
  return o;
}

function readAtWork(pack: BuiltPack, oids: Uint8Array[], offset: number): BoundedOp {
  return { op: 'readAt', pack: pack.bytes, idx: buildIdx(pack, oids, backend), format: pack.format, name: PACK_NAME, offset };
}

function indexWork(pack: BuiltPack): BoundedOp {
  return { op: 'indexPack', pack: pack.bytes, format: pack.format, name: PACK_NAME };
}

/** Run `fn` and require the process's ArrayBuffer memory to grow by less than 64 MiB. */
function boundedMemory<T>(what: string, fn: () => T): T {
  const before = process.memoryUsage().arrayBuffers;
  const r = fn();
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 64 * MiB, `${what}: ArrayBuffer memory grew by ${Math.round(grown / MiB)} MiB`);
  return r;
}

const blob = (data: Uint8Array, extra: Partial<EntrySpec> = {}): EntrySpec => ({ type: OBJ_BLOB, data, ...extra });
const blobId = (data: Uint8Array, format: ObjectFormat = 'sha1'): Uint8Array => objectId(backend, format, OBJ_BLOB, data);

describe('hostile packs: the frame', () => {
  test('sanity: the honest builder output indexes, verifies and reads back (so the lies below are the only fault)', T, () => {
    for (const format of ['sha1', 'sha256'] as const) {
      const pack = buildPack([blob(BASE), { type: OBJ_OFS_DELTA, data: DELTA, ofsBase: 0 }, { type: OBJ_REF_DELTA, data: simpleDelta(BASE, OTHER), refBase: blobId(BASE, format) }], backend, { format });
      const indexed = indexPack(bytesSource(pack.bytes), backend, { format });
      assert.deepEqual(Array.from(indexed.offsets), pack.offsets);
      const oids = [blobId(BASE, format), blobId(TARGET, format), blobId(OTHER, format)];
      const idxBytes = buildIdx(pack, oids, backend);
      verifyPack(bytesSource(pack.bytes), idxBytes, backend);
      const pf = open(pack, oids);
      assert.deepEqual(pf.findObject(oids[1]!)!.data, TARGET);
      assert.deepEqual(pf.findObject(oids[2]!)!.data, OTHER);
    }
  });

  test('truncated pack: cut inside the 12-byte header, or too short to hold header and trailer', T, () => {
    const pack = buildPack([blob(BASE)], backend);
    for (const len of [0, 3, 4, 8, 11, 12, 12 + 19]) {
      check(indexBytes(pack.bytes.subarray(0, len)), 'PACK_CORRUPT', { offset: 0 });
    }
  });

  test('truncated pack: cut inside an entry (the second of two)', T, () => {
    const pack = buildPack([blob(BASE), blob(OTHER)], backend);
    for (const cut of [pack.offsets[1]! + 1, pack.offsets[1]! + 4, pack.ends[1]! - 2]) {
      check(indexBytes(pack.bytes.subarray(0, cut)), ['PACK_CORRUPT', 'CHECKSUM_MISMATCH']);
    }
  });

  test('truncated pack: cut inside the trailer', T, () => {
    const pack = buildPack([blob(BASE), blob(OTHER)], backend);
    for (const missing of [1, 7, 19]) {
      check(indexBytes(pack.bytes.subarray(0, pack.bytes.length - missing)), ['PACK_CORRUPT', 'CHECKSUM_MISMATCH']);
    }
  });

  test('bad trailer checksum: CHECKSUM_MISMATCH at the trailer', T, () => {
    for (const format of ['sha1', 'sha256'] as const) {
      const pack = buildPack([blob(BASE), { type: OBJ_OFS_DELTA, data: DELTA, ofsBase: 0 }], backend, { format, badTrailer: true });
      check(indexBuilt(pack), 'CHECKSUM_MISMATCH', { offset: pack.trailerAt });
    }
  });

  test('bad signature ("PACX", "KCAP", zeros): PACK_CORRUPT at offset 0', T, () => {
    for (const sig of ['PACX', 'KCAP', '\0\0\0\0']) {
      const pack = buildPack([blob(BASE)], backend, { signature: utf8(sig) });
      check(indexBuilt(pack), 'PACK_CORRUPT', { offset: 0 });
    }
  });

  test('pack versions 1, 4, 0 and 2^32-1: PACK_UNSUPPORTED at offset 4 (version 3 is read)', T, () => {
    for (const version of [1, 4, 0, 0xffffffff]) {
      const pack = buildPack([blob(BASE)], backend, { version });
      check(indexBuilt(pack), 'PACK_UNSUPPORTED', { offset: 4 });
    }
    const v3 = buildPack([blob(BASE)], backend, { version: 3 });
    assert.equal(indexPack(bytesSource(v3.bytes), backend).version, 3);
  });

  test('object count larger than the data: one more object than present, and counts no pack of this size can hold', T, () => {
    const pack = buildPack([blob(BASE), blob(OTHER)], backend, { count: 3 });
    check(indexBuilt(pack), 'PACK_CORRUPT', { offset: pack.trailerAt });
    for (const count of [1000, 0x7fffffff, 0xffffffff]) {
      check(indexBuilt(buildPack([blob(BASE), blob(OTHER)], backend, { count })), 'PACK_CORRUPT', { offset: 8 });
    }
  });

  test('object count smaller than the data (0 of 2, 1 of 2): the rest is junk before the trailer', T, () => {
    const zero = buildPack([blob(BASE), blob(OTHER)], backend, { count: 0 });
    check(indexBuilt(zero), 'PACK_CORRUPT', { offset: zero.offsets[0]! });
    const one = buildPack([blob(BASE), blob(OTHER)], backend, { count: 1 });
    check(indexBuilt(one), 'PACK_CORRUPT', { offset: one.offsets[1]! });
  });

  test('junk bytes between the last object and the trailer: PACK_CORRUPT where the junk starts', T, () => {
    for (const junk of [Uint8Array.of(0), utf8('junk junk junk'), pseudoRandomBytes(300, 5)]) {
      const pack = buildPack([blob(BASE), blob(OTHER)], backend, { junk });
      check(indexBuilt(pack), 'PACK_CORRUPT', { offset: pack.ends[1]! });
    }
  });
});

describe('hostile packs: entries', () => {
  test('object types 0 and 5 (reserved): PACK_CORRUPT at the entry, first or later', T, () => {
    for (const type of [0, 5]) {
      const first = buildPack([blob(BASE, { type })], backend);
      check(indexBuilt(first), 'PACK_CORRUPT', { offset: 12 });
      const second = buildPack([blob(BASE), blob(OTHER, { type })], backend);
      check(indexBuilt(second), 'PACK_CORRUPT', { offset: second.offsets[1]! });
      const pf = open(second, [blobId(BASE), blobId(OTHER)]);
      check(readAt(pf, second.offsets[1]!), 'PACK_CORRUPT', { offset: second.offsets[1]! });
    }
  });

  test('declared object size bigger than the inflated data (whole object and delta): PACK_CORRUPT at the entry', T, () => {
    for (const extra of [1, 100]) {
      const whole = buildPack([blob(BASE, { declaredSize: BASE.length + extra }), blob(OTHER)], backend);
      check(indexBuilt(whole), 'PACK_CORRUPT', { offset: 12 });
      check(readAt(open(whole, [blobId(BASE), blobId(OTHER)]), 12), 'PACK_CORRUPT', { offset: 12 });
      const delta = buildPack([blob(BASE), { type: OBJ_OFS_DELTA, data: DELTA, ofsBase: 0, declaredSize: DELTA.length + extra }], backend);
      check(indexBuilt(delta), 'PACK_CORRUPT', { offset: delta.offsets[1]! });
      check(readAt(open(delta, [blobId(BASE), blobId(TARGET)]), delta.offsets[1]!), 'PACK_CORRUPT', { offset: delta.offsets[1]! });
    }
  });

  test('declared object size smaller than the inflated data (whole object and delta): PACK_CORRUPT at the entry', T, () => {
    for (const less of [1, 100]) {
      const whole = buildPack([blob(BASE, { declaredSize: BASE.length - less }), blob(OTHER)], backend);
      check(indexBuilt(whole), 'PACK_CORRUPT', { offset: 12 });
      check(readAt(open(whole, [blobId(BASE), blobId(OTHER)]), 12), 'PACK_CORRUPT', { offset: 12 });
      const delta = buildPack([blob(BASE), { type: OBJ_OFS_DELTA, data: DELTA, ofsBase: 0, declaredSize: DELTA.length - Math.min(less, DELTA.length - 1) }], backend);
      check(indexBuilt(delta), 'PACK_CORRUPT', { offset: delta.offsets[1]! });
      check(readAt(open(delta, [blobId(BASE), blobId(TARGET)]), delta.offsets[1]!), 'PACK_CORRUPT', { offset: delta.offsets[1]! });
    }
  });

  test('declared sizes of 2^28, 2^40 and 2^53-1 for a 40-byte object fail fast without allocating them', T, () => {
    for (const size of [2 ** 28, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      const pack = buildPack([blob(OTHER, { declaredSize: size }), blob(BASE)], backend);
      check(boundedMemory(`indexPack, size ${size}`, () => indexBuilt(pack)), ['PACK_CORRUPT', 'TOO_LARGE'], { offset: 12 });
      const pf = open(pack, [blobId(OTHER), blobId(BASE)]);
      check(boundedMemory(`readAt, size ${size}`, () => readAt(pf, 12)), ['PACK_CORRUPT', 'TOO_LARGE'], { offset: 12 });
      // The same lie on a delta entry's size.
      const d = buildPack([blob(BASE), { type: OBJ_OFS_DELTA, data: DELTA, ofsBase: 0, declaredSize: size }], backend);
      check(boundedMemory(`indexPack, delta size ${size}`, () => indexBuilt(d)), ['PACK_CORRUPT', 'TOO_LARGE'], { offset: d.offsets[1]! });
      const pd = open(d, [blobId(BASE), blobId(TARGET)]);
      check(boundedMemory(`readAt, delta size ${size}`, () => readAt(pd, d.offsets[1]!)), ['PACK_CORRUPT', 'TOO_LARGE'], { offset: d.offsets[1]! });
    }
  });

  // The declared-size check allows 1032 bytes per compressed byte left, so a pack of a few MiB
  // may declare an object of 4 GiB: more than any Uint8Array can hold (buffer.constants.MAX_LENGTH
  // is 2^32 on Node 20). That must be an XtestPackError (TOO_LARGE exists for it), not a RangeError
  // from an allocation of the declared size.
  test('declared size of 2^32 (past the largest buffer) for an entry with 4 MiB of zlib data: an XtestPackError, not a RangeError', T, () => {
    const big = pseudoRandomBytes(4_200_000, 99);
    const pack = buildPack([blob(big, { declaredSize: 2 ** 32 })], backend, { level: 0 });
    check(boundedMemory('indexPack', () => indexBuilt(pack)), ['TOO_LARGE', 'PACK_CORRUPT'], { offset: 12 });
    const pf = open(pack, [blobId(OTHER)]);
    check(boundedMemory('readAt', () => readAt(pf, 12)), ['TOO_LARGE', 'PACK_CORRUPT'], { offset: 12 });
  });

  test('a delta whose header declares a 2^40-byte result fails (DELTA_CORRUPT) without allocating it', T, () => {
    const hdr: number[] = [];
    pushVarint(hdr, BASE.length);
    pushVarint(hdr, 2 ** 40);
    // Three copies of the first 32 base bytes: 96 bytes really produced.
    const data = Uint8Array.from([...hdr, 0x90, 0x20, 0x90, 0x20, 0x90, 0x20]);
    const pack = buildPack([blob(BASE), { type: OBJ_OFS_DELTA, data, ofsBase: 0 }], backend);
    check(boundedMemory('indexPack', () => indexBuilt(pack)), 'DELTA_CORRUPT', { offset: pack.offsets[1]! });
    const pf = open(pack, [blobId(BASE), fakeOid(1)]);
    check(boundedMemory('readAt', () => readAt(pf, pack.offsets[1]!)), 'DELTA_CORRUPT', { offset: pack.offsets[1]! });
  });

  test('a delta for a base of another size than its base: DELTA_CORRUPT at the delta', T, () => {
    const pack = buildPack([blob(OTHER), { type: OBJ_OFS_DELTA, data: DELTA, ofsBase: 0 }], backend);
    check(indexBuilt(pack), 'DELTA_CORRUPT', { offset: pack.offsets[1]! });
    check(readAt(open(pack, [blobId(OTHER), fakeOid(1)]), pack.offsets[1]!), 'DELTA_CORRUPT', { offset: pack.offsets[1]! });
  });

  test('an entry whose zlib stream is corrupt, or cut short by the trailer: PACK_CORRUPT at the entry', T, () => {
    const z = backend.deflate(BASE, 6);
    const bad = z.slice();
    bad[2] = 0xff; // invalid block type
    const corrupt = buildPack([blob(OTHER), blob(BASE, { zlib: bad })], backend);
    check(indexBuilt(corrupt), 'PACK_CORRUPT', { offset: corrupt.offsets[1]! });
    check(readAt(open(corrupt, [blobId(OTHER), blobId(BASE)]), corrupt.offsets[1]!), 'PACK_CORRUPT', { offset: corrupt.offsets[1]! });
    const short = buildPack([blob(OTHER), blob(BASE, { zlib: z.subarray(0, z.length - 6) })], backend);
    check(indexBuilt(short), 'PACK_CORRUPT', { offset: short.offsets[1]! });
    check(readAt(open(short, [blobId(OTHER), blobId(BASE)]), short.offsets[1]!), 'PACK_CORRUPT', { offset: short.offsets[1]! });
  });
});

describe('hostile packs: delta bases', () => {
  test('OFS_DELTA pointing before the pack header ends (base at 11, and before byte 0): PACK_CORRUPT at the delta', T, () => {
    for (const back of [1, 12, 1000]) {
      const probe = buildPack([blob(BASE), { type: OBJ_OFS_DELTA, data: DELTA, ofsBase: 0 }], backend);
      const distance = probe.offsets[1]! - 12 + back; // base at 12 - back
      const pack = buildPack([blob(BASE), { type: OBJ_OFS_DELTA, data: DELTA, ofsDistance: distance }], backend);
      assert.equal(pack.offsets[1], probe.offsets[1]);
      check(indexBuilt(pack), 'PACK_CORRUPT', { offset: pack.offsets[1]! });
      check(readAt(open(pack, [blobId(BASE), blobId(TARGET)]), pack.offsets[1]!), 'PACK_CORRUPT', { offset: pack.offsets[1]! });
    }
  });

  test('OFS_DELTA pointing inside an earlier entry, not at its start: PACK_CORRUPT', T, () => {
    const probe = buildPack([blob(BASE), { type: OBJ_OFS_DELTA, data: DELTA, ofsBase: 0 }], backend);
    for (const into of [1, 3]) {
      const pack = buildPack([blob(BASE), { type: OBJ_OFS_DELTA, data: DELTA, ofsDistance: probe.offsets[1]! - 12 - into }], backend);
      check(indexBuilt(pack), 'PACK_CORRUPT', { offset: [pack.offsets[1]!, 12 + into] });
      check(readAt(open(pack, [blobId(BASE), blobId(TARGET)]), pack.offsets[1]!), 'PACK_CORRUPT', { offset: [pack.offsets[1]!, 12 + into] });
    }
  });

  test('OFS_DELTA pointing at itself (distance 0): PACK_CORRUPT at the delta, and reading it terminates', T, async () => {
    const pack = buildPack([blob(BASE), { type: OBJ_OFS_DELTA, data: DELTA, ofsRaw: Uint8Array.of(0) }], backend);
    check(await terminates(indexWork(pack)), 'PACK_CORRUPT', { offset: pack.offsets[1]! });
    check(await terminates(readAtWork(pack, [blobId(BASE), fakeOid(1)], pack.offsets[1]!)), 'PACK_CORRUPT', { offset: pack.offsets[1]! });
  });

  test('REF_DELTA cycle (A based on B, B based on A): indexPack terminates and reports the deltas unresolved (OBJECT_MISSING)', T, async () => {
    for (const format of ['sha1', 'sha256'] as const) {
      const a = fakeOid(1, format);
      const b = fakeOid(2, format);
      const pack = buildPack(
        [blob(OTHER), { type: OBJ_REF_DELTA, data: DELTA, refBase: b }, { type: OBJ_REF_DELTA, data: DELTA, refBase: a }],
        backend,
        { format },
      );
      check(await terminates(indexWork(pack)), 'OBJECT_MISSING', { offset: [pack.offsets[1]!, pack.offsets[2]!] });
    }
  });

  test('REF_DELTA cycle (A based on B, B based on A) read through an idx naming both: DELTA_CORRUPT, terminates', T, async () => {
    for (const format of ['sha1', 'sha256'] as const) {
      const a = fakeOid(1, format);
      const b = fakeOid(2, format);
      const pack = buildPack(
        [blob(OTHER), { type: OBJ_REF_DELTA, data: DELTA, refBase: b }, { type: OBJ_REF_DELTA, data: DELTA, refBase: a }],
        backend,
        { format },
      );
      const oids = [blobId(OTHER, format), a, b];
      const cycle = [pack.offsets[1]!, pack.offsets[2]!];
      check(await terminates(readAtWork(pack, oids, pack.offsets[1]!)), 'DELTA_CORRUPT', { offset: cycle });
      check(await terminates(readAtWork(pack, oids, pack.offsets[2]!)), 'DELTA_CORRUPT', { offset: cycle });
      // Known to terminate now: the same through findObject, in process.
      const pf = open(pack, oids);
      check(expectPackError(() => pf.findObject(a), 'findObject'), 'DELTA_CORRUPT', { offset: cycle });
      // The whole object beside the cycle still reads.
      assert.deepEqual(pf.findObject(blobId(OTHER, format))!.data, OTHER);
    }
  });

  test('REF_DELTA based on its own id: indexPack OBJECT_MISSING; read through an idx, DELTA_CORRUPT; both terminate', T, async () => {
    const self = fakeOid(7);
    const pack = buildPack([blob(OTHER), { type: OBJ_REF_DELTA, data: DELTA, refBase: self }], backend);
    check(await terminates(indexWork(pack)), 'OBJECT_MISSING', { offset: pack.offsets[1]! });
    check(await terminates(readAtWork(pack, [blobId(OTHER), self], pack.offsets[1]!)), 'DELTA_CORRUPT', { offset: pack.offsets[1]! });
  });

  test('cycle through both delta kinds (REF_DELTA A based on B, OFS_DELTA B based on A): DELTA_CORRUPT, terminates', T, async () => {
    const a = fakeOid(1);
    const b = fakeOid(2);
    const pack = buildPack([{ type: OBJ_REF_DELTA, data: DELTA, refBase: b }, { type: OBJ_OFS_DELTA, data: DELTA, ofsBase: 0 }], backend);
    check(await terminates(indexWork(pack)), 'OBJECT_MISSING', { offset: pack.offsets });
    for (const at of pack.offsets) check(await terminates(readAtWork(pack, [a, b], at)), 'DELTA_CORRUPT', { offset: pack.offsets });
  });

  test('REF_DELTA whose base is in no pack (a thin pack): OBJECT_MISSING at the delta', T, () => {
    const pack = buildPack([blob(OTHER), { type: OBJ_REF_DELTA, data: DELTA, refBase: blobId(BASE) }], backend);
    check(indexBuilt(pack), 'OBJECT_MISSING', { offset: pack.offsets[1]! });
    check(readAt(open(pack, [blobId(OTHER), blobId(TARGET)]), pack.offsets[1]!), 'OBJECT_MISSING', { offset: pack.offsets[1]! });
  });
});

describe('hostile idx files', () => {
  const pack = buildPack([blob(BASE), { type: OBJ_OFS_DELTA, data: DELTA, ofsBase: 0 }, blob(OTHER)], backend);
  const oids = [blobId(BASE), blobId(TARGET), blobId(OTHER)];

  const outside = [
    ['past the end of the pack', pack.bytes.length + 100],
    ['inside the trailer', pack.trailerAt + 3],
    ['exactly at the trailer', pack.trailerAt],
    ['inside the pack header', 5],
    ['past 2^32', 2 ** 32 + 12],
  ] as const;

  // Offsets are checked as they are used, as git's use_pack does (opening a pack reads none of
  // its idx entries), so a bad one is refused when its object is read, and only then.
  for (const [what, bogus] of outside) {
    test(`idx offset ${what}: reading that object is IDX_CORRUPT naming the pack, the offset and the object`, T, () => {
      const pf = open(pack, oids, [pack.offsets[0]!, pack.offsets[1]!, bogus]);
      const e = expectPackError(() => pf.findObject(oids[2]!), 'findObject');
      check(e, 'IDX_CORRUPT', { offset: bogus, oid: true });
      assert.equal(e.file, PACK_NAME);
      assert.deepEqual(pf.findObject(oids[1]!)?.data, TARGET, 'the objects the idx places right still read');
    });
  }

  test('readAt an offset outside the objects: IDX_CORRUPT naming the offset', T, () => {
    const pf = open(pack, oids);
    for (const bogus of [0, 5, pack.trailerAt, pack.bytes.length + 100]) {
      const e = readAt(pf, bogus);
      assert.equal(e.code, 'IDX_CORRUPT', e.message);
      assert.equal(e.offset, bogus);
    }
  });

  test('idx offset past the end of the pack: verifyPack reports IDX_MISMATCH naming the object', T, () => {
    const idxBytes = buildIdx(pack, oids, backend, { offsets: [pack.offsets[0]!, pack.offsets[1]!, pack.bytes.length + 100] });
    const e = expectPackError(() => verifyPack(bytesSource(pack.bytes, PACK_NAME), idxBytes, backend), 'verifyPack');
    check(e, 'IDX_MISMATCH', { oid: true });
  });

  test('idx listing two objects at the same offset: the liar is OID_MISMATCH on read, the other reads right', T, () => {
    const pf = open(pack, oids, [pack.offsets[0]!, pack.offsets[1]!, pack.offsets[1]!]);
    const e = expectPackError(() => pf.findObject(oids[2]!), 'findObject');
    check(e, 'OID_MISMATCH', { oid: true });
    assert.deepEqual(pf.findObject(oids[1]!)?.data, TARGET);
  });

  test('idx offset in the middle of an entry: reading that object is refused (some XtestPackError)', T, () => {
    for (const into of [1, 2, 5]) {
      const pf = open(pack, oids, [pack.offsets[0]!, pack.offsets[1]!, pack.offsets[2]! + into]);
      const e = expectPackError(() => pf.findObject(oids[2]!), `findObject, offset +${into}`);
      check(e, ['PACK_CORRUPT', 'DELTA_CORRUPT', 'OID_MISMATCH', 'OBJECT_MISSING']);
    }
  });

  test('readAt an offset no idx entry starts at: PACK_CORRUPT naming that offset', T, () => {
    const pf = open(pack, oids);
    for (const at of [pack.offsets[1]! + 1, 13, pack.trailerAt - 1]) check(readAt(pf, at), 'PACK_CORRUPT', { offset: at });
  });
});
