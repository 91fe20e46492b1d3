// The fuzzer's seed corpus, made once per run from real git output and from xtest-pack's own
// writers: a small repository (files that delta against each other, a directory, a symlink, an
// executable, an annotated tag) made by git; its packs (OFS_DELTA and REF_DELTA, SHA-1 and
// SHA-256), idx files (v1, v2), loose objects, raw trees, commits and tags as git wrote them;
// the pack directory, manifests and artifact xtest-pack's export writes from it; a protocol v2
// advertisement and fetch response as git upload-pack sends them. Plain bytes only, so that the
// corpus goes to a worker as it is.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { getBackend } from '../../src/backend/index.js';
import { exportTestData } from '../../src/export/export.js';
import { encodeFetchRequest, decodeAdvertisement } from '../../src/fetch/protocol-v2.js';
import { encodePkt, encodeTextPkt } from '../../src/fetch/pkt-line.js';
import { encodeSideband } from '../../src/fetch/sideband.js';
import { writeArtifactTar } from '../../src/harness/publish.js';
import { encodePackageManifest } from '../../src/manifest/index.js';
import { encodeDelta } from '../../src/pack/delta.js';
import { git, tempDir } from '../support/git.js';
import { pseudoRandomBytes } from '../support/pack-builder.js';
import { inflatePack } from './pack-model.js';

/** Named lists of seed inputs. */
export type Corpus = Record<string, Uint8Array[]>;

const enc = new TextEncoder();

/** Lines of words that delta well against an edited copy. */
function text(seed: number, lines: number): string {
  const r = pseudoRandomBytes(lines * 4, seed);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'pack', 'tree', 'blob', 'zlib'];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`${i} ${words[r[i * 4]! % 8]} ${r[i * 4 + 1]!.toString(16)} ${words[r[i * 4 + 2]! % 8]}`);
  return `${out.join('\n')}\n`;
}

function bytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

/** A repository of a few commits, made by git; returns its directory. */
function makeRepo(dir: string, format: 'sha1' | 'sha256'): string {
  git(['init', '-q', `--object-format=${format}`, dir]);
  mkdirSync(join(dir, 'fixtures', 'sub'), { recursive: true });
  let a = text(1, 120);
  for (let c = 0; c < 4; c++) {
    const lines = a.split('\n');
    lines[(c * 13) % lines.length] = `edit ${c}`;
    a = lines.join('\n');
    writeFileSync(join(dir, 'fixtures', 'a.txt'), a);
    writeFileSync(join(dir, 'fixtures', 'sub', 'b.txt'), `${a.slice(0, 800)}b ${c}\n`);
    writeFileSync(join(dir, 'fixtures', 'run.sh'), `#!/bin/sh\necho ${c}\n`, { mode: 0o755 });
    writeFileSync(join(dir, 'fixtures', '.gitattributes'), '*.bin binary\n');
    writeFileSync(join(dir, 'README'), `readme ${c}\n`);
    if (c === 0) symlinkSync('a.txt', join(dir, 'fixtures', 'link'));
    git(['add', '-A'], { cwd: dir });
    git(['commit', '-q', '-m', `commit ${c}\n\nbody ${c}`], { cwd: dir });
  }
  git(['tag', '-a', '-m', 'a tag', 'v1'], { cwd: dir });
  return dir;
}

/** Every loose object file of `dir`'s repository, and its id. */
function looseObjects(dir: string): { hex: string; bytes: Uint8Array }[] {
  const root = join(dir, '.git', 'objects');
  const out: { hex: string; bytes: Uint8Array }[] = [];
  for (const d of readdirSync(root).filter((n) => /^[0-9a-f]{2}$/.test(n)).sort()) {
    for (const f of readdirSync(join(root, d)).sort()) out.push({ hex: d + f, bytes: bytes(readFileSync(join(root, d, f))) });
  }
  return out;
}

/** The pack and idx git writes of all objects (`ofs`: OFS_DELTA, else REF_DELTA). */
function gitPack(dir: string, ofs: boolean, idxVersion = 2): { pack: Uint8Array; idx: Uint8Array } {
  const list = git(['rev-list', '--objects', '--all'], { cwd: dir });
  const base = join(dir, `fuzz-${ofs ? 'ofs' : 'ref'}-${idxVersion}`);
  const args = ['pack-objects', '-q', `--index-version=${idxVersion}`, ...(ofs ? ['--delta-base-offset'] : []), base];
  const sum = git(args, { cwd: dir, input: list }).toString('utf8').trim();
  return { pack: bytes(readFileSync(`${base}-${sum}.pack`)), idx: bytes(readFileSync(`${base}-${sum}.idx`)) };
}

/** git upload-pack's stateless (HTTP) replies: a v2 advertisement and a fetch response. */
function uploadPack(dir: string): { advertisement: Uint8Array; response: Uint8Array } {
  const env = { ...process.env, GIT_PROTOCOL: 'version=2', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const adv = spawnSync('git', ['upload-pack', '--stateless-rpc', '--advertise-refs', join(dir, '.git')], { env });
  const advertisement = new Uint8Array(adv.stdout);
  const caps = decodeAdvertisement(new Uint8Array([...enc.encode('001e# service=git-upload-pack\n0000'), ...advertisement]));
  if (caps.version !== 2) throw new Error('git upload-pack did not speak protocol v2');
  const head = git(['rev-parse', 'HEAD'], { cwd: dir }).toString('utf8').trim();
  const request = encodeFetchRequest(caps.capabilities, { wants: [head] });
  const r = spawnSync('git', ['upload-pack', '--stateless-rpc', join(dir, '.git')], { env, input: request });
  return { advertisement, response: new Uint8Array(r.stdout) };
}

/**
 * Make the corpus: git's and xtest-pack's bytes of one small repository (and a SHA-256 one).
 * @example
 *   const corpus = buildCorpus(); corpus.packs.length > 0
 */
export function buildCorpus(): Corpus {
  const t = tempDir('xtest-pack-fuzz-corpus-');
  try {
    const repo = makeRepo(join(t.dir, 'r'), 'sha1');
    const repo256 = makeRepo(join(t.dir, 'r256'), 'sha256');
    const loose = looseObjects(repo);
    const ofs = gitPack(repo, true);
    const ref = gitPack(repo, false);
    const v1 = gitPack(repo, true, 1);
    const s256 = gitPack(repo256, true);
    const cat = (type: string, id: string) => bytes(git(['cat-file', type, id], { cwd: repo }));
    const ids = (type: string) =>
      git(['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectname)'], { cwd: repo })
        .toString('utf8')
        .split('\n')
        .filter((l) => l.startsWith(`${type} `))
        .map((l) => l.slice(type.length + 1));
    const trees = ids('tree').map((id) => cat('tree', id));
    const commits = ids('commit').map((id) => cat('commit', id));
    const tags = ids('tag').map((id) => cat('tag', id));

    // xtest-pack's own writers: the export of fixtures/ (pack, idx, manifest), its artifact.
    const backend = getBackend();
    const out = join(t.dir, 'export');
    const exported = exportTestData({ repo, out, pathspecs: ['fixtures'], backend });
    const names = readdirSync(out).sort();
    const ours = (ext: string) => bytes(readFileSync(join(out, names.find((n) => n.endsWith(ext))!)));
    const artifactFile = join(t.dir, 'fixtures.xtest-pack.tar.gz');
    writeArtifactTar(out, artifactFile);
    const tarGz = bytes(readFileSync(artifactFile));
    const packageManifest = encodePackageManifest({
      name: 'left-pad',
      version: '1.0.0',
      objectFormat: 'sha1',
      commit: exported.manifest.commit,
      repository: 'https://example.com/left-pad.git',
      directory: '',
      paths: ['fixtures'],
      ids: { fixtures: git(['rev-parse', 'HEAD:fixtures'], { cwd: repo }).toString('utf8').trim() },
      artifact: 'left-pad-1.0.0.xtest-pack.tar.gz',
      dirty: false,
    });

    const { advertisement, response } = uploadPack(repo);
    const service = new Uint8Array([...enc.encode('001e# service=git-upload-pack\n0000'), ...advertisement]);
    const sideband = [encodeSideband(1, enc.encode('PACK')), encodeSideband(2, enc.encode('Counting objects: 3\r')), encodeSideband(3, enc.encode('fatal: no\n'))];
    const pktStream = new Uint8Array([
      ...encodeTextPkt('command=fetch'),
      ...encodePkt({ type: 'delim' }),
      ...encodeTextPkt('want 0123456789abcdef0123456789abcdef01234567'),
      ...encodePkt({ type: 'flush' }),
      ...encodePkt({ type: 'response-end' }),
    ]);
    const base = enc.encode(text(5, 30));
    const delta = encodeDelta(base.length, 40 + 11, [
      { op: 'copy', offset: 10, size: 40 },
      { op: 'insert', data: enc.encode('hello world') },
    ]);

    return {
      packs: [ofs.pack, ref.pack, s256.pack, ours('.pack')],
      idx: [ofs.idx, v1.idx, s256.idx, ours('.idx')],
      /** pair(pack, idx). */
      packWithIdx: [pair(ofs.pack, ofs.idx), pair(ref.pack, ref.idx), pair(s256.pack, s256.idx), pair(ours('.pack'), ours('.idx'))],
      /** pair(pair(pack, idx), the commit to check out). */
      checkoutPacks: [
        pair(pair(ours('.pack'), ours('.idx')), enc.encode(exported.manifest.commit)),
        pair(pair(ofs.pack, ofs.idx), enc.encode(git(['rev-parse', 'v1'], { cwd: repo }).toString('utf8').trim())),
      ],
      /** Packs with their zlib streams taken out (pack-model.ts), a format byte in front (1: sha256). */
      packModels: [ofs.pack, ref.pack, s256.pack, ours('.pack')].map((p, i) => {
        const format = i === 2 ? 'sha256' : 'sha1';
        return new Uint8Array([i === 2 ? 1 : 0, ...inflatePack(p, format)]);
      }),
      /** pair(the model of the export's pack, its commit). */
      checkoutModels: [pair(inflatePack(ours('.pack'), 'sha1'), enc.encode(exported.manifest.commit))],
      /** The objects checkout-tree packs beside its mutated root tree. */
      checkoutBase: [pair(ofs.pack, ofs.idx)],
      loose: loose.map((l) => l.bytes),
      looseInflated: loose.map((l) => bytes(inflateSync(l.bytes))),
      trees,
      commits,
      tags,
      tarGz: [tarGz],
      tar: [bytes(gunzipSync(tarGz))],
      exportManifest: [ours('xtest-pack.json')],
      packageManifest: [enc.encode(packageManifest)],
      advertisement: [service, advertisement, enc.encode('001e# service=git-upload-pack\n0000' + '003f' + '0'.repeat(40) + ' HEAD\0side-band-64k\n0000')],
      fetchResponse: [response],
      pktLines: [pktStream, response, service],
      sideband,
      delta: [new Uint8Array([...pair(base, delta)])],
    };
  } finally {
    t.cleanup();
  }
}


/**
 * Two byte strings as one input: a 4-byte big-endian length of `a`, `a`, then `b` (a mutation
 * of the length field moves the split).
 */
export function pair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + a.length + b.length);
  new DataView(out.buffer).setUint32(0, a.length);
  out.set(a, 4);
  out.set(b, 4 + a.length);
  return out;
}

/** The two parts of a `pair`, the split clamped into the input. */
export function unpair(input: Uint8Array): [Uint8Array, Uint8Array] {
  if (input.length < 4) return [input, new Uint8Array(0)];
  const n = Math.min(new DataView(input.buffer, input.byteOffset, 4).getUint32(0), input.length - 4);
  return [input.subarray(4, 4 + n), input.subarray(4 + n)];
}
