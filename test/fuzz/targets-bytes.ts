// The fuzz targets that only read bytes: idx files, packs (as they are, with their checksums
// made right again, and rebuilt past zlib), loose objects, trees, commits and tags, .tar.gz,
// both manifests, the fetch decoders and deltas. A target returns or throws an
// XtestPackError; after a parse that succeeds, what it gives is used (accessors, round trips).
import { deflateSync } from 'node:zlib';
import { decodeTarGz } from '../../src/artifact/decode.js';
import { decodePkts, PktLineDecoder } from '../../src/fetch/pkt-line.js';
import { AdvertisementDecoder, FetchResponseDecoder } from '../../src/fetch/protocol-v2.js';
import { decodeSideband, remoteText } from '../../src/fetch/sideband.js';
import { decodeExportManifest, decodePackageManifest } from '../../src/manifest/index.js';
import { decodeLoose } from '../../src/odb/database.js';
import { checkCommit, parseCommit, serializeCommit, verifyCommit } from '../../src/odb/objects/commit.js';
import { checkTag, parseTag, serializeTag, verifyTag } from '../../src/odb/objects/tag.js';
import { checkTree, parseTree, scanTree, serializeTree, treeProblemNames } from '../../src/odb/objects/tree.js';
import { applyDelta, decodeDeltaHeader } from '../../src/pack/delta.js';
import { encodeIdx, IdxFile, openIdx, verifyIdx } from '../../src/pack/idx/index.js';
import { indexPack } from '../../src/pack/index-pack.js';
import { hashLength, toHex, type ObjectFormat } from '../../src/pack/oid.js';
import { PackFile } from '../../src/pack/pack-file.js';
import { bytesSource } from '../../src/pack/source.js';
import { verifyPack } from '../../src/pack/verify.js';
import { unpair } from './corpus.js';
import { deflatePack } from './pack-model.js';
import { chunks, fixChecksums, invariant, sameBytes, tagged, tagOf, type Target } from './target.js';

const dec = new TextDecoder();

export const BYTE_TARGETS: readonly Target[] = [
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
