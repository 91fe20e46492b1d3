// Hand-assembled packs for hostile-input tests: header + entries + trailer, each part able to lie.
// Built only from the format primitives (encodeEntryHeader, encodeOfsDeltaDistance, the backend's
// deflate and hash), so a test states exactly which bytes it feeds the reader.
import type { Backend } from '../../src/backend/types.js';
import { concatBytes } from '../../src/pack/bytes.js';
import { encodeDelta, type DeltaOp } from '../../src/pack/delta.js';
import { encodeEntryHeader, encodeOfsDeltaDistance } from '../../src/pack/entry.js';
import { encodeIdx } from '../../src/pack/idx/index.js';
import { hashLength, objectHeader, toHex, typeName, type ObjectFormat, type ObjectType } from '../../src/pack/oid.js';
import { bytesSource, type ByteSource } from '../../src/pack/source.js';
import { XtestPackError } from '../../src/errors.js';
import type { PackObjectSource } from '../../src/pack/write.js';

export interface EntrySpec {
  /** Type number written in the header (any 0-7, to lie). */
  type: number;
  /** What the zlib stream inflates to: the object, or the delta data. */
  data: Uint8Array;
  /** Size written in the header; `data.length` unless given. */
  declaredSize?: number;
  /** OFS_DELTA: the base is entry number `ofsBase` of this pack. */
  ofsBase?: number;
  /** OFS_DELTA: this distance back, whatever lies there. */
  ofsDistance?: number;
  /** OFS_DELTA: these bytes as the distance varint (e.g. [0] for a distance of 0). */
  ofsRaw?: Uint8Array;
  /** REF_DELTA: the base object's id. */
  refBase?: Uint8Array;
  /** Use these bytes as the entry's zlib stream instead of deflating `data`. */
  zlib?: Uint8Array;
}

export interface PackOptions {
  format?: ObjectFormat;
  /** Version field (2 unless given). */
  version?: number;
  /** Object count field (the number of entries unless given). */
  count?: number;
  /** The first four bytes ("PACK" unless given). */
  signature?: Uint8Array;
  /** Bytes between the last entry and the trailer. */
  junk?: Uint8Array;
  /** Flip a bit of the (otherwise correct) trailer checksum. */
  badTrailer?: boolean;
  /** zlib level for every entry (default 6). */
  level?: number;
}

export interface BuiltPack {
  bytes: Uint8Array;
  format: ObjectFormat;
  /** Start offset of each entry. */
  offsets: number[];
  /** End offset (exclusive) of each entry. */
  ends: number[];
  /** Offset of the trailer. */
  trailerAt: number;
  /** The trailer as written. */
  trailer: Uint8Array;
}

const PACK = Uint8Array.of(0x50, 0x41, 0x43, 0x4b);

/** Assemble a pack from `entries`; every field is honest unless an option or spec says otherwise. */
export function buildPack(entries: readonly EntrySpec[], backend: Backend, options: PackOptions = {}): BuiltPack {
  const format = options.format ?? 'sha1';
  const header = new Uint8Array(12);
  header.set(options.signature ?? PACK);
  const dv = new DataView(header.buffer);
  dv.setUint32(4, options.version ?? 2);
  dv.setUint32(8, options.count ?? entries.length);
  const parts: Uint8Array[] = [header];
  const offsets: number[] = [];
  const ends: number[] = [];
  let at = 12;
  for (const e of entries) {
    offsets.push(at);
    const bytes: Uint8Array[] = [encodeEntryHeader(e.type, e.declaredSize ?? e.data.length)];
    if (e.ofsRaw !== undefined) bytes.push(e.ofsRaw);
    else if (e.ofsDistance !== undefined) bytes.push(encodeOfsDeltaDistance(e.ofsDistance));
    else if (e.ofsBase !== undefined) {
      const baseAt = offsets[e.ofsBase];
      if (baseAt === undefined) throw new RangeError(`ofsBase ${e.ofsBase} is not an earlier entry`);
      bytes.push(encodeOfsDeltaDistance(at - baseAt));
    }
    if (e.refBase !== undefined) bytes.push(e.refBase);
    bytes.push(e.zlib ?? backend.deflate(e.data, options.level ?? 6));
    const entry = concatBytes(bytes);
    parts.push(entry);
    at += entry.length;
    ends.push(at);
  }
  if (options.junk) {
    parts.push(options.junk);
    at += options.junk.length;
  }
  const body = concatBytes(parts);
  const trailer = backend.createHash(format).update(body).digest().slice();
  if (options.badTrailer) trailer[trailer.length - 1]! ^= 1;
  return { bytes: concatBytes([body, trailer]), format, offsets, ends, trailerAt: at, trailer };
}

/** The id git gives an object of pack type `type` (1-4) and content `data`. */
export function objectId(backend: Backend, format: ObjectFormat, type: number, data: Uint8Array): Uint8Array {
  const name = typeName(type);
  if (name === undefined) throw new RangeError(`type ${type} is not an object type`);
  return backend.createHash(format).update(objectHeader(name, data.length)).update(data).digest();
}

/**
 * An idx for `pack` that lists entry i under `oids[i]` at `offsets[i]` (the real entry offsets
 * unless given), with the CRC-32 of each entry's bytes where it has one.
 */
export function buildIdx(
  pack: BuiltPack,
  oids: readonly Uint8Array[],
  backend: Backend,
  opts: { offsets?: readonly number[]; version?: 1 | 2 } = {},
): Uint8Array {
  const h = hashLength(pack.format);
  const n = oids.length;
  const oidBytes = new Uint8Array(n * h);
  const offsets = new Float64Array(n);
  const crc32s = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const oid = oids[i]!;
    if (oid.length !== h) throw new RangeError(`oid ${i} has ${oid.length} bytes`);
    oidBytes.set(oid, i * h);
    offsets[i] = opts.offsets?.[i] ?? pack.offsets[i]!;
    const start = pack.offsets[i];
    const end = pack.ends[i];
    crc32s[i] = start !== undefined && end !== undefined ? backend.crc32(pack.bytes.subarray(start, end)) : 0;
  }
  return encodeIdx({ format: pack.format, count: n, oids: oidBytes, offsets, crc32s }, pack.trailer, backend, {
    version: opts.version ?? 2,
  });
}

/** A valid delta turning `base` into `target`: the common prefix copied, the rest inserted. */
export function simpleDelta(base: Uint8Array, target: Uint8Array): Uint8Array {
  let common = 0;
  while (common < base.length && common < target.length && base[common] === target[common]) common++;
  const ops: DeltaOp[] = [];
  if (common > 0) ops.push({ op: 'copy', offset: 0, size: common });
  for (let p = common; p < target.length; p += 127) {
    ops.push({ op: 'insert', data: target.subarray(p, Math.min(target.length, p + 127)) });
  }
  return encodeDelta(base.length, target.length, ops);
}

/** `n` deterministic pseudo-random bytes (xorshift32), for reproducible data without fast-check. */
export function pseudoRandomBytes(n: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Text bytes. */
export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/**
 * Run `fn`, require it to throw an XtestPackError, and return it. Anything else (a return,
 * another exception) fails with a message naming what happened.
 */
export function expectPackError(fn: () => unknown, what = 'call'): XtestPackError {
  let result: unknown;
  try {
    result = fn();
  } catch (e) {
    if (e instanceof XtestPackError) return e;
    const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new Error(`${what} threw a non-XtestPackError: ${detail}`, { cause: e });
  }
  void result;
  throw new Error(`${what} returned instead of throwing an XtestPackError`);
}

/**
 * A ByteSource over `bytes` that does not offer them whole, so readers take the path they take
 * for files: positional reads into their own buffers. Each read is a copy.
 */
export function pieceSource(bytes: Uint8Array, name = '<pieces>'): ByteSource {
  const inner = bytesSource(bytes, name);
  return { size: bytes.length, name, read: (offset, length) => inner.read(offset, length).slice(), readInto: (offset, into) => inner.readInto(offset, into) };
}

/** An object for the pack writer's tests: its id (bytes and hex), type, bytes and path. */
export interface PackObject {
  readonly oid: Uint8Array;
  readonly hex: string;
  readonly type: ObjectType;
  readonly data: Uint8Array;
  readonly path: string;
}

export function packObject(backend: Backend, format: ObjectFormat, type: ObjectType, data: Uint8Array, path: string): PackObject {
  const oid = backend.createHash(format).update(objectHeader(type, data.length)).update(data).digest();
  return { oid, hex: toHex(oid), type, data, path };
}

/** `objs` as the pack writer takes them. */
export function packSources(objs: readonly PackObject[]): PackObjectSource[] {
  return objs.map((o) => ({ oid: o.oid, type: o.type, size: o.data.length, path: o.path, load: () => o.data }));
}
