// An injected SHA-1 collision. No public collision is a git object (a blob's "blob <size>\0"
// header shifts the attack's near-collision blocks off their 64-byte boundaries and changes
// the chaining value, so sha1dc sees nothing: see /work/shared/notes/sha1dc.md §3, and the
// raw-file tests in test/backend/sha1dc.test.ts), so the way a collision travels through each
// command is tested with a backend whose detecting SHA-1 reports one for chosen object ids,
// with the very error sha1dc raises (collisionError). Plain SHA-1 (trailer checksums, and
// --no-collision-detection) is left alone, as sha1dc would not run there either.
import type { Backend, Hasher, HashAlgorithm, HashOptions } from '../../src/backend/types.js';
import { collisionError } from '../../src/backend/sha1dc.js';

/** The environment variable the preload (collision-preload.ts) reads: hex ids, comma-separated. */
export const COLLISION_ENV = 'XTEST_PACK_TEST_COLLISION';

/** The preload module a child process loads with `node --import` to get the injection. */
export const COLLISION_PRELOAD = new URL('./collision-preload.js', import.meta.url).href;

/** The ids (hex) the injected backends have reported as collisions so far in this process. */
export const reported: string[] = [];

/**
 * Make `backend.createHash` report a collision for every object whose id is one of `oids`
 * (hex): digest() throws SHA1_COLLISION as sha1dc's does. Changes `backend` in place (the
 * command line and the helper take their backend from getBackend's cache) and returns the undo.
 */
export function injectCollision(backend: Backend, oids: readonly string[]): () => void {
  const real = backend.createHash.bind(backend);
  const chosen = new Set(oids.map((o) => o.toLowerCase()));
  const createHash = (algorithm: HashAlgorithm, options?: HashOptions): Hasher => {
    const inner = real(algorithm, options);
    if (algorithm !== 'sha1' || options?.collisionDetection === false) return inner;
    const h: Hasher = {
      update(data) {
        inner.update(data);
        return h;
      },
      digest() {
        const d = inner.digest();
        const hex = Buffer.from(d).toString('hex');
        if (!chosen.has(hex)) return d;
        reported.push(hex);
        throw collisionError(d);
      },
    };
    return h;
  };
  (backend as { createHash: Backend['createHash'] }).createHash = createHash;
  return () => {
    (backend as { createHash: Backend['createHash'] }).createHash = real;
  };
}

/** A copy of `backend` whose SHA-1 reports a collision for `oids` (the original is untouched). */
export function collidingBackend(backend: Backend, oids: readonly string[]): Backend {
  const copy = { ...backend };
  injectCollision(copy, oids);
  return copy;
}
