/**
 * Throughput of SHA-1 with collision detection (src/backend/sha1dc.ts) against @noble/hashes
 * sha1 (the portable backend's), node:crypto sha1 (OpenSSL, the node backend's) and sha1dc
 * with detection off (the same compression without the UBC check and recompressions).
 *
 *   npm run bench:sha1 [-- --rounds 9 --mib 32]
 *
 * Each size hashes `--mib` MiB per run as separate objects of that size (a fresh hasher per
 * object, as object ids are computed), from one pseudo-random buffer. Implementations run
 * interleaved, in a rotating order, `--rounds` times after a warm-up; the table gives median
 * MB/s (10^6 bytes per second) and ratios. Time is this process's CPU time (user + system),
 * not wall time, so that other work on the machine distorts the figures less; everything here
 * runs on the main thread (GC helper threads are counted too).
 */
import { createHash } from 'node:crypto';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sha1 as nobleSha1 } from '@noble/hashes/legacy.js';
import { createSha1DC } from '../src/backend/sha1dc.js';
import { fmtX, median, MiB, table } from './lib.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '9' },
    mib: { type: 'string', default: '32' },
  },
});
const rounds = Number(values.rounds);
const perRun = Number(values.mib) * MiB;
if (!(rounds >= 1) || !(perRun >= MiB)) throw new RangeError('--rounds must be >= 1 and --mib >= 1');

const sizes: readonly { label: string; bytes: number }[] = [
  { label: '256 B', bytes: 256 },
  { label: '1 KiB', bytes: 1024 },
  { label: '10 KiB', bytes: 10 * 1024 },
  { label: '1 MiB', bytes: MiB },
  { label: '16 MiB', bytes: 16 * MiB },
];

type Hash = (data: Uint8Array) => Uint8Array;
const impls: readonly { name: string; hash: Hash }[] = [
  { name: 'sha1dc', hash: (d) => createSha1DC().update(d).digest() },
  { name: 'noble', hash: (d) => nobleSha1.create().update(d).digest() },
  { name: 'node:crypto', hash: (d) => createHash('sha1').update(d).digest() },
  { name: 'sha1dc no-detect', hash: (d) => createSha1DC({ detectCollisions: false }).update(d).digest() },
];

/** Deterministic bytes (xorshift32), so every run hashes the same data. */
function pseudoRandom(n: number): Uint8Array {
  const out = new Uint8Array(n);
  const words = new Uint32Array(out.buffer, 0, n >>> 2);
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return out;
}

const pool = pseudoRandom(Math.max(perRun, 16 * MiB));

/** Hash `perRun` bytes as objects of `size` bytes; returns MB/s. */
function runOnce(hash: Hash, size: number): number {
  const count = Math.max(1, Math.round(perRun / size));
  const span = pool.length - size;
  let sink = 0;
  const t0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const at = size >= pool.length ? 0 : ((i * 4099 * 64) % span) & ~63;
    sink ^= hash(pool.subarray(at, at + size))[0]!;
  }
  const used = process.cpuUsage(t0);
  const seconds = (used.user + used.system) / 1e6;
  if (sink === 256) console.log(''); // keep the digests alive
  return (count * size) / seconds / 1e6;
}

// Same digests first: a benchmark of a wrong hash means nothing.
for (const { bytes } of sizes) {
  const sample = pool.subarray(0, bytes);
  const want = Buffer.from(createHash('sha1').update(sample).digest()).toString('hex');
  for (const { name, hash } of impls) {
    const got = Buffer.from(hash(sample)).toString('hex');
    if (got !== want) throw new Error(`${name} gives ${got} for ${bytes} bytes, node:crypto ${want}`);
  }
}

const load0 = loadavg();
console.log(`sha1 throughput: ${impls.map((i) => i.name).join(', ')}; ${rounds} interleaved rounds of ${values.mib} MiB per size, median MB/s of CPU time`);
console.log(`machine: ${availableParallelism()} cpus (${cpus()[0]?.model ?? 'unknown'}); node ${process.versions.node}`);
const results = new Map<string, number[]>();
for (const { bytes } of sizes) {
  for (const { hash } of impls) runOnce(hash, bytes); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < impls.length; k++) {
      const { name, hash } = impls[(k + r) % impls.length]!;
      const key = `${bytes} ${name}`;
      const list = results.get(key) ?? [];
      list.push(runOnce(hash, bytes));
      results.set(key, list);
    }
  }
}
const mbs = (bytes: number, name: string): number => median(results.get(`${bytes} ${name}`) ?? [NaN]);
const rows = sizes.map(({ label, bytes }) => {
  const dc = mbs(bytes, 'sha1dc');
  return [
    label,
    ...impls.map((i) => mbs(bytes, i.name).toFixed(0)),
    fmtX(dc / mbs(bytes, 'noble')),
    fmtX(dc / mbs(bytes, 'node:crypto')),
    fmtX(dc / mbs(bytes, 'sha1dc no-detect')),
  ];
});
for (const line of table(['size', ...impls.map((i) => i.name), 'dc/noble', 'dc/node', 'dc/no-detect'], rows)) console.log(line);
const load1 = loadavg();
console.log(`load: ${load0.map((x) => x.toFixed(2)).join(' ')} before, ${load1.map((x) => x.toFixed(2)).join(' ')} after`);
if (Math.max(load0[0] ?? 0, load1[0] ?? 0) > availableParallelism() / 2) {
  console.log('WARNING: other work was running; even per CPU second, figures are noisier and lower (shared caches, cores)');
}
