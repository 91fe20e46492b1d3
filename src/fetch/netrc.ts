/**
 * The netrc file (ftp(1) "The .netrc file"; curl's lib/netrc.c, which git uses through
 * `CURLOPT_NETRC`), read the way curl reads it:
 *
 *   machine git.example.com login alice password "s3cret with spaces"
 *   machine other.example
 *       login bob
 *       password hunter2          # an entry may span lines
 *   default login anonymous password guest
 *
 * - tokens are separated by spaces, tabs and line ends; keywords are `machine <host>`,
 *   `default`, `login <name>`, `password <secret>`, `account <x>`, `macdef <name>`;
 * - a line whose first token starts with `#` is a comment;
 * - `macdef` skips the lines after it up to an empty line (a macro body);
 * - a token in double quotes may hold spaces and the escapes `\"` `\\` `\n` `\r` `\t` (curl 7.84);
 * - the first `machine` matching the host wins; `default` matches any host where it stands.
 * Nothing here ever puts a login or password in an error message.
 */
import { XtestPackError } from '../errors.js';

/** One `machine` (or `default`) entry. */
export interface NetrcEntry {
  /** The host, or `undefined` for `default`. */
  readonly machine: string | undefined;
  readonly login: string | undefined;
  readonly password: string | undefined;
}

/** A login and password for one host. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Parse a netrc file's text into its entries, in order.
 * @throws CONFIG_CORRUPT (with the line, never the secret) for a keyword without its value or
 *         an unterminated quoted token.
 * @example
 *   parseNetrc('machine example.com login me password pw') // [{ machine: 'example.com', login: 'me', password: 'pw' }]
 */
export function parseNetrc(text: string): NetrcEntry[] {
  const entries: { machine: string | undefined; login: string | undefined; password: string | undefined }[] = [];
  const lines = text.split('\n');
  let pending: 'machine' | 'login' | 'password' | 'account' | 'macdef' | undefined;
  let pendingLine = 0;
  let inMacro = false;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '');
    if (inMacro) {
      if (line === '') inMacro = false;
      continue;
    }
    const tokens = tokenize(line, n + 1);
    if (tokens[0] !== undefined && !tokens[0].quoted && tokens[0].text.startsWith('#')) continue;
    for (const { text: tok, quoted } of tokens) {
      if (pending !== undefined) {
        const current = entries[entries.length - 1];
        if (pending === 'machine') entries.push({ machine: tok, login: undefined, password: undefined });
        else if (pending === 'login' && current !== undefined) current.login = tok;
        else if (pending === 'password' && current !== undefined) current.password = tok;
        else if (pending === 'macdef') {
          inMacro = true;
          pending = undefined;
          break;
        }
        pending = undefined;
        continue;
      }
      const keyword = quoted ? '' : tok.toLowerCase();
      if (keyword === 'default') entries.push({ machine: undefined, login: undefined, password: undefined });
      else if (keyword === 'machine' || keyword === 'login' || keyword === 'password' || keyword === 'account' || keyword === 'macdef') {
        pending = keyword;
        pendingLine = n + 1;
      }
      // Anything else is ignored, as curl does.
    }
  }
  if (pending !== undefined && pending !== 'macdef') {
    throw new XtestPackError('CONFIG_CORRUPT', `netrc line ${pendingLine}: "${pending}" without its value`);
  }
  return entries;
}

/**
 * The credentials netrc gives `host` (case-insensitive, no port): the first `machine` entry
 * for it, else a `default` entry before any; with `username`, only an entry with that login.
 * `undefined` when the entry found has no password.
 * @example
 *   findNetrcCredentials(parseNetrc(text), 'git.example.com') // { username: 'alice', password: '…' }
 */
export function findNetrcCredentials(entries: readonly NetrcEntry[], host: string, username?: string): Credentials | undefined {
  const h = host.toLowerCase();
  for (const e of entries) {
    if (e.machine !== undefined && e.machine.toLowerCase() !== h) continue;
    if (username !== undefined && e.login !== undefined && e.login !== username) continue;
    const login = username ?? e.login;
    if (login === undefined || e.password === undefined) return undefined;
    return { username: login, password: e.password };
  }
  return undefined;
}

/** The tokens of one line; a quoted one (`"#x"`, `"machine"`) is never a comment or a keyword. */
function tokenize(line: string, lineNumber: number): { text: string; quoted: boolean }[] {
  const tokens: { text: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c !== '"') {
      let j = i;
      while (j < line.length && line[j] !== ' ' && line[j] !== '\t') j++;
      tokens.push({ text: line.slice(i, j), quoted: false });
      i = j;
      continue;
    }
    let value = '';
    let j = i + 1;
    for (;;) {
      if (j >= line.length) throw new XtestPackError('CONFIG_CORRUPT', `netrc line ${lineNumber}: unterminated quoted token`);
      const d = line[j]!;
      if (d === '"') break;
      if (d === '\\' && j + 1 < line.length) {
        const e = line[j + 1]!;
        value += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e;
        j += 2;
        continue;
      }
      value += d;
      j++;
    }
    tokens.push({ text: value, quoted: true });
    i = j + 1;
  }
  return tokens;
}
