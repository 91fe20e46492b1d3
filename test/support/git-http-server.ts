// A smart HTTP git server for the fetch tests: node:http on 127.0.0.1, port 0, bridging each
// request to `git http-backend` as CGI (git-http-backend.adoc; the fetch note, section 6), with
// switches for what real servers do (protocol v0 only, Basic auth, redirects) and a hook that
// rewrites a request or a reply to reproduce what broken or hostile ones do (ERR, band 3, an
// empty 200, a body cut short, a flipped pack byte, an HTML page, an HTTP status, a stall).
// It records every request and counts the body bytes it sends. Nothing here uses the code under
// test: the pkt-line helpers below are written again, small and independent.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RecordedRequest {
  readonly method: string;
  /** URL path (percent-encoded as sent). */
  readonly path: string;
  /** Query string without `?` ('' when none). */
  readonly query: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /** Which TCP connection it came on (1, 2, … in order of connection). */
  readonly connection: number;
}

/** A reply as the server will send it. */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** Send the headers and this many body bytes, then neither end nor close (a stalled server). */
  readonly stallAfter?: number;
  /** Send the headers and this many body bytes, then reset the connection. */
  readonly resetAfter?: number;
}

/** The real answer of git http-backend to `req` (default: the request as received), with extra git config. */
export type RealReply = (req?: RecordedRequest, config?: Readonly<Record<string, string>>) => Promise<Reply>;

/** Rewrite a request or reply; 'stall' sends nothing at all (not even headers). */
export type Misbehaviour = (req: RecordedRequest, real: RealReply) => Promise<Reply | 'stall'>;

export interface Redirect {
  /** Path prefix redirected (e.g. `/old.git/`). */
  readonly from: string;
  /** Replacement prefix: a path, or an absolute URL (another origin). */
  readonly to: string;
  readonly status?: number;
  /** Redirect to `to` exactly, dropping the rest of the path and the query. */
  readonly exact?: boolean;
  /** Methods redirected (default all). */
  readonly methods?: readonly string[];
}

export interface GitHttpServerOptions {
  /** GIT_PROJECT_ROOT: the directory of bare repositories served. */
  readonly root: string;
  /** `uploadpack.allowFilter` (default true). */
  readonly allowFilter?: boolean;
  /** More git config for upload-pack (GIT_CONFIG_COUNT/KEY/VALUE; command-line config wins over the repository's). */
  readonly config?: Readonly<Record<string, string>>;
  /** Drop the Git-Protocol header before http-backend sees it: the server answers in protocol v0. */
  readonly v0Only?: boolean;
  /** Require `Authorization: Basic` with these; anything else gets 401 + WWW-Authenticate. */
  readonly auth?: { readonly username: string; readonly password: string };
  readonly redirects?: readonly Redirect[];
  readonly misbehave?: Misbehaviour;
  /** A CGI still running after this is killed (default 20 s). */
  readonly cgiTimeoutMs?: number;
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Requests refused with 401. */
  readonly unauthorized: number;
  /** Body bytes sent. */
  readonly bytesSent: number;
  /** Body bytes sent in reply to each request (same order as `requests`). */
  readonly replyBytes: readonly number[];
  /** The URL of a repository under the root: `${origin}/${name}`. */
  url(name: string): string;
  close(): Promise<void>;
}

/**
 * Start a server on 127.0.0.1 (port 0: the system picks).
 * @example
 *   const server = await startGitHttpServer({ root }); try { ... server.url('sha1.git') } finally { await server.close(); }
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const home = mkdtempSync(join(tmpdir(), 'xtest-pack-http-home-'));
  const requests: RecordedRequest[] = [];
  const children = new Set<ChildProcess>();
  const sockets = new Set<Socket>();
  const connectionIds = new WeakMap<Socket, number>();
  let connections = 0;
  let unauthorized = 0;
  let bytesSent = 0;
  const replyBytes: number[] = [];

  const real = (req: RecordedRequest, config?: Readonly<Record<string, string>>): Promise<Reply> =>
    runCgi(req, options, home, children, config);

  const server = createServer((inReq, res) => {
    collect(inReq)
      .then(async (body) => {
        const req = record(inReq, body, connectionIds.get(inReq.socket) ?? 0);
        const index = requests.push(req) - 1;
        replyBytes.push(0);
        const send = (res: ServerResponse, reply: Reply): void => {
          replyBytes[index] = sendReply(res, reply);
          bytesSent += replyBytes[index];
        };
        const redirect = findRedirect(options.redirects ?? [], req);
        if (redirect !== undefined) return send(res, redirect);
        if (options.auth !== undefined && !authorized(req, options.auth)) {
          unauthorized++;
          return send(res, { status: 401, headers: { 'www-authenticate': 'Basic realm="t"', 'content-type': 'text/plain' }, body: utf8('auth\n') });
        }
        const reply = options.misbehave ? await options.misbehave(req, (r, c) => real(r ?? req, c)) : await real(req);
        if (reply === 'stall') return; // nothing sent; close() destroys the socket
        return send(res, reply);
      })
      .catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`test server error: ${String(e)}\n`);
      });
  });

  server.on('connection', (s: Socket) => {
    sockets.add(s);
    connectionIds.set(s, ++connections);
    s.on('close', () => sockets.delete(s));
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    requests,
    get unauthorized() {
      return unauthorized;
    },
    get bytesSent() {
      return bytesSent;
    },
    replyBytes,
    url: (name) => `${origin}/${name}`,
    async close() {
      for (const c of children) c.kill('SIGKILL');
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Send `reply` (or its first bytes, then stall or reset); returns the body bytes sent. */
function sendReply(res: ServerResponse, reply: Reply): number {
  res.writeHead(reply.status, { ...reply.headers });
  const body = Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength);
  const cut = reply.stallAfter ?? reply.resetAfter;
  if (cut === undefined) {
    res.end(body);
    return body.length;
  }
  const part = body.subarray(0, cut);
  // flushHeaders + write: the client sees the headers and the first bytes, then nothing more.
  res.flushHeaders();
  if (part.length > 0) res.write(part);
  // The reset waits a moment so that those bytes leave first.
  if (reply.resetAfter !== undefined) setTimeout(() => res.socket?.destroy(), 20);
  return part.length;
}

function collect(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function record(req: IncomingMessage, body: Buffer, connection: number): RecordedRequest {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return { method: req.method ?? 'GET', path: q < 0 ? raw : raw.slice(0, q), query: q < 0 ? '' : raw.slice(q + 1), headers, body, connection };
}

function findRedirect(redirects: readonly Redirect[], req: RecordedRequest): Reply | undefined {
  for (const r of redirects) {
    if (!req.path.startsWith(r.from)) continue;
    if (r.methods !== undefined && !r.methods.includes(req.method)) continue;
    const location = r.exact ? r.to : `${r.to}${req.path.slice(r.from.length)}${req.query === '' ? '' : `?${req.query}`}`;
    return { status: r.status ?? 301, headers: { location, 'content-type': 'text/plain' }, body: utf8('moved\n') };
  }
  return undefined;
}

function authorized(req: RecordedRequest, auth: { username: string; password: string }): boolean {
  const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return req.headers['authorization'] === expected;
}

/** Run git http-backend for `req`; the CGI reply parsed into status, headers and body. */
function runCgi(
  req: RecordedRequest,
  options: GitHttpServerOptions,
  home: string,
  children: Set<ChildProcess>,
  extraConfig: Readonly<Record<string, string>> | undefined,
): Promise<Reply> {
  const config: Record<string, string> = {
    'uploadpack.allowFilter': String(options.allowFilter ?? true),
    ...options.config,
    ...extraConfig,
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: home,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_PROJECT_ROOT: options.root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: decodeURIComponent(req.path),
    QUERY_STRING: req.query,
    REQUEST_METHOD: req.method,
    REMOTE_ADDR: '127.0.0.1',
    GIT_CONFIG_COUNT: String(Object.keys(config).length),
  };
  Object.entries(config).forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  if (req.headers['content-type'] !== undefined) env['CONTENT_TYPE'] = req.headers['content-type'];
  if (req.method === 'POST') env['CONTENT_LENGTH'] = String(req.body.length);
  if (req.headers['content-encoding'] !== undefined) env['HTTP_CONTENT_ENCODING'] = req.headers['content-encoding'];
  if (req.headers['git-protocol'] !== undefined && !options.v0Only) env['HTTP_GIT_PROTOCOL'] = req.headers['git-protocol'];
  if (options.auth !== undefined) env['REMOTE_USER'] = options.auth.username;
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), options.cgiTimeoutMs ?? 20_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => undefined); // http-backend may exit before reading all of it
    child.on('error', (e) => {
      clearTimeout(timer);
      children.delete(child);
      reject(e);
    });
    child.on('close', () => {
      clearTimeout(timer);
      children.delete(child);
      try {
        resolve(parseCgi(Buffer.concat(out)));
      } catch (e) {
        reject(new Error(`${String(e)}; stderr: ${Buffer.concat(err).toString()}`));
      }
    });
    child.stdin.end(req.body);
  });
}

function parseCgi(out: Buffer): Reply {
  let end = out.indexOf('\r\n\r\n');
  let sep = 4;
  if (end < 0) {
    end = out.indexOf('\n\n');
    sep = 2;
  }
  if (end < 0) throw new Error('http-backend wrote no CGI header block');
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of out.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  return { status, headers, body: out.subarray(end + sep) };
}

// ---- pkt-line helpers for building hostile replies (independent of src/fetch)

export function utf8(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf8'));
}

/** A data pkt-line of `payload` (string: latin1). */
export function pkt(payload: Uint8Array | string): Uint8Array {
  const data = typeof payload === 'string' ? new Uint8Array(Buffer.from(payload, 'latin1')) : payload;
  const out = new Uint8Array(data.length + 4);
  out.set(Buffer.from((data.length + 4).toString(16).padStart(4, '0'), 'latin1'));
  out.set(data, 4);
  return out;
}

export function cat(...parts: (Uint8Array | string)[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))));
}

export interface PktSpan {
  /** Offset of the 4 length bytes. */
  readonly at: number;
  /** Total length (4 for specials). */
  readonly length: number;
  /** 0, 1, 2 for specials, else the length. */
  readonly code: number;
}

/** The pkt-lines of a well-formed body, with their offsets. */
export function pktSpans(body: Uint8Array): PktSpan[] {
  const spans: PktSpan[] = [];
  let at = 0;
  while (at + 4 <= body.length) {
    const code = Number.parseInt(Buffer.from(body.subarray(at, at + 4)).toString('latin1'), 16);
    const length = code < 4 ? 4 : code;
    spans.push({ at, length, code });
    at += length;
  }
  return spans;
}

/** Offset of the first band-1 pkt-line (the pack's first bytes), or -1. */
export function firstPackPkt(body: Uint8Array): PktSpan | undefined {
  return pktSpans(body).find((s) => s.code > 4 && body[s.at + 4] === 1 && Buffer.from(body.subarray(s.at + 5, s.at + 9)).toString('latin1') === 'PACK');
}

// ---- misbehaviours (each a Misbehaviour; `on` limits one to a method)

/** Apply `m` to requests with `method` only; others get the real reply. */
export function on(method: 'GET' | 'POST', m: Misbehaviour): Misbehaviour {
  return (req, real) => (req.method === method ? m(req, real) : real());
}

/** The real reply with its body replaced by `f(body)`. */
export function rewriteBody(f: (body: Uint8Array) => Uint8Array): Misbehaviour {
  return async (_req, real) => {
    const r = await real();
    return { ...r, body: f(r.body) };
  };
}

/** A 200 whose body is one ERR pkt-line (as upload-pack refuses an unknown object). */
export function errPacket(message: string): Misbehaviour {
  return async (req) => ({ status: 200, headers: { 'content-type': resultType(req) }, body: pkt(`ERR ${message}`) });
}

/**
 * The real pack reply cut after its first band-1 packet and ended the way upload-pack ends
 * when it dies mid-pack (observed): a band-2 fatal line, one more data byte, band-3 text with
 * a trailing NUL, no final flush.
 */
export function band3MidPack(): Misbehaviour {
  return rewriteBody((body) => {
    const first = firstPackPkt(body);
    if (first === undefined) throw new Error('no pack in the reply');
    return cat(
      body.subarray(0, first.at + first.length),
      pkt('\x02fatal: unable to read 8933b2a1f0c6e8b1d3a5c7e9f1a3b5c7d9e1f3a5\n'),
      pkt('\x01\xff'),
      pkt('\x03aborting due to possible repository corruption on the remote side.\0'),
    );
  });
}

/** The real reply with the body cut to `n` bytes (negative: without its last -n bytes). */
export function truncate(n: number): Misbehaviour {
  return rewriteBody((body) => body.subarray(0, n < 0 ? body.length + n : n));
}

/** The real reply with one byte flipped `into` bytes into the pack (past its header). */
export function flipPackByte(into = 40): Misbehaviour {
  return rewriteBody((body) => {
    const first = firstPackPkt(body);
    if (first === undefined || first.length < 5 + into + 1) throw new Error('pack packet too short to flip a byte in');
    const copy = new Uint8Array(body);
    copy[first.at + 5 + into]! ^= 0x40;
    return copy;
  });
}

/** The real reply with the first `bytes.length` bytes of its body replaced (a malformed pkt-line header). */
export function replaceHead(bytes: string): Misbehaviour {
  return rewriteBody((body) => cat(bytes, body.subarray(bytes.length)));
}

/** A 200 HTML page, as a login portal or a web UI answers. */
export function htmlPage(status = 200): Misbehaviour {
  return async () => ({
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: utf8('<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form>login</form></body></html>\n'),
  });
}

/** An HTTP status with a short text body. */
export function status(code: number, headers: Record<string, string> = {}): Misbehaviour {
  return async () => ({ status: code, headers: { 'content-type': 'text/plain', ...headers }, body: utf8(`status ${code}\n`) });
}

/** No reply at all (the connection stays open), or the headers and `afterBytes` of the real body. */
export function stall(afterBytes?: number): Misbehaviour {
  return async (_req, real) => (afterBytes === undefined ? 'stall' : { ...(await real()), stallAfter: afterBytes });
}

/** The headers and `afterBytes` of the real body, then a reset connection. */
export function resetAfter(afterBytes: number): Misbehaviour {
  return async (_req, real) => ({ ...(await real()), resetAfter: afterBytes });
}

/** The advertisement with GitHub's `# service=git-upload-pack` + flush prefix. */
export function servicePrefix(): Misbehaviour {
  return rewriteBody((body) => cat(pkt('# service=git-upload-pack\n'), '0000', body));
}

/** The real reply with another content type. */
export function contentType(type: string): Misbehaviour {
  return async (_req, real) => {
    const r = await real();
    return { ...r, headers: { ...r.headers, 'content-type': type } };
  };
}

/** The real reply to the request with other git config (e.g. `uploadpack.allowFilter=false` while the GET advertised it). */
export function withConfig(config: Record<string, string>): Misbehaviour {
  return (_req, real) => real(undefined, config);
}

function resultType(req: RecordedRequest): string {
  return req.method === 'POST' ? 'application/x-git-upload-pack-result' : 'application/x-git-upload-pack-advertisement';
}
