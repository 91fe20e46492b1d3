// Every fuzz target (targets-bytes.ts: readers of bytes; targets-fs.ts: what writes files), in
// the order CI runs them, and targets with a planted fault for the engine's own tests.
import { BYTE_TARGETS } from './targets-bytes.js';
import { FS_TARGETS } from './targets-fs.js';
import type { Target } from './target.js';

export type { Target, TargetEnv } from './target.js';

const ORDER = [
  'idx', 'index-pack', 'verify-pack', 'pack-read', 'pack-entries', 'checkout-entries', 'loose',
  'loose-inflated', 'tree', 'commit', 'tag', 'tar-gz', 'tar-extract', 'artifact', 'checkout-pack',
  'checkout-tree', 'manifest-export', 'manifest-package', 'pkt-line', 'sideband', 'advertisement',
  'fetch-response', 'delta',
];

export const TARGETS: readonly Target[] = ORDER.map((name) => [...BYTE_TARGETS, ...FS_TARGETS].find((t) => t.name === name)!);

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
