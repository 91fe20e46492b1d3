/**
 * Object ids and object formats. The format is a value carried with every id: an idx file
 * does not say which hash it uses (gitformat-pack: "the hash function is determined by the
 * repository's object format").
 */
import type { HashAlgorithm } from '../backend/types.js';

export type ObjectFormat = HashAlgorithm;

/** Raw id length in bytes. */
export function hashLength(format: ObjectFormat): number {
  return format === 'sha1' ? 20 : 32;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

/** Bytes of an even-length hex string; `undefined` when it is not hex. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** The object types git stores, by their pack type numbers. */
export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

export const OBJ_COMMIT = 1;
export const OBJ_TREE = 2;
export const OBJ_BLOB = 3;
export const OBJ_TAG = 4;
export const OBJ_OFS_DELTA = 6;
export const OBJ_REF_DELTA = 7;

const TYPE_NAMES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

/** Name of a base type number (1-4), or `undefined`. */
export function typeName(type: number): ObjectType | undefined {
  return TYPE_NAMES[type];
}

/** The loose-object header `"<type> <size>\0"` that prefixes an object's bytes when it is hashed. */
export function objectHeader(type: ObjectType, size: number): Uint8Array {
  const s = `${type} ${size}`;
  const out = new Uint8Array(s.length + 1);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
