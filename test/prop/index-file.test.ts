// The index file codec (src/odb/index-file.ts) on random indexes: encodeIndex -> decodeIndex
// round trips (versions 2, 3, 4, both object formats, names past 0xFFF bytes, conflict
// stages, flags, sparse directories, optional extensions, with and without a checksum), and
// damaged input: any single-byte change or truncation of an index gives the same entries or an
// XtestPackError, never another exception; without the checksum to catch it, any change still
// gives a value or an XtestPackError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { compareBytes } from '../../src/pack/bytes.js';
import { hashLength, toHex, type ObjectFormat } from '../../src/pack/oid.js';
import { decodeIndex, encodeIndex, MODE_SPARSE_DIRECTORY, type IndexEntry, type IndexInput } from '../../src/odb/index-file.js';

const backend = getBackend();
const T = { timeout: 60_000 };

type Entry = Omit<IndexEntry, 'path'>;

/** A name component: any bytes but NUL and '/', never '.', '..' or '.git' (which the decoder refuses). */
const componentArb = fc
  .oneof(
    { weight: 5, arbitrary: fc.stringMatching(/^[a-z0-9._ -]{1,12}$/).map((s) => Uint8Array.from(Buffer.from(s, 'latin1'))) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => b.map((x) => (x === 0 || x === 0x2f ? 0x41 : x))) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 1500 }).map((n) => new Uint8Array(n).fill(0x78)) },
  )
  .filter((c) => !['.', '..'].includes(Buffer.from(c).toString('latin1')) && Buffer.from(c).toString('latin1').toLowerCase() !== '.git');

const pathArb = fc.array(componentArb, { minLength: 1, maxLength: 4 }).map((parts) => {
  const out: number[] = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push(0x2f);
    out.push(...p);
  });
  return Uint8Array.from(out);
});

const u32 = fc.nat({ max: 0xffffffff });

interface Case {
  readonly input: IndexInput;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    format: fc.constantFrom<ObjectFormat>('sha1', 'sha256'),
    version: fc.constantFrom<2 | 3 | 4>(2, 3, 4),
    paths: fc.uniqueArray(pathArb, { maxLength: 24, selector: (p) => Buffer.from(p).toString('latin1') }),
    skipHash: fc.boolean(),
    extensions: fc.array(fc.record({ signature: fc.stringMatching(/^[A-Z][A-Za-z]{3}$/), data: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 3 }),
  })
  .chain(({ format, version, paths, skipHash, extensions }) => {
    const h = hashLength(format);
    const sorted = paths.slice().sort(compareBytes);
    const entryArb = (pathBytes: Uint8Array): fc.Arbitrary<Entry[]> =>
      fc
        .record({
          stages: fc.oneof({ weight: 4, arbitrary: fc.constant<number[]>([0]) }, { weight: 1, arbitrary: fc.subarray<number>([1, 2, 3], { minLength: 1 }) }),
          mode: fc.constantFrom(0o100644, 0o100755, 0o120000, 0o160000),
          sparseDir: version >= 3 ? fc.integer({ min: 0, max: 4 }).map((x) => x === 0) : fc.constant(false),
          assumeValid: fc.boolean(),
          skipWorktree: version >= 3 ? fc.boolean() : fc.constant(false),
          intentToAdd: version >= 3 ? fc.boolean() : fc.constant(false),
          oid: fc.uint8Array({ minLength: h, maxLength: h }),
          stat: fc.array(u32, { minLength: 10, maxLength: 10 }),
        })
        .map(({ stages, mode, sparseDir, assumeValid, skipWorktree, intentToAdd, oid, stat }) =>
          stages.map((stage) => {
            const dir = sparseDir && stages.length === 1 && stage === 0;
            return {
              pathBytes: dir ? Uint8Array.from([...pathBytes, 0x2f]) : pathBytes,
              mode: dir ? MODE_SPARSE_DIRECTORY : mode,
              oid,
              stage,
              assumeValid,
              skipWorktree: dir ? true : skipWorktree,
              intentToAdd,
              ctimeSeconds: stat[0]!,
              ctimeNanoseconds: stat[1]!,
              mtimeSeconds: stat[2]!,
              mtimeNanoseconds: stat[3]!,
              dev: stat[4]!,
              ino: stat[5]!,
              uid: stat[6]!,
              gid: stat[7]!,
              size: stat[8]!,
            };
          }),
        );
    return fc.tuple(...sorted.map(entryArb)).map((lists) => {
      // A trailing '/' may move a directory entry after a sibling ("a/" > "a-b"): keep git's order.
      const entries = lists.flat().sort((a, b) => compareBytes(a.pathBytes, b.pathBytes) || a.stage - b.stage);
      const sparse = entries.some((e) => e.mode === MODE_SPARSE_DIRECTORY);
      const exts = [...extensions, ...(sparse ? [{ signature: 'sdir', data: new Uint8Array(0) }] : [])];
      return { input: { version, format, entries, extensions: exts, skipHash } };
    });
  })
  // Names made equal by a directory's '/' (none expected): dropped rather than mis-encoded.
  .filter(({ input }) => input.entries.every((e, i) => i === 0 || compareBytes(input.entries[i - 1]!.pathBytes, e.pathBytes) < 0 || input.entries[i - 1]!.stage < e.stage));

function view(e: Entry): string {
  return [
    Buffer.from(e.pathBytes).toString('hex'),
    e.mode,
    toHex(e.oid),
    e.stage,
    e.assumeValid,
    e.skipWorktree,
    e.intentToAdd,
    e.ctimeSeconds,
    e.ctimeNanoseconds,
    e.mtimeSeconds,
    e.mtimeNanoseconds,
    e.dev,
    e.ino,
    e.uid,
    e.gid,
    e.size,
  ].join(' ');
}

function isOurs(e: unknown): boolean {
  return e instanceof XtestPackError;
}

test('index: encodeIndex then decodeIndex gives back every entry and extension, and the same bytes again', T, () => {
  fc.assert(
    fc.property(caseArb, ({ input }) => {
      const bytes = encodeIndex(input, backend);
      const got = decodeIndex(bytes, input.format, backend);
      assert.equal(got.version, input.version);
      assert.deepEqual(got.entries.map(view), input.entries.map(view));
      assert.deepEqual(
        got.extensions.map((x) => [x.signature, toHex(x.data)]),
        (input.extensions ?? []).map((x) => [x.signature, toHex(x.data)]),
      );
      assert.equal(got.checksum.every((b) => b === 0), input.skipHash === true);
      const again = encodeIndex({ ...input, entries: got.entries, extensions: got.extensions }, backend);
      assert.ok(Buffer.from(again).equals(Buffer.from(bytes)));
    }),
    { numRuns: 300 },
  );
});

test('index: any single-byte change or truncation gives the same entries or an XtestPackError', T, () => {
  fc.assert(
    fc.property(caseArb.filter(({ input }) => input.skipHash !== true), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(), ({ input }, at, delta, cut) => {
      const bytes = encodeIndex(input, backend);
      const want = input.entries.map(view);
      const changed = Uint8Array.from(bytes);
      const i = at % bytes.length;
      changed[i] = (changed[i]! + delta) & 0xff;
      for (const damaged of [changed, bytes.subarray(0, cut % bytes.length)]) {
        try {
          assert.deepEqual(decodeIndex(damaged, input.format, backend).entries.map(view), want);
        } catch (e) {
          if (!isOurs(e)) throw e;
        }
      }
    }),
    { numRuns: 400 },
  );
});

test('index: every byte of small indexes changed (checksum not verified), every truncation: a value or an XtestPackError', T, () => {
  fc.assert(
    fc.property(caseArb.filter(({ input }) => input.entries.length <= 6), ({ input }) => {
      const bytes = encodeIndex(input, backend);
      // Every byte five ways is quadratic: long names are the round trip's business.
      fc.pre(bytes.length <= 1200);
      for (let i = 0; i < bytes.length; i++) {
        for (const v of [bytes[i]! ^ 0x01, bytes[i]! ^ 0x80, 0x00, 0xff, 0x2f]) {
          const changed = Uint8Array.from(bytes);
          changed[i] = v;
          try {
            const got = decodeIndex(changed, input.format, backend, { verifyChecksum: false });
            for (const e of got.entries) assert.equal(e.oid.length, hashLength(input.format));
          } catch (e) {
            if (!isOurs(e)) throw e;
          }
        }
      }
      for (let n = 0; n < bytes.length; n++) {
        try {
          const got = decodeIndex(bytes.subarray(0, n), input.format, backend);
          assert.deepEqual(got.entries.map(view), input.entries.map(view), `a truncation to ${n} bytes read as another index`);
        } catch (e) {
          if (!isOurs(e)) throw e;
        }
      }
    }),
    { numRuns: 40 },
  );
});

test('index: random bytes behind a valid header give a value or an XtestPackError', T, () => {
  fc.assert(
    fc.property(fc.constantFrom<ObjectFormat>('sha1', 'sha256'), fc.constantFrom(2, 3, 4), fc.nat({ max: 40 }), fc.uint8Array({ maxLength: 600 }), (format, version, count, rest) => {
      const head = Buffer.alloc(12);
      head.write('DIRC', 0, 'latin1');
      head.writeUInt32BE(version, 4);
      head.writeUInt32BE(count, 8);
      try {
        decodeIndex(Uint8Array.from([...head, ...rest]), format, backend, { verifyChecksum: false });
      } catch (e) {
        if (!isOurs(e)) throw e;
      }
    }),
    { numRuns: 2000 },
  );
});
