// What the fuzzer feeds mutated bytes to: the public entry points a user's data reaches. A
// target returns normally or throws an XtestPackError; anything else thrown (a TypeError, a
// RangeError from an allocation, an assertion of an invariant below) is a finding. Targets that
// write (tar extraction, checkout) work in a fresh directory per input and check that nothing
// appeared outside the output directory and that nothing partial is left under a final name.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import type { Backend } from '../../src/backend/types.js';
import { openTestData, verifyChecksums } from '../../src/artifact/open.js';
import { decodeTarGz } from '../../src/artifact/decode.js';
import { extractTarEntries } from '../../src/artifact/extract.js';
import { checkoutFromDatabase, checkoutPackSync, type CheckoutResult } from '../../src/checkout/checkout.js';
import { decodePkts, PktLineDecoder } from '../../src/fetch/pkt-line.js';
import { AdvertisementDecoder, FetchResponseDecoder } from '../../src/fetch/protocol-v2.js';
import { decodeSideband, remoteText } from '../../src/fetch/sideband.js';
import { decodeExportManifest, decodePackageManifest, listedFiles } from '../../src/manifest/index.js';
import { decodeLoose } from '../../src/odb/database.js';
import { checkCommit, parseCommit, serializeCommit, verifyCommit } from '../../src/odb/objects/commit.js';
import { checkTag, parseTag, serializeTag, verifyTag } from '../../src/odb/objects/tag.js';
import { checkTree, parseTree, scanTree, serializeTree, treeProblemNames } from '../../src/odb/objects/tree.js';
import { applyDelta, decodeDeltaHeader } from '../../src/pack/delta.js';
import { encodeIdx, IdxFile, openIdx, verifyIdx } from '../../src/pack/idx/index.js';
import { indexPack } from '../../src/pack/index-pack.js';
import { hashLength, objectHeader, toHex, type ObjectFormat, type ObjectType } from '../../src/pack/oid.js';
import { PackFile } from '../../src/pack/pack-file.js';
import { bytesSource } from '../../src/pack/source.js';
import { verifyPack } from '../../src/pack/verify.js';
import { writePackFiles } from '../../src/export/pack-dir.js';
import type { PackObjectSource } from '../../src/pack/write.js';
import { unpair, type Corpus } from './corpus.js';
import { deflatePack } from './pack-model.js';

export interface TargetEnv {
  readonly backend: Backend;
  /** The whole corpus (what a target needs besides its input). */
  readonly corpus: Corpus;
  /** A directory of this worker's own, empty between inputs. */
  readonly scratch: string;
}

export interface Target {
  readonly name: string;
  /** The seeds of this target, from the corpus. */
  seeds(corpus: Corpus): Uint8Array[];
  /** Feed one input. Throws only XtestPackError, or an Error for a broken invariant. */
  run(input: Uint8Array, env: TargetEnv): void;
  /** CI inputs: one to four seconds of work on a 2-core machine, about 40 s for all targets. */
  readonly ciRuns: number;
}

const dec = new TextDecoder();
const enc = new TextEncoder();
const PACK_NAME = `pack-${'0'.repeat(40)}`;

/** An invariant the code under test broke: a finding (not an XtestPackError). */
class InvariantError extends Error {
  override name = 'InvariantError';
}

function invariant(ok: boolean, what: string): asserts ok {
  if (!ok) throw new InvariantError(what);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Split `input` into pieces of 1-64 bytes (its first byte decides), as a network would. */
function chunks(input: Uint8Array): Uint8Array[] {
  const size = input.length === 0 ? 1 : (input[0]! % 64) + 1;
  const out: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += size) out.push(input.subarray(i, i + size));
  return out;
}

/**
 * Make a pack's trailing checksum, and an idx's pack checksum and its own, right again after a
 * mutation, so that what lies before them is parsed rather than refused at the checksum. Used
 * when `fix` (a bit of the input's tag byte) asks for it: a mutation can flip that bit too.
 */
function fixChecksums(format: ObjectFormat, pack: Uint8Array | undefined, idx: Uint8Array | undefined): void {
  const h = hashLength(format);
  if (pack && pack.length >= h) pack.set(createHash(format).update(pack.subarray(0, pack.length - h)).digest(), pack.length - h);
  if (idx && idx.length >= 2 * h) {
    if (pack && pack.length >= h) idx.set(pack.subarray(pack.length - h), idx.length - 2 * h);
    idx.set(createHash(format).update(idx.subarray(0, idx.length - h)).digest(), idx.length - h);
  }
}

/** The tag byte in front of an input: bit 0 the object format (sha256), bit 1 "fix the checksums". */
function tagOf(input: Uint8Array): { format: ObjectFormat; fix: boolean; rest: Uint8Array } {
  const t = input[0] ?? 0;
  return { format: (t & 1) === 0 ? 'sha1' : 'sha256', fix: (t & 2) !== 0, rest: input.subarray(1) };
}

/** `bytes` behind a tag byte (see tagOf). */
function tagged(format: ObjectFormat, fix: boolean, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out[0] = (format === 'sha1' ? 0 : 1) | (fix ? 2 : 0);
  out.set(bytes, 1);
  return out;
}

// Names on disk are bytes: a tree may name a file with any bytes but '/' and NUL.
const names = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Every file, directory and symlink under `root`: its path relative to `root` (decoded as the
 * checkout decodes names, a directory with a trailing '/', a symlink with a trailing '@') and
 * its path on disk, in bytes.
 */
function listTree(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (dir: Buffer, rel: string) => {
    for (const n of (readdirSync(dir, { encoding: 'buffer' }) as Buffer[]).sort(Buffer.compare)) {
      const p = Buffer.concat([dir, Buffer.from('/'), n]);
      const r = rel === '' ? names.decode(n) : `${rel}/${names.decode(n)}`;
      const st = lstatSync(p);
      out.set(`${r}${st.isDirectory() ? '/' : st.isSymbolicLink() ? '@' : ''}`, p);
      if (st.isDirectory()) walk(p, r);
    }
  };
  if (existsSync(root)) walk(Buffer.from(root), '');
  return out;
}

/**
 * A fresh arena in `scratch`: `in/` for the input files, `parent/out` (not created) for the
 * output, `parent/sentinel` that nothing may touch.
 */
function arena(scratch: string): { input: string; out: string; check: () => void } {
  rmSync(scratch, { recursive: true, force: true });
  const input = join(scratch, 'in');
  const parent = join(scratch, 'parent');
  mkdirSync(input, { recursive: true });
  mkdirSync(parent);
  writeFileSync(join(parent, 'sentinel'), 'sentinel\n');
  const out = join(parent, 'out');
  return {
    input,
    out,
    check: () => {
      const outside = [...listTree(parent).keys()].filter((p) => p !== 'out/' && !p.startsWith('out/'));
      invariant(outside.length === 1 && outside[0] === 'sentinel', `written outside the output directory: ${outside.join(', ')}`);
      invariant(readFileSync(join(parent, 'sentinel'), 'utf8') === 'sentinel\n', 'the sentinel changed');
    },
  };
}

/** The git blob id of `data`. */
function blobId(format: ObjectFormat, data: Uint8Array): string {
  return createHash(format).update(objectHeader('blob', data.length)).update(data).digest('hex');
}

/** A checkout that succeeded wrote exactly its files, each whole (its bytes hash to its id). */
function checkCheckout(out: string, r: CheckoutResult, format: ObjectFormat): void {
  const onDisk = listTree(out);
  const want = new Set<string>();
  for (const f of r.files) {
    const link = f.mode === 0o120000;
    const p = onDisk.get(`${f.path}${link ? '@' : ''}`);
    invariant(p !== undefined, `${f.path}: reported written, but no ${link ? 'symlink' : 'file'} is there`);
    const data = link ? readlinkSync(p, { encoding: 'buffer' }) : readFileSync(p);
    invariant(link || lstatSync(p).isFile(), `${f.path}: not a file`);
    invariant(blobId(format, data) === f.oid, `${f.path}: its bytes are not blob ${f.oid} (a partial file under its final name?)`);
    want.add(`${f.path}${link ? '@' : ''}`);
    for (let i = f.path.indexOf('/'); i >= 0; i = f.path.indexOf('/', i + 1)) want.add(`${f.path.slice(0, i)}/`);
  }
  const extra = [...onDisk.keys()].filter((p) => !want.has(p));
  invariant(extra.length === 0, `left in the output directory besides the checkout's files: ${extra.slice(0, 5).join(', ')}`);
}

/** After a refused checkout or extraction, the output directory must not exist. */
function checkRefused(out: string, e: unknown): never {
  const left = [...listTree(out).keys()];
  invariant(!existsSync(out), `refused (${e instanceof Error ? e.message : String(e)}), but left ${left.slice(0, 5).join(', ') || 'the output directory'}`);
  throw e;
}

/** Objects of a pair(pack, idx), read once per worker (the checkout-tree target's base). */
let baseObjects: { key: Uint8Array; objects: PackObjectSource[] } | undefined;
function objectsOf(packWithIdx: Uint8Array, backend: Backend): PackObjectSource[] {
  if (baseObjects?.key === packWithIdx) return baseObjects.objects;
  const [pack, idxBytes] = unpair(packWithIdx);
  const idx = openIdx(bytesSource(idxBytes), backend);
  const pf = PackFile.open(bytesSource(pack), idx, backend);
  const objects: PackObjectSource[] = [];
  for (let i = 0; i < idx.count; i++) {
    const oid = idx.oidAt(i).slice();
    const o = pf.findObject(oid)!;
    objects.push({ oid, type: o.type, size: o.data.length, path: '', load: () => o.data });
  }
  baseObjects = { key: packWithIdx, objects };
  return objects;
}

function looseObject(format: ObjectFormat, type: ObjectType, data: Uint8Array): PackObjectSource {
  const oid = createHash(format).update(objectHeader(type, data.length)).update(data).digest();
  return { oid: new Uint8Array(oid), type, size: data.length, path: '', load: () => data };
}

export const TARGETS: readonly Target[] = [
  {
    name: 'idx',
    ciRuns: 5000,
    seeds: (c) => c['idx']!.flatMap((x, i) => [false, true].map((fix) => tagged(i === 2 ? 'sha256' : 'sha1', fix, x))),
    run: (input, { backend }) => {
      const { format, fix, rest } = tagOf(input);
      const bytes = rest.slice();
      if (fix) fixChecksums(format, undefined, bytes);
      const idx = openIdx(bytesSource(bytes, 'pack-x.idx'), backend);
      verifyIdx(idx, backend);
      for (let i = 0; i < idx.count; i++) {
        const oid = idx.oidAt(i);
        invariant(idx.find(oid) === i, `idx entry ${i}: find() does not find its id`);
        idx.offsetAt(i);
        idx.crc32At(i);
      }
      idx.findPrefix(toHex(idx.count > 0 ? idx.oidAt(0) : new Uint8Array(hashLength(idx.format))).slice(0, 4));
      IdxFile.open(bytesSource(bytes), idx.format);
    },
  },
  {
    name: 'index-pack',
    ciRuns: 3000,
    seeds: (c) => c['packs']!.flatMap((p, i) => [false, true].map((fix) => tagged(i === 2 ? 'sha256' : 'sha1', fix, p))),
    run: (input, { backend }) => {
      const { format, fix, rest } = tagOf(input);
      const pack = rest.slice();
      if (fix) fixChecksums(format, pack, undefined);
      const indexed = indexPack(bytesSource(pack, 'pack-x.pack'), backend, { format, chunkSize: 4096 });
      const idx = encodeIdx(indexed, indexed.packChecksum, backend);
      openIdx(bytesSource(idx), backend, { format, verify: true });
    },
  },
  {
    name: 'verify-pack',
    ciRuns: 3000,
    seeds: (c) => c['packWithIdx']!.flatMap((x, i) => [false, true].map((fix) => tagged(i === 2 ? 'sha256' : 'sha1', fix, x))),
    run: (input, { backend }) => {
      const { format, fix, rest } = tagOf(input);
      const [pack, idx] = unpair(rest.slice());
      if (fix) fixChecksums(format, pack, idx);
      verifyPack(bytesSource(pack, 'pack-x.pack'), idx, backend);
    },
  },
  {
    name: 'pack-read',
    ciRuns: 4000,
    seeds: (c) => c['packWithIdx']!.flatMap((x, i) => [false, true].map((fix) => tagged(i === 2 ? 'sha256' : 'sha1', fix, x))),
    run: (input, { backend }) => {
      const { format, fix, rest } = tagOf(input);
      const [pack, idxBytes] = unpair(rest.slice());
      if (fix) fixChecksums(format, pack, idxBytes);
      const idx = openIdx(bytesSource(idxBytes, 'pack-x.idx'), backend);
      // Reads through an idx that was only opened (as checkout opens one): an entry may be
      // missed where the ids are out of order, never read wrong (each object is verified).
      let verified = true;
      try {
        verifyIdx(idx, backend);
      } catch {
        verified = false;
      }
      const pf = PackFile.open(bytesSource(pack, 'pack-x.pack'), idx, backend);
      for (let i = 0; i < Math.min(idx.count, 64); i++) {
        const o = pf.findObject(idx.oidAt(i));
        invariant(o !== undefined || !verified, `idx entry ${i} of a verified idx: findObject found nothing`);
      }
    },
  },
  {
    name: 'pack-entries',
    ciRuns: 1500,
    seeds: (c) => c['packModels']!.flatMap((m) => [m, Uint8Array.of(m[0]! | 2, ...m.subarray(1))]),
    run: (input, { backend }) => {
      // Past zlib: entry headers, sizes, delta bases and instructions, object contents. Tag
      // byte: bit 0 the format (sha256), bit 1 declared sizes made right.
      const format: ObjectFormat = (input[0] ?? 0) & 1 ? 'sha256' : 'sha1';
      const pack = deflatePack(input.subarray(1), format, ((input[0] ?? 0) & 2) !== 0);
      const indexed = indexPack(bytesSource(pack, 'pack-x.pack'), backend, { format });
      const idxBytes = encodeIdx(indexed, indexed.packChecksum, backend);
      const idx = openIdx(bytesSource(idxBytes), backend, { format, verify: true });
      const pf = PackFile.open(bytesSource(pack), idx, backend);
      for (let i = 0; i < Math.min(idx.count, 64); i++) invariant(pf.findObject(idx.oidAt(i)) !== undefined, `entry ${i} indexed but not found`);
      verifyPack(bytesSource(pack, 'pack-x.pack'), idxBytes, backend, { format });
    },
  },
  {
    name: 'checkout-entries',
    ciRuns: 400,
    seeds: (c) => c['checkoutModels']!,
    run: (input, { backend, scratch }) => {
      const a = arena(scratch);
      const [model, oid] = unpair(input);
      const pack = deflatePack(model, 'sha1', true);
      const indexed = indexPack(bytesSource(pack, 'pack-x.pack'), backend);
      const name = `pack-${toHex(indexed.packChecksum)}`;
      writeFileSync(join(a.input, `${name}.pack`), pack);
      writeFileSync(join(a.input, `${name}.idx`), encodeIdx(indexed, indexed.packChecksum, backend));
      let r: CheckoutResult;
      try {
        r = checkoutPackSync({ objects: a.input, oid: dec.decode(oid), out: a.out, backend });
      } catch (e) {
        a.check();
        checkRefused(a.out, e);
      }
      a.check();
      checkCheckout(a.out, r, 'sha1');
    },
  },
  {
    name: 'loose',
    ciRuns: 5000,
    seeds: (c) => c['loose']!,
    run: (input, { backend }) => {
      decodeLoose(input, backend, 'objects/xx/loose', 'ab'.repeat(20));
    },
  },
  {
    name: 'loose-inflated',
    ciRuns: 5000,
    seeds: (c) => c['looseInflated']!,
    run: (input, { backend }) => {
      decodeLoose(new Uint8Array(deflateSync(input)), backend, 'objects/xx/loose', 'ab'.repeat(20));
    },
  },
  {
    name: 'tree',
    ciRuns: 10000,
    seeds: (c) => c['trees']!,
    run: (input) => {
      const entries = parseTree(input, 'sha1', 'ab12');
      invariant(sameBytes(serializeTree(entries), input), 'parseTree then serializeTree changed the bytes');
      const bits = scanTree(input, 'sha1', 'ab12', () => {});
      invariant(treeProblemNames(bits).join() === checkTree(entries).join(), 'scanTree and checkTree disagree');
    },
  },
  {
    name: 'commit',
    ciRuns: 10000,
    seeds: (c) => c['commits']!,
    run: (input) => {
      checkCommit(input, 'sha1');
      try {
        verifyCommit(input, 'sha1', 'ab12');
      } catch {
        // Refused: parsing it must still give a value or an XtestPackError.
      }
      const c = parseCommit(input, 'sha1', 'ab12');
      invariant(sameBytes(serializeCommit(c), input), 'parseCommit then serializeCommit changed the bytes');
    },
  },
  {
    name: 'tag',
    ciRuns: 10000,
    seeds: (c) => c['tags']!,
    run: (input) => {
      checkTag(input, 'sha1');
      try {
        verifyTag(input, 'sha1', 'ab12');
      } catch {
        // As for commits.
      }
      const t = parseTag(input, 'sha1', 'ab12');
      invariant(sameBytes(serializeTag(t), input), 'parseTag then serializeTag changed the bytes');
    },
  },
  {
    name: 'tar-gz',
    ciRuns: 5000,
    seeds: (c) => c['tarGz']!,
    run: (input, { backend }) => {
      decodeTarGz(input, backend, { maxSize: 1 << 24, file: 'x.tar.gz' });
    },
  },
  {
    name: 'tar-extract',
    ciRuns: 900,
    seeds: (c) => c['tar']!,
    run: (input, { backend, scratch }) => {
      const a = arena(scratch);
      const entries = decodeTarGz(new Uint8Array(gzipSync(input)), backend, { maxSize: 1 << 24, file: 'x.tar.gz' });
      try {
        extractTarEntries(entries, a.out);
      } catch (e) {
        a.check();
        // Extraction is not atomic: a failure while writing may leave files, inside `out`.
        throw e;
      }
      a.check();
    },
  },
  {
    name: 'artifact',
    ciRuns: 800,
    seeds: (c) => c['tar']!,
    run: (input, { backend, scratch }) => {
      const a = arena(scratch);
      const file = join(a.input, 'fixtures.xtest-pack.tar.gz');
      writeFileSync(file, gzipSync(input));
      const data = openTestData(file, backend);
      try {
        verifyChecksums(data, backend);
        const m = data.manifest;
        let r: CheckoutResult;
        try {
          r = checkoutFromDatabase(data.odb, { objects: file, oid: m?.commit ?? '0'.repeat(40), out: a.out, ...(m ? listedFiles(m) : {}), backend });
        } catch (e) {
          a.check();
          checkRefused(a.out, e);
        }
        a.check();
        checkCheckout(a.out, r, data.odb.format);
      } finally {
        data.close();
      }
    },
  },
  {
    name: 'checkout-pack',
    ciRuns: 800,
    seeds: (c) => c['checkoutPacks']!.flatMap((x) => [false, true].map((fix) => tagged('sha1', fix, x))),
    run: (input, { backend, scratch }) => {
      const a = arena(scratch);
      const { fix, rest } = tagOf(input);
      const [packs, oid] = unpair(rest.slice());
      const [pack, idx] = unpair(packs);
      if (fix) fixChecksums('sha1', pack, idx);
      writeFileSync(join(a.input, `${PACK_NAME}.pack`), pack);
      writeFileSync(join(a.input, `${PACK_NAME}.idx`), idx);
      let r: CheckoutResult;
      try {
        r = checkoutPackSync({ objects: a.input, oid: dec.decode(oid), out: a.out, backend });
      } catch (e) {
        a.check();
        checkRefused(a.out, e);
      }
      a.check();
      checkCheckout(a.out, r, 'sha1');
    },
  },
  {
    name: 'checkout-tree',
    ciRuns: 600,
    seeds: (c) => c['trees']!,
    run: (rootTree, { backend, scratch, corpus }) => {
      // Every object of the repository, and the mutated tree as the root of a commit.
      const objects = objectsOf(corpus['checkoutBase']![0]!, backend);
      const a = arena(scratch);
      const tree = looseObject('sha1', 'tree', rootTree);
      const commit = looseObject('sha1', 'commit', enc.encode(`tree ${toHex(tree.oid)}\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 1 +0000\n\nfuzz\n`));
      writePackFiles(a.input, [...objects, tree, commit], backend, 'sha1', { verify: false, delta: false });
      let r: CheckoutResult;
      try {
        r = checkoutPackSync({ objects: a.input, oid: toHex(commit.oid), out: a.out, backend });
      } catch (e) {
        a.check();
        checkRefused(a.out, e);
      }
      a.check();
      checkCheckout(a.out, r, 'sha1');
    },
  },
  {
    name: 'manifest-export',
    ciRuns: 10000,
    seeds: (c) => c['exportManifest']!,
    run: (input) => {
      decodeExportManifest(dec.decode(input), 'xtest-pack.json');
    },
  },
  {
    name: 'manifest-package',
    ciRuns: 10000,
    seeds: (c) => c['packageManifest']!,
    run: (input) => {
      decodePackageManifest(dec.decode(input), 'xtest-pack.json');
    },
  },
  {
    name: 'pkt-line',
    ciRuns: 10000,
    seeds: (c) => c['pktLines']!,
    run: (input) => {
      const d = new PktLineDecoder();
      for (const c of chunks(input)) {
        d.push(c);
        while (d.next() !== undefined);
      }
      d.finish();
      decodePkts(input);
    },
  },
  {
    name: 'sideband',
    ciRuns: 8000,
    seeds: (c) => c['sideband']!,
    run: (input) => {
      const p = decodeSideband(input, 0);
      if (p.band !== 1) remoteText(p.data);
    },
  },
  {
    name: 'advertisement',
    ciRuns: 10000,
    seeds: (c) => c['advertisement']!,
    run: (input) => {
      const d = new AdvertisementDecoder();
      for (const c of chunks(input)) d.push(c);
      d.result();
      d.finish();
    },
  },
  {
    name: 'fetch-response',
    ciRuns: 2500,
    seeds: (c) => c['fetchResponse']!,
    run: (input, { backend }) => {
      const d = new FetchResponseDecoder('sha1');
      const pieces: Uint8Array[] = [];
      for (const c of chunks(input)) pieces.push(...d.push(c).map((p) => p.slice()));
      d.finish();
      const pack = Buffer.concat(pieces);
      if (pack.length > 0) indexPack(bytesSource(new Uint8Array(pack), 'fetched.pack'), backend);
    },
  },
  {
    name: 'delta',
    ciRuns: 10000,
    seeds: (c) => c['delta']!,
    run: (input) => {
      const [base, delta] = unpair(input);
      const h = decodeDeltaHeader(delta);
      const out = applyDelta(base, delta);
      invariant(out.length === h.resultSize, `applyDelta gave ${out.length} bytes, the header says ${h.resultSize}`);
    },
  },
];

/** Held by the memory self-test, so that it stays held. */
const hoard: Uint8Array[] = [];

/**
 * Targets with a planted fault, for the engine's own tests (engine.test.ts): not run by CI's
 * fuzzing or `npm run fuzz`. Each fails on an input whose first byte is 0x00 (one `set` or
 * `number` mutation away from the seed).
 */
export const SELF_TESTS: readonly Target[] = [
  {
    name: 'self-test-throw',
    ciRuns: 0,
    seeds: () => [Uint8Array.of(1, 2, 3, 4)],
    run: (input) => {
      if (input[0] === 0) (undefined as unknown as { x: number }).x;
    },
  },
  {
    name: 'self-test-hang',
    ciRuns: 0,
    seeds: () => [Uint8Array.of(1, 2, 3, 4)],
    run: (input) => {
      while (input[0] === 0);
    },
  },
  {
    name: 'self-test-memory',
    ciRuns: 0,
    seeds: () => [Uint8Array.of(1, 2, 3, 4)],
    run: (input) => {
      if (input[0] === 0) for (let i = 0; i < 16; i++) hoard.push(new Uint8Array(8 << 20).fill(1));
    },
  },
];
