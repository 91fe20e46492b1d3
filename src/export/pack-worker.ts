/**
 * The worker thread of pack-workers.ts: runs one segment of a pack's delta search and
 * compression at a time (searchSegment, the same code the calling thread runs) and answers on
 * its port, then bumps the shared counter the calling thread sleeps on.
 *
 *   request  { id, format, window, depth, level, verify, backend, seeds, types, oids, ends, data }
 *   answer   { id, bases, sizes, ends, bodies }  or  { id, error: { code?, message, ... } }
 */
import { readlinkSync } from 'node:fs';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { getBackend } from '../backend/index.js';
import { createDeflater } from '../backend/portable.js';
import { errorPayload } from '../errors.js';
import type { ObjectFormat, ObjectType } from '../pack/oid.js';
import { searchSegment, type SegmentObject } from '../pack/write-search.js';
import type { SegmentRequest, SegmentAnswer, WorkerData } from './pack-workers.js';

const TYPES: readonly ObjectType[] = ['commit', 'tree', 'blob', 'tag'];

const { port, signal, index } = workerData as WorkerData;

// Started: where the system names threads (Linux), this one's id, which the calling thread
// checks is still there while it waits for an answer; elsewhere -1 (started, no check).
let tid = -1;
try {
  const t = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(t) && t > 0 && t <= 0x7fffffff) tid = t;
} catch {
  // Not Linux: no check.
}
Atomics.store(signal, 1 + index, tid);

function answer(a: SegmentAnswer, transfer: ArrayBuffer[]): void {
  (port as MessagePort).postMessage(a, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function run(r: SegmentRequest): void {
  const h = r.format === 'sha1' ? 20 : 32;
  const objects: SegmentObject[] = [];
  for (let i = 0, from = 0; i < r.types.length; i++) {
    const end = r.ends[i]!;
    objects.push({ oid: r.oids.subarray(i * h, i * h + h), type: TYPES[r.types[i]! - 1]!, data: r.data.subarray(from, end) });
    from = end;
  }
  const backend = r.verify ? getBackend(r.backend) : undefined;
  const format: ObjectFormat = r.format;
  const result = searchSegment(objects.slice(r.seeds), objects.slice(0, r.seeds), {
    format,
    window: r.window,
    depth: r.depth,
    createDeflater: () => createDeflater(r.level),
    ...(backend ? { createHash: () => backend.createHash(format) } : {}),
  });
  answer({ id: r.id, ...result }, [result.bases.buffer, result.sizes.buffer, result.ends.buffer, result.bodies.buffer] as ArrayBuffer[]);
}

(port as MessagePort).on('message', (r: SegmentRequest) => {
  try {
    run(r);
  } catch (e) {
    answer({ id: r.id, error: errorPayload(e) }, []);
  }
});
// Nothing is expected on parentPort; the work comes on `port`.
parentPort?.unref();
