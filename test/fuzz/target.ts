// A fuzz target, and what targets share: the environment a worker gives them, invariants
// (a broken one is a finding, as any exception but an XtestPackError is), network-like
// chunking, and a tag byte in front of an input that picks the object format and whether the
// checksums of a mutated pack and idx are made right again (so that mutations reach past them).
import { createHash } from 'node:crypto';
import type { Backend } from '../../src/backend/types.js';
import { hashLength, type ObjectFormat } from '../../src/pack/oid.js';
import type { Corpus } from './corpus.js';

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


/** An invariant the code under test broke: a finding (not an XtestPackError). */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

export function invariant(ok: boolean, what: string): asserts ok {
  if (!ok) throw new InvariantError(what);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Split `input` into pieces of 1-64 bytes (its first byte decides), as a network would. */
export function chunks(input: Uint8Array): Uint8Array[] {
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
export function fixChecksums(format: ObjectFormat, pack: Uint8Array | undefined, idx: Uint8Array | undefined): void {
  const h = hashLength(format);
  if (pack && pack.length >= h) pack.set(createHash(format).update(pack.subarray(0, pack.length - h)).digest(), pack.length - h);
  if (idx && idx.length >= 2 * h) {
    if (pack && pack.length >= h) idx.set(pack.subarray(pack.length - h), idx.length - 2 * h);
    idx.set(createHash(format).update(idx.subarray(0, idx.length - h)).digest(), idx.length - h);
  }
}

/** The tag byte in front of an input: bit 0 the object format (sha256), bit 1 "fix the checksums". */
export function tagOf(input: Uint8Array): { format: ObjectFormat; fix: boolean; rest: Uint8Array } {
  const t = input[0] ?? 0;
  return { format: (t & 1) === 0 ? 'sha1' : 'sha256', fix: (t & 2) !== 0, rest: input.subarray(1) };
}

/** `bytes` behind a tag byte (see tagOf). */
export function tagged(format: ObjectFormat, fix: boolean, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out[0] = (format === 'sha1' ? 0 : 1) | (fix ? 2 : 0);
  out.set(bytes, 1);
  return out;
}
