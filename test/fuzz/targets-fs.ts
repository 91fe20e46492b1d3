// The fuzz targets that write: tar extraction, and checkout of mutated artifacts, packs (also
// rebuilt past zlib) and trees. Each input gets a fresh arena; nothing may appear outside the
// output directory, a refusal leaves no output directory, and a checkout that succeeds leaves
// exactly its files, each whole (its bytes hash to its id: nothing partial under a final name).
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Backend } from '../../src/backend/types.js';
import { openTestData, verifyChecksums } from '../../src/artifact/open.js';
import { decodeTarGz } from '../../src/artifact/decode.js';
import { extractTarEntries } from '../../src/artifact/extract.js';
import { checkoutFromDatabase, checkoutPackSync, type CheckoutResult } from '../../src/checkout/checkout.js';
import { writePackFiles } from '../../src/export/pack-dir.js';
import { listedFiles } from '../../src/manifest/index.js';
import { encodeIdx, openIdx } from '../../src/pack/idx/index.js';
import { indexPack } from '../../src/pack/index-pack.js';
import { objectHeader, toHex, type ObjectFormat, type ObjectType } from '../../src/pack/oid.js';
import { PackFile } from '../../src/pack/pack-file.js';
import { bytesSource } from '../../src/pack/source.js';
import type { PackObjectSource } from '../../src/pack/write.js';
import { unpair } from './corpus.js';
import { deflatePack } from './pack-model.js';
import { fixChecksums, invariant, tagged, tagOf, type Target } from './target.js';

const dec = new TextDecoder();
const enc = new TextEncoder();
const PACK_NAME = `pack-${'0'.repeat(40)}`;

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
type Arena = { input: string; out: string; check: () => void };

function arena(scratch: string): Arena {
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

/**
 * Run `checkout` in arena `a`: either it refuses (nothing outside the output directory, no
 * output directory) or it succeeds with exactly its files, each whole.
 */
function checkoutChecked(a: Arena, format: ObjectFormat, checkout: () => CheckoutResult): void {
  let r: CheckoutResult;
  try {
    r = checkout();
  } catch (e) {
    a.check();
    checkRefused(a.out, e);
  }
  a.check();
  checkCheckout(a.out, r, format);
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

export const FS_TARGETS: readonly Target[] = [
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
      checkoutChecked(a, 'sha1', () => checkoutPackSync({ objects: a.input, oid: dec.decode(oid), out: a.out, backend }));
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
        checkoutChecked(a, data.odb.format, () => checkoutFromDatabase(data.odb, { objects: file, oid: m?.commit ?? '0'.repeat(40), out: a.out, ...(m ? listedFiles(m) : {}), backend }));
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
      checkoutChecked(a, 'sha1', () => checkoutPackSync({ objects: a.input, oid: dec.decode(oid), out: a.out, backend }));
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
      checkoutChecked(a, 'sha1', () => checkoutPackSync({ objects: a.input, oid: toHex(commit.oid), out: a.out, backend }));
    },
  },
];
