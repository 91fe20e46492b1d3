// The client side of the fetch tests: an HTTP transport that never reads the developer's own
// ~/.netrc, the ids of a fetched pack, and the check every failure must pass (an XtestPackError
// of the expected code, one line, naming the URL, holding no secret).
import assert from 'node:assert/strict';
import { after } from 'node:test';
import type { ErrorCode } from '../../src/errors.js';
import { XtestPackError } from '../../src/errors.js';
import type { FetchPackResult } from '../../src/fetch/fetch-pack.js';
import { CredentialStore, createHttpTransport, type HttpTransportOptions } from '../../src/fetch/http.js';
import type { Transport } from '../../src/fetch/transport.js';
import { normalizeRepositoryUrl, type HttpRepository } from '../../src/fetch/url.js';
import { hashLength, toHex } from '../../src/pack/oid.js';
import { fetchRepos } from './fetch-repos.js';
import { startGitHttpServer, type GitHttpServer, type GitHttpServerOptions } from './git-http-server.js';
import { scratchDir } from './repos.js';

/**
 * A starter of servers over the fetch repositories (fetch-repos.sh); every server it started is
 * closed after the test file. Call at the top level of a test file.
 */
export function serverStarter(): (options?: Omit<GitHttpServerOptions, 'root'>) => Promise<GitHttpServer> {
  const started: GitHttpServer[] = [];
  after(async () => {
    await Promise.all(started.map((s) => s.close()));
  });
  return async (options = {}) => {
    const s = await startGitHttpServer({ root: fetchRepos().root, ...options });
    started.push(s);
    return s;
  };
}

/** An environment without credentials: HOME is an empty directory, NETRC unset. */
export function emptyEnv(): Record<string, string> {
  return { HOME: scratchDir('xtest-pack-home-') };
}

/** An HTTP transport for `url`; credentials only from `env` (default: none at all). */
export function transportFor(url: string, options: HttpTransportOptions & { env?: Record<string, string> } = {}): Transport {
  const repo = normalizeRepositoryUrl(url);
  assert.equal(repo.kind, 'http');
  const { env, ...rest } = options;
  return createHttpTransport(repo as HttpRepository, { credentials: new CredentialStore(env ?? emptyEnv()), ...rest });
}

/** The ids in a fetched pack, as xtest-pack indexed it, sorted. */
export function fetchedIds(result: FetchPackResult): string[] {
  const ix = result.indexed;
  assert.ok(ix !== undefined, 'the pack was indexed');
  const h = hashLength(ix.format);
  const ids: string[] = [];
  for (let i = 0; i < ix.count; i++) ids.push(toHex(ix.oids.subarray(i * h, (i + 1) * h)));
  return ids.sort();
}

/**
 * Await `p`, which must reject with an XtestPackError of `code` whose message is one line,
 * names `url` (when given) and holds none of `secrets`.
 */
export async function expectFetchError(
  p: Promise<unknown>,
  code: ErrorCode,
  options: { url?: string; secrets?: readonly string[] } = {},
): Promise<XtestPackError> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, `expected ${code}, the call succeeded`);
  assert.ok(error instanceof XtestPackError, `expected an XtestPackError ${code}, got ${String(error)}`);
  assert.equal(error.code, code, `code ${error.code} (${error.message}), expected ${code}`);
  assert.ok(!/[\r\n]/.test(error.message), `multi-line message: ${JSON.stringify(error.message)}`);
  if (options.url !== undefined) assert.ok(error.message.includes(options.url), `message names ${options.url}: ${error.message}`);
  for (const s of options.secrets ?? []) assert.ok(!error.message.includes(s), `message leaks a secret: ${error.message}`);
  return error;
}
