/**
 * Repository URLs as a published package names them (package.json `repository`, npm's forms),
 * normalized to what the fetch layer can use:
 *
 *   https://host/path(.git)  git+https://…       -> https, trailing "/" and "#ref" dropped
 *   github:owner/repo  gitlab:…  bitbucket:…     -> https://github.com/owner/repo.git (…)
 *   owner/repo                                   -> https://github.com/owner/repo.git (as npm)
 *   file:///abs  git+file://…  /abs  ./rel  ../rel  C:\dir -> a local repository
 *   ssh://…  git+ssh://…  git@host:path  git://…  -> refused: give the https URL instead
 *   http://…                                     -> loopback hosts only, unless allowed
 *
 * Parsed by hand (no WHATWG `URL`: this layer is pure), strictly: what is not recognized is
 * refused rather than guessed at.
 */
import { XtestPackError } from '../errors.js';

/** A repository reached over HTTP(S). */
export interface HttpRepository {
  readonly kind: 'http';
  /** `scheme://host[:port]/path`, without user info, query, fragment or trailing `/`. */
  readonly url: string;
  readonly scheme: 'http' | 'https';
  /** Lower-case host name (IPv6 in brackets), without port. */
  readonly host: string;
  /** User name and password given in the URL (percent-decoded); used only after a 401. */
  readonly username: string | undefined;
  readonly password: string | undefined;
}

/** A repository on this machine (opened with the ODB, no protocol). */
export interface LocalRepository {
  readonly kind: 'local';
  readonly path: string;
}

export type RepositoryLocation = HttpRepository | LocalRepository;

export interface NormalizeUrlOptions {
  /** Allow `http://` to any host (default: loopback hosts only; https elsewhere). */
  allowHttp?: boolean;
}

const SHORTCUT_HOSTS: Readonly<Record<string, string>> = {
  github: 'github.com',
  gitlab: 'gitlab.com',
  bitbucket: 'bitbucket.org',
};
const OWNER_REPO = /^([A-Za-z0-9_][A-Za-z0-9_.-]*)\/([A-Za-z0-9_.-]+)$/;

/**
 * Normalize a repository URL or shorthand.
 * @throws UNSUPPORTED_REMOTE (ssh, git://, other schemes, plain http to a remote host: each
 *         message names the https URL to use where there is one), USAGE (not a
 *         URL, a malformed one).
 * @example
 *   normalizeRepositoryUrl('git+https://github.com/o/r.git') // { kind: 'http', url: 'https://github.com/o/r.git', … }
 *   normalizeRepositoryUrl('github:o/r')                    // { kind: 'http', url: 'https://github.com/o/r.git', … }
 */
export function normalizeRepositoryUrl(input: string, options: NormalizeUrlOptions = {}): RepositoryLocation {
  if (/[\0-\x1f\x7f]/.test(input)) throw invalid('a repository URL with control characters');
  const raw = input.trim();
  if (raw === '') throw invalid('an empty repository URL');
  // Local paths first: "C:\x" looks like a scheme, "./a:b" like scp.
  if (raw.startsWith('/') || raw.startsWith('./') || raw.startsWith('../') || raw === '.' || raw === '..' || /^[A-Za-z]:[\\/]/.test(raw) || raw.startsWith('\\\\')) {
    return { kind: 'local', path: raw };
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== undefined && raw.slice(scheme.length + 1).startsWith('//')) {
    const rest = raw.slice(scheme.length + 3);
    switch (scheme) {
      case 'https':
      case 'git+https':
        return httpRepository('https', rest, input, options);
      case 'http':
      case 'git+http':
        return httpRepository('http', rest, input, options);
      case 'file':
      case 'git+file':
        return fileRepository(rest, input);
      case 'ssh':
      case 'git+ssh':
      case 'ssh+git':
      case 'git': {
        const a = splitAuthority(rest, input);
        throw refuse(input, scheme === 'git' ? 'git:// (no TLS, no authentication)' : 'ssh', a.hostname, a.path);
      }
      default:
        throw new XtestPackError('UNSUPPORTED_REMOTE', `${display(input)}: the ${scheme}:// scheme is not supported (use an https URL)`);
    }
  }
  if (scheme !== undefined && SHORTCUT_HOSTS[scheme] !== undefined) {
    const m = OWNER_REPO.exec(raw.slice(scheme.length + 1).replace(/#.*$/, ''));
    if (m === null) throw invalid(`${display(input)}: expected ${scheme}:owner/repo`);
    return shortcut(SHORTCUT_HOSTS[scheme], m[1]!, m[2]!);
  }
  // scp-like "[user@]host:path" (git's url.c: a colon before any slash).
  const scp = /^(?:[^@/:]+@)?(\[[^\]]+\]|[^@/:[\]]+):(.*)$/.exec(raw);
  if (scp !== null) throw refuse(input, 'ssh (scp-like address)', scp[1]!.toLowerCase(), `/${scp[2]!.replace(/^\/+/, '')}`);
  const m = OWNER_REPO.exec(raw.replace(/#.*$/, ''));
  if (m !== null) return shortcut('github.com', m[1]!, m[2]!);
  throw invalid(`${display(input)}: not a repository URL (expected https://…, github:owner/repo, owner/repo or a local path)`);
}

/** True for names of this machine: `localhost`, 127.0.0.0/8, `[::1]`. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function httpRepository(scheme: 'http' | 'https', rest: string, input: string, options: NormalizeUrlOptions): HttpRepository {
  const a = splitAuthority(rest, input);
  if (a.query) throw invalid(`${display(input)}: a repository URL with a query string`);
  if (scheme === 'http' && !options.allowHttp && !isLoopbackHost(a.hostname)) {
    throw new XtestPackError('UNSUPPORTED_REMOTE', `${display(input)}: plain http to a remote host; use https://${a.host}${a.path}`);
  }
  const path = a.path.replace(/\/+$/, '');
  return { kind: 'http', url: `${scheme}://${a.host}${path}`, scheme, host: a.hostname, username: a.username, password: a.password };
}

function fileRepository(rest: string, input: string): LocalRepository {
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  if (host !== '' && host.toLowerCase() !== 'localhost') throw invalid(`${display(input)}: a file:// URL names another host`);
  const path = slash < 0 ? '' : rest.slice(slash).replace(/#.*$/, '');
  if (path === '') throw invalid(`${display(input)}: a file:// URL without a path`);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw invalid(`${display(input)}: malformed percent-encoding`);
  }
  // file:///C:/x is a Windows path.
  return { kind: 'local', path: /^\/[A-Za-z]:\//.test(decoded) ? decoded.slice(1) : decoded };
}

function shortcut(host: string, owner: string, repo: string): HttpRepository {
  const name = repo.endsWith('.git') ? repo : `${repo}.git`;
  return { kind: 'http', url: `https://${host}/${owner}/${name}`, scheme: 'https', host, username: undefined, password: undefined };
}

interface Authority {
  /** host[:port] as it goes into the URL (lower case, default-free). */
  host: string;
  hostname: string;
  path: string;
  query: boolean;
  username: string | undefined;
  password: string | undefined;
}

/** Split `[user[:password]@]host[:port][/path][?query][#fragment]` (after `scheme://`). */
function splitAuthority(rest: string, input: string): Authority {
  const noFragment = rest.replace(/#.*$/, '');
  const end = noFragment.search(/[/?]/);
  const authority = end < 0 ? noFragment : noFragment.slice(0, end);
  const tail = end < 0 ? '' : noFragment.slice(end);
  const q = tail.indexOf('?');
  const path = q < 0 ? tail : tail.slice(0, q);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? undefined : authority.slice(0, at);
  const hostport = authority.slice(at + 1);
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]+)(?::(\d{0,5}))?$/.exec(hostport);
  if (hp === null) throw invalid(`${display(input)}: malformed host`);
  const hostname = hp[1]!.toLowerCase();
  const port = hp[2];
  if (port !== undefined && port !== '' && Number(port) > 65535) throw invalid(`${display(input)}: port out of range`);
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    try {
      username = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
      password = colon < 0 ? undefined : decodeURIComponent(userinfo.slice(colon + 1));
    } catch {
      throw invalid(`${display(input)}: malformed percent-encoding in the user info`);
    }
    if (username === '') username = undefined;
  }
  return { host: port === undefined || port === '' ? hostname : `${hostname}:${port}`, hostname, path, query: q >= 0, username, password };
}

/** A refusal of a transport xtest-pack does not speak, with the https URL to try instead. */
function refuse(input: string, what: string, host: string, path: string): XtestPackError {
  const https = `https://${host}${path.replace(/\/+$/, '')}`;
  return new XtestPackError('UNSUPPORTED_REMOTE', `${display(input)}: ${what} is not supported, xtest-pack fetches over https; try ${https}`);
}

function invalid(reason: string): XtestPackError {
  return new XtestPackError('USAGE', reason);
}

/** The input for a message: user info removed (it may hold a token). */
function display(input: string): string {
  const t = input.trim();
  return JSON.stringify(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(t) ? t.replace(/^([^:]+:\/\/)[^/?#]*@/, '$1') : t.replace(/^[^@/:]+@/, ''));
}
