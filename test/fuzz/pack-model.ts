// A pack with its zlib streams taken out, for mutations that reach past zlib: most changes to
// deflated bytes end at zlib's own check, never reaching entry sizes, delta instructions or
// object contents. The model is the pack's bytes with each entry's deflated data replaced by
// a 4-byte big-endian length and the inflated bytes, its OFS_DELTA distances counted in the
// model's own offsets, and no trailer; `deflatePack` makes a pack of it again (every zlib
// stream and the trailer right, whatever was mutated), mapping OFS_DELTA distances back.
//
//   model:  PACK <version> <count>   then per entry:  <type+size varint> [<ofs distance> | <base id>] <u32 length> <data>
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { decodeEntryHeader, encodeEntryHeader, encodeOfsDeltaDistance } from '../../src/pack/entry.js';
import { hashLength, type ObjectFormat } from '../../src/pack/oid.js';

const OBJ_OFS_DELTA = 6;
const OBJ_REF_DELTA = 7;

/** The bytes of an entry's type-and-size varint (those before any delta base). */
function sizeBytes(b: Uint8Array, at: number): number {
  let n = 1;
  while (at + n - 1 < b.length && b[at + n - 1]! & 0x80 && n < 11) n++;
  return n;
}

/**
 * The model of a well-formed `pack` (see the module comment).
 * @example
 *   deflatePack(inflatePack(pack, 'sha1'), 'sha1') // a pack of the same objects
 */
export function inflatePack(pack: Uint8Array, format: ObjectFormat): Uint8Array {
  const h = hashLength(format);
  const count = new DataView(pack.buffer, pack.byteOffset).getUint32(8);
  const out: Uint8Array[] = [pack.subarray(0, 12)];
  let modelOffset = 12;
  const modelStart = new Map<number, number>();
  let p = 12;
  for (let i = 0; i < count; i++) {
    const e = decodeEntryHeader(pack, p, p, h);
    modelStart.set(p, modelOffset);
    const head = pack.subarray(p, p + sizeBytes(pack, p));
    let base: Uint8Array = new Uint8Array(0);
    if (e.type === OBJ_OFS_DELTA) base = encodeOfsDeltaDistance(modelOffset - modelStart.get(e.baseOffset)!);
    else if (e.type === OBJ_REF_DELTA) base = pack.subarray(e.baseOidAt, e.baseOidAt + h);
    const { buffer, engine } = inflateSync(pack.subarray(p + e.headerLength), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, buffer.length);
    out.push(head, base, len, buffer);
    modelOffset += head.length + base.length + 4 + buffer.length;
    p += e.headerLength + engine.bytesWritten;
  }
  return Buffer.concat(out);
}

/**
 * A pack made of a (mutated) model: zlib streams and the trailer computed; a length past the
 * end ends the entries and the rest is kept as it is. With `fixSizes`, each entry's declared
 * size is made its data's length, so that mutations reach delta instructions and contents.
 */
export function deflatePack(model: Uint8Array, format: ObjectFormat, fixSizes = false): Uint8Array {
  const h = hashLength(format);
  const out: Uint8Array[] = [model.subarray(0, 12)];
  let real = Math.min(12, model.length);
  const realStart = new Map<number, number>();
  let p = 12;
  while (p < model.length) {
    const at = p;
    const n = sizeBytes(model, p);
    const head = model.subarray(p, p + n);
    const type = ((model[p] ?? 0) >> 4) & 7;
    p += n;
    let base: Uint8Array = new Uint8Array(0);
    if (type === OBJ_OFS_DELTA) {
      // The distance as the model counts it, back to the entry it names, counted again in the pack.
      let q = p;
      let c = model[q++] ?? 0;
      let d = c & 127;
      while (c & 128 && q < model.length && q - p < 10) {
        c = model[q++]!;
        d = (d + 1) * 128 + (c & 127);
      }
      const target = realStart.get(at - d);
      const distance = target === undefined ? d : real - target;
      // (With fixSizes the header's length may change; the distance is counted from the entry's start.)
      base = distance > 0 && Number.isSafeInteger(distance) ? encodeOfsDeltaDistance(distance) : model.subarray(p, q);
      p = q;
    } else if (type === OBJ_REF_DELTA) {
      base = model.subarray(p, p + h);
      p += h;
    }
    if (p + 4 > model.length) {
      out.push(head, base, model.subarray(p));
      break;
    }
    const len = Math.min(new DataView(model.buffer, model.byteOffset + p, 4).getUint32(0), model.length - p - 4);
    const data = deflateSync(model.subarray(p + 4, p + 4 + len), { level: 1 });
    const header = fixSizes ? encodeEntryHeader(type, len) : head;
    realStart.set(at, real);
    out.push(header, base, data);
    real += header.length + base.length + data.length;
    p += 4 + len;
  }
  const body = Buffer.concat(out);
  return Buffer.concat([body, createHash(format).update(body).digest()]);
}
