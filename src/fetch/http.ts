/**
 * Smart HTTP transport (gitprotocol-http.adoc; git's remote-curl.c and http.c) on Node.
 *
 *   GET  <url>/info/refs?service=git-upload-pack   Git-Protocol: version=2   redirects followed here only
 *   POST <base>/git-upload-pack                    the base the GET ended at; a redirect is an error
 *
 * Built on Node's global `fetch` (undici) rather than node:http: it pools keep-alive connections
 * by default (the GET and the POSTs of one fetch share one connection), streams bodies as
 * WHATWG streams, sets Content-Length for a byte body (CodeCommit needs it), and needs no
 * dependency. Its limits are where we want control, and are handled here: `redirect: 'manual'`
 * (git's `http.followRedirects=initial`: discovery only, never https -> http, at most 5 hops),
 * an AbortController reset on every chunk (an idle timeout, not a total one), a byte count per
 * response, and credentials sent only to the host they were found for.
 *
 * Credentials: anonymous first. After a 401, once per host per run (a `CredentialStore` shared
 * by the transports of one run): user and password from the URL, else netrc (`NETRC` names the
 * file, else `~/.netrc`), sent as Basic from then on. No prompt, no helper, no second try: a
 * 401 with credentials sent is AUTH_FAILED. No message ever holds a user name or password.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { XtestPackError, ioError } from '../errors.js';
import { findNetrcCredentials, parseNetrc, type Credentials } from './netrc.js';
import { ADVERTISEMENT_CONTENT_TYPE, REQUEST_CONTENT_TYPE, RESULT_CONTENT_TYPE } from './protocol-v2.js';
import type { Transport, TransportReply, TransportStats } from './transport.js';
import type { HttpRepository } from './url.js';

/** Default cap on one response's body: 1 GiB (a snapshot's trees are ~150 KB for git.git; blobs are the caller's). */
export const DEFAULT_MAX_BYTES = 2 ** 30;
/** Default time without a byte before a connection counts as stalled. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** Redirects followed on discovery (curl's and git's default is far more; 5 covers http -> https -> canonical host -> .git). */
export const MAX_REDIRECTS = 5;
/**
 * GitHub and Bitbucket answer smart HTTP only to a User-Agent starting with `git/`
 * (jelmer/dulwich#562); `git/2.0` as libgit2 does (libgit2#4041), and who we are after it.
 */
export const DEFAULT_USER_AGENT = 'git/2.0 (xtest-pack)';

const DISCOVERY_SUFFIX = '/info/refs?service=git-upload-pack';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface HttpTransportOptions {
  /** Cap on each response body, in bytes (default 1 GiB); more is TOO_LARGE. */
  maxBytes?: number;
  /** Milliseconds without progress (connecting, waiting, reading) before NETWORK (default 60 s). */
  idleTimeoutMs?: number;
  /** Credentials found so far in this run (default: a store of this transport's own, reading `process.env`). */
  credentials?: CredentialStore;
  userAgent?: string;
}

/**
 * Where credentials come from, looked up at most once per host per run, and only after that
 * host answered 401. Share one store between the transports of one run.
 * @example
 *   const store = new CredentialStore(process.env);
 *   createHttpTransport(repoA, { credentials: store }); createHttpTransport(repoB, { credentials: store });
 */
export class CredentialStore {
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #found = new Map<string, { credentials: Credentials; source: string } | undefined>();
  readonly #rejected = new Set<string>();

  constructor(env: Readonly<Record<string, string | undefined>> = process.env) {
    this.#env = env;
  }

  /** The credentials to send to `host` now (found after an earlier 401), if any. */
  current(host: string): { credentials: Credentials; source: string } | undefined {
    return this.#found.get(host);
  }

  /** True once `host` refused the credentials found for it. */
  rejected(host: string): boolean {
    return this.#rejected.has(host);
  }

  reject(host: string): void {
    this.#rejected.add(host);
  }

  /**
   * After a 401 from `host`: look for credentials, the first time only (the answer, found or
   * not, is kept for the run). `fromUrl` are those of the repository URL, when it names `host`.
   * @throws CONFIG_CORRUPT for a malformed netrc file.
   */
  lookup(host: string, fromUrl: { username: string | undefined; password: string | undefined } | undefined): { credentials: Credentials; source: string } | undefined {
    if (this.#found.has(host)) return this.#found.get(host);
    let found: { credentials: Credentials; source: string } | undefined;
    if (fromUrl?.username !== undefined && fromUrl.password !== undefined) {
      found = { credentials: { username: fromUrl.username, password: fromUrl.password }, source: 'the URL' };
    } else {
      const path = this.netrcPath();
      const fromNetrc = path === undefined ? undefined : readNetrc(path, host.replace(/:\d+$/, ''), fromUrl?.username);
      if (fromNetrc !== undefined) found = { credentials: fromNetrc, source: path! };
      // A user name alone (`https://<token>@host/…`, a common CI form) goes with an empty password.
      else if (fromUrl?.username !== undefined) found = { credentials: { username: fromUrl.username, password: '' }, source: 'the URL' };
    }
    this.#found.set(host, found);
    return found;
  }

  /** The netrc file: `NETRC`, else `~/.netrc` (curl's order). */
  netrcPath(): string | undefined {
    const named = this.#env['NETRC'];
    if (named !== undefined && named !== '') return named;
    const home = this.#env['HOME'] || homedir();
    return home ? join(home, '.netrc') : undefined;
  }
}

/**
 * A smart HTTP transport for `repo` (from `normalizeRepositoryUrl`).
 * @example
 *   const t = createHttpTransport(normalizeRepositoryUrl(url) as HttpRepository, { idleTimeoutMs: 30_000 });
 *   const caps = await discover(t);
 */
export function createHttpTransport(repo: HttpRepository, options: HttpTransportOptions = {}): Transport {
  return new HttpTransport(repo, options);
}

class HttpTransport implements Transport {
  readonly #repo: HttpRepository;
  readonly #maxBytes: number;
  readonly #idleMs: number;
  readonly #store: CredentialStore;
  readonly #userAgent: string;
  /** host:port of the repository URL: the only one its user info is for. */
  readonly #originHost: string;
  #base: URL;
  #stats = { requests: 0, bytesReceived: 0, bytesSent: 0 };

  constructor(repo: HttpRepository, options: HttpTransportOptions) {
    this.#repo = repo;
    this.#base = new URL(repo.url);
    this.#originHost = this.#base.host;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#store = options.credentials ?? new CredentialStore();
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  }

  get url(): string {
    return displayUrl(this.#base).replace(/\/+$/, '');
  }

  get stats(): TransportStats {
    return { ...this.#stats };
  }

  async discover(): Promise<TransportReply> {
    let url = new URL(`${baseHref(this.#base)}${DISCOVERY_SUFFIX}`);
    for (let hops = 0; ; hops++) {
      const res = await this.#send('GET', url, { accept: `${ADVERTISEMENT_CONTENT_TYPE}, */*`, pragma: 'no-cache' });
      if (!REDIRECT_STATUSES.has(res.response.status)) {
        await this.#check(res, url);
        try {
          // The POSTs go where discovery ended (git's http.c `update_url_from_redirect`).
          this.#base = redirectBase(url);
        } catch (e) {
          await res.release();
          throw e;
        }
        return this.#reply(res, url);
      }
      await res.release();
      if (hops >= MAX_REDIRECTS) throw remote(url, `more than ${MAX_REDIRECTS} redirects`);
      url = followRedirect(url, res.response.headers.get('location'));
    }
  }

  async command(request: Uint8Array): Promise<TransportReply> {
    const url = new URL(`${baseHref(this.#base)}/git-upload-pack`);
    const res = await this.#send('POST', url, { 'content-type': REQUEST_CONTENT_TYPE, accept: RESULT_CONTENT_TYPE }, request);
    if (REDIRECT_STATUSES.has(res.response.status)) {
      await res.release();
      throw remote(url, `HTTP ${res.response.status} redirect on a POST (redirects are followed on discovery only)`);
    }
    await this.#check(res, url);
    return this.#reply(res, url);
  }

  /** One request, with one retry after a 401 when credentials turn up for the host. */
  async #send(method: 'GET' | 'POST', url: URL, headers: Record<string, string>, body?: Uint8Array): Promise<Sent> {
    const host = url.host;
    for (;;) {
      if (this.#store.rejected(host)) throw authFailed(url, 'the credentials found for it were refused earlier in this run');
      const auth = this.#store.current(host);
      const h: Record<string, string> = { ...headers, 'git-protocol': 'version=2', 'user-agent': this.#userAgent };
      if (auth !== undefined) h['authorization'] = basic(auth.credentials);
      const sent = await this.#fetch(method, url, h, body);
      if (sent.response.status !== 401) return sent;
      await sent.release();
      if (auth !== undefined) {
        this.#store.reject(host);
        throw authFailed(url, `HTTP 401: the server refused the credentials from ${auth.source}`);
      }
      const fromUrl = host === this.#originHost ? this.#repo : undefined;
      let found;
      try {
        found = this.#store.lookup(host, fromUrl);
      } catch (e) {
        throw e instanceof XtestPackError ? e.withFile(this.#store.netrcPath() ?? 'netrc') : e;
      }
      if (found === undefined) {
        throw authFailed(
          url,
          'HTTP 401: authentication required; give credentials in the URL (https://user:token@host/…) or in ~/.netrc (or the file NETRC names)',
        );
      }
    }
  }

  /** `fetch` with the idle timer running from the request to the end of the body. */
  async #fetch(method: 'GET' | 'POST', url: URL, headers: Record<string, string>, body?: Uint8Array): Promise<Sent> {
    const timer = new IdleTimer(this.#idleMs);
    this.#stats.requests++;
    if (body !== undefined) this.#stats.bytesSent += body.length;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        redirect: 'manual',
        signal: timer.signal,
        ...(body === undefined ? {} : { body }),
      });
    } catch (e) {
      timer.clear();
      throw networkError(url, e, timer, this.#idleMs);
    }
    timer.touch();
    return {
      response,
      timer,
      release: async () => {
        timer.clear();
        await response.body?.cancel().catch(() => undefined);
      },
    };
  }

  /** Refuse a status other than 200, and a body declared over the limit. */
  async #check(sent: Sent, url: URL): Promise<void> {
    const { status } = sent.response;
    if (status !== 200) {
      await sent.release();
      const text = safeText(sent.response.statusText);
      const retry = status === 429 ? safeText(sent.response.headers.get('retry-after') ?? '') : '';
      const hint = status === 404 ? ' (no repository at this URL?)' : retry !== '' ? ` (retry after ${retry})` : '';
      throw remote(url, `HTTP ${status}${text === '' ? '' : ` ${text}`}${hint}`);
    }
    const declared = Number(sent.response.headers.get('content-length') ?? NaN);
    if (declared > this.#maxBytes) {
      await sent.release();
      throw new XtestPackError('TOO_LARGE', `response of ${declared} bytes is over the ${this.#maxBytes}-byte limit`, { file: displayUrl(url) });
    }
  }

  #reply(sent: Sent, url: URL): TransportReply {
    const { response, timer } = sent;
    const stats = this.#stats;
    const limit = this.#maxBytes;
    const idleMs = this.#idleMs;
    let started = false;
    const body = (async function* stream(): AsyncGenerator<Uint8Array> {
      const reader = response.body?.getReader();
      if (reader === undefined) return;
      let received = 0;
      let finished = false;
      try {
        for (;;) {
          let next: Awaited<ReturnType<typeof reader.read>>;
          try {
            next = await reader.read();
          } catch (e) {
            throw networkError(url, e, timer, idleMs);
          }
          if (next.done) {
            finished = true;
            // undici hands a finished connection back to its pool a tick after the body ends;
            // without this wait the next request (the POST right after discovery) opens another.
            await new Promise((resolve) => setImmediate(resolve));
            return;
          }
          received += next.value.length;
          stats.bytesReceived += next.value.length;
          if (received > limit) throw new XtestPackError('TOO_LARGE', `response over the ${limit}-byte limit`, { file: displayUrl(url), offset: limit });
          // The consumer's time is not the server's: the timer stops while it works.
          timer.pause();
          yield next.value;
          timer.touch();
        }
      } finally {
        timer.clear();
        if (!finished) await reader.cancel().catch(() => undefined);
      }
    })();
    return {
      url: displayUrl(url),
      contentType: mediaType(response.headers.get('content-type')),
      body: {
        [Symbol.asyncIterator]() {
          if (started) throw new Error('a reply body can be read once');
          started = true;
          return body;
        },
      },
      cancel: async () => {
        started = true;
        // return() ends a generator suspended in its loop (its finally cancels the reader); for
        // one never started, release() cancels the body itself (a locked one refuses, harmlessly).
        await body.return(undefined);
        await sent.release();
      },
    };
  }
}

interface Sent {
  readonly response: Response;
  readonly timer: IdleTimer;
  release(): Promise<void>;
}

/** An abort signal that fires after `ms` without `touch()`. */
class IdleTimer {
  readonly #controller = new AbortController();
  readonly #ms: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  fired = false;

  constructor(ms: number) {
    this.#ms = ms;
    this.touch();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  touch(): void {
    this.clear();
    this.#timer = setTimeout(() => {
      this.fired = true;
      this.#controller.abort();
    }, this.#ms);
  }

  pause(): void {
    this.clear();
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * The URL a discovery redirect leads to: `location` resolved against `from`.
 * @throws REMOTE_ERROR for a missing or malformed Location, another scheme than http(s), or
 *         https -> http (never downgraded, as git and curl).
 * @example
 *   followRedirect(new URL('https://h/r/info/refs?service=git-upload-pack'), '/r.git/info/refs?service=git-upload-pack')
 */
export function followRedirect(from: URL, location: string | null): URL {
  if (location === null || location === '') throw remote(from, 'redirect without a Location');
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw remote(from, 'redirect to a malformed Location');
  }
  if (to.protocol !== 'https:' && to.protocol !== 'http:') throw remote(from, `redirect to a ${to.protocol}// URL`);
  if (from.protocol === 'https:' && to.protocol === 'http:') throw remote(from, `refusing a redirect from https to http (${displayUrl(to)})`);
  // Credentials are per host and come from our store, never from a Location.
  to.username = '';
  to.password = '';
  return to;
}

/**
 * The repository base a discovery URL names: it minus `/info/refs?service=git-upload-pack`.
 * @throws REMOTE_ERROR when a redirect led somewhere else (git dies the same way).
 */
export function redirectBase(discoveryUrl: URL): URL {
  const href = discoveryUrl.href;
  if (!href.endsWith(DISCOVERY_SUFFIX)) {
    throw remote(discoveryUrl, `redirected to a URL that is not a repository's ${DISCOVERY_SUFFIX.slice(1)}`);
  }
  return new URL(href.slice(0, -DISCOVERY_SUFFIX.length));
}

/** The base URL as a prefix for `/info/refs…` and `/git-upload-pack` (no trailing `/`). */
function baseHref(base: URL): string {
  return base.href.replace(/\/+$/, '');
}

function basic(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

/** `scheme://host/path?query` without user info. */
function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search}`;
}

function mediaType(header: string | null): string | undefined {
  if (header === null) return undefined;
  const t = header.split(';')[0]!.trim().toLowerCase();
  return t === '' ? undefined : t;
}

/** Server-chosen text (status text, Retry-After) made safe for a one-line message. */
function safeText(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
}

function remote(url: URL, reason: string): XtestPackError {
  return new XtestPackError('REMOTE_ERROR', reason, { file: displayUrl(url) });
}

function authFailed(url: URL, reason: string): XtestPackError {
  return new XtestPackError('AUTH_FAILED', `host ${url.host}: ${reason}`, { file: displayUrl(url) });
}

/** A failed connection or read: the idle timeout, or the socket error beneath undici's. */
function networkError(url: URL, e: unknown, timer: IdleTimer, idleMs: number): XtestPackError {
  if (e instanceof XtestPackError) return e;
  if (timer.fired) {
    return new XtestPackError('NETWORK', `no data for ${idleMs / 1000} s (idle timeout); connection abandoned`, { file: displayUrl(url), cause: e });
  }
  let inner: unknown = e;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const code = (inner as { code?: unknown } | undefined)?.code;
  const detail = inner instanceof Error ? inner.message : String(inner);
  const text = typeof code === 'string' && !detail.includes(code) ? `${code} ${detail}` : detail;
  return new XtestPackError('NETWORK', `connection failed: ${safeText(text)}`, {
    file: displayUrl(url),
    cause: e,
  });
}

function readNetrc(path: string, host: string, username: string | undefined): Credentials | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw ioError(e, { file: path }, 'read');
  }
  return findNetrcCredentials(parseNetrc(text), host, username);
}
