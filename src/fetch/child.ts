/**
 * The test helper's fetch (XTEST_PACK_FETCH=1), in a process of its own: the helper's calls are
 * synchronous and a fetch is not, so the helper runs this file and waits for it.
 *
 *   node child.js '<json: { manifest, out, backend? }>'
 *
 * Exit 0: the pack directory is at `out`. Exit 1: an XtestPackError, as one JSON line on stdout
 * ({ code, reason, file, offset, oid, path }) for the helper to throw again. Anything else is a
 * bug, with its stack on stderr.
 */
import { loadBackend } from '../backend/select.js';
import { XtestPackError } from '../errors.js';
import type { PackageManifest } from '../manifest/index.js';
import { fetchTestData } from './fetch-test-data.js';

interface ChildRequest {
  readonly manifest: PackageManifest;
  readonly out: string;
  readonly backend?: string;
}

try {
  const request = JSON.parse(process.argv[2] ?? '') as ChildRequest;
  await fetchTestData({ package: request.manifest, out: request.out, backend: await loadBackend(request.backend) });
} catch (e) {
  if (!(e instanceof XtestPackError)) throw e;
  process.stdout.write(`${JSON.stringify({ code: e.code, reason: e.reason, file: e.file, offset: e.offset, oid: e.oid, path: e.path })}\n`);
  process.exitCode = 1;
}
