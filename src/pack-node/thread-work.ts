/**
 * What the threads of one threaded index-pack share: the control words, the loop each thread
 * (the main one included) runs over the list of roots, and the messages between them.
 *
 *   control (Int32Array over a SharedArrayBuffer)
 *     [CTL_NEXT]        next position in the root order to take (Atomics.add)
 *     [CTL_FAIL]        smallest root (entry number) whose tree failed; NO_FAILURE when none
 *     [CTL_RESOLVED]    deltas resolved by every thread together (progress)
 *     [CTL_BEATS + t]   grows while thread t works (the main thread's watchdog reads it)
 *
 * Which error is reported must not depend on the number of threads: it is the error of the
 * smallest failing root, which is the first one a single thread meets (roots in pack order, each
 * tree depth first, and a tree's outcome depends on its own entries only). So after a failure
 * at root r, threads skip the roots after r but still resolve every root before it.
 */
import type { DeltaResolver } from '../pack/index-resolve.js';

export const CTL_NEXT = 0;
export const CTL_FAIL = 1;
export const CTL_RESOLVED = 2;
export const CTL_BEATS = 3;
export const NO_FAILURE = 0x7fffffff;

/** A control block for `threads` threads. */
export function createControl(threads: number): Int32Array {
  const ctl = new Int32Array(new SharedArrayBuffer((CTL_BEATS + threads) * 4));
  ctl[CTL_FAIL] = NO_FAILURE;
  return ctl;
}

export interface ShareOutcome {
  /** Deltas this thread resolved. */
  resolved: number;
  /** The failure at this thread's smallest failing root, if any. */
  failure: { root: number; error: unknown } | undefined;
}

/**
 * Take roots from `order` until none is left, resolving each root's tree with `resolver`;
 * record failures in the control words rather than stop (see the module comment).
 */
export function resolveShare(resolver: DeltaResolver, order: Uint32Array, ctl: Int32Array): ShareOutcome {
  let failure: ShareOutcome['failure'];
  for (;;) {
    const k = Atomics.add(ctl, CTL_NEXT, 1);
    if (k >= order.length) break;
    const root = order[k]!;
    if (root > Atomics.load(ctl, CTL_FAIL)) continue;
    try {
      resolver.resolveFrom(root);
    } catch (e) {
      lowerFailure(ctl, root);
      if (!failure || root < failure.root) failure = { root, error: e };
    }
  }
  return { resolved: resolver.resolved, failure };
}

function lowerFailure(ctl: Int32Array, root: number): void {
  for (;;) {
    const now = Atomics.load(ctl, CTL_FAIL);
    if (root >= now || Atomics.compareExchange(ctl, CTL_FAIL, now, root) === now) return;
  }
}
