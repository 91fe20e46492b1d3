/**
 * Commit objects (git's commit.c `parse_commit_buffer`, fsck.c `fsck_commit`).
 *
 *   tree <hex> LF
 *   parent <hex> LF          zero or more
 *   author <ident> LF
 *   committer <ident> LF
 *   [encoding <name> LF] [other headers: gpgsig, mergetag, ...]
 *   LF
 *   <message>
 */
import { XtestPackError } from '../../errors.js';
import { fromHex, hashLength, type ObjectFormat } from '../../pack/oid.js';
import { latin1, parseHeaders, serializeHeaders, type HeaderBlock } from './headers.js';

export interface Commit extends HeaderBlock {
  readonly tree: Uint8Array;
  readonly parents: readonly Uint8Array[];
  /** The raw author and committer idents (`Name <email> 1700000000 +0000`). */
  readonly author: Uint8Array | undefined;
  readonly committer: Uint8Array | undefined;
  /** The `encoding` header, when present. */
  readonly encoding: string | undefined;
}

/**
 * Parse a commit. Lenient as git's reader: a tree line must come first and parents next;
 * everything else is kept as it is.
 * @throws OBJECT_CORRUPT when the first line is not `tree <hex>` or a parent id is bad.
 * @example
 *   const c = parseCommit(data, 'sha1'); toHex(c.tree)
 */
export function parseCommit(data: Uint8Array, format: ObjectFormat, oidHex?: string): Commit {
  const block = parseHeaders(data);
  const fail = (what: string): never => {
    throw new XtestPackError('OBJECT_CORRUPT', `commit: ${what}`, { oid: oidHex });
  };
  const first = block.headers[0];
  if (first?.key !== 'tree' || first.value === undefined) fail('does not start with a tree line');
  const tree = parseOid(first!.value!, format) ?? fail('bad tree id');
  const parents: Uint8Array[] = [];
  let i = 1;
  for (; i < block.headers.length && block.headers[i]!.key === 'parent'; i++) {
    const v = block.headers[i]!.value;
    parents.push((v && parseOid(v, format)) ?? fail(`bad parent id in parent line ${i}`));
  }
  const find = (key: string) => block.headers.find((h) => h.key === key)?.value;
  const enc = find('encoding');
  return {
    ...block,
    tree: tree!,
    parents,
    author: find('author'),
    committer: find('committer'),
    encoding: enc === undefined ? undefined : latin1(enc),
  };
}

/**
 * The bytes of a commit (its headers and message as parsed or built).
 * @example
 *   serializeCommit(parseCommit(data, 'sha1')) // === data
 */
export function serializeCommit(c: HeaderBlock): Uint8Array {
  return serializeHeaders(c);
}

/** An id in hex of exactly the format's length (either case, as git's `get_oid_hex` reads it). */
export function parseOid(hex: Uint8Array, format: ObjectFormat): Uint8Array | undefined {
  if (hex.length !== hashLength(format) * 2) return undefined;
  for (const c of hex) if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46))) return undefined;
  return fromHex(latin1(hex));
}

/** fsck message ids for commits (fsck.c `fsck_commit`, `verify_headers`, `fsck_ident`). */
export type CommitProblem =
  | HeaderProblem
  | 'missingTree'
  | 'badTreeSha1'
  | 'badParentSha1'
  | 'missingAuthor'
  | 'missingCommitter'
  | 'multipleAuthors'
  | 'nulInCommit'
  | IdentProblem;

/** What fsck.c `verify_headers` refuses before it reads a commit's or tag's headers. */
export type HeaderProblem = 'nulInHeader' | 'unterminatedHeader';

const LF = 0x0a;

/**
 * git's `verify_headers`: the headers end with a blank line, or at least the last one with a
 * LF, and hold no NUL.
 */
export function checkHeaders(data: Uint8Array): HeaderProblem | undefined {
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) return 'nulInHeader';
    if (data[i] === LF && data[i + 1] === LF) return undefined;
  }
  return data.length > 0 && data[data.length - 1] === LF ? undefined : 'unterminatedHeader';
}

/**
 * Lines of an object's header area, read as fsck.c does (no continuation lines joined): `skip`
 * takes a prefix at the cursor, `line` the rest of the line, up to its LF (which checkHeaders
 * has made sure is there).
 */
export class HeaderCursor {
  pos = 0;
  constructor(readonly data: Uint8Array) {}
  skip(prefix: string): boolean {
    const d = this.data;
    if (this.pos >= d.length || d.length - this.pos < prefix.length) return false;
    for (let i = 0; i < prefix.length; i++) if (d[this.pos + i] !== prefix.charCodeAt(i)) return false;
    this.pos += prefix.length;
    return true;
  }
  line(): Uint8Array {
    let eol = this.data.indexOf(LF, this.pos);
    if (eol < 0) eol = this.data.length;
    const l = this.data.subarray(this.pos, eol);
    this.pos = eol + 1;
    return l;
  }
  /** git's `parse_oid_hex` then LF: an id in hex (either case), the whole rest of the line. */
  oidLine(format: ObjectFormat): boolean {
    return parseOid(this.line(), format) !== undefined;
  }
}

/**
 * What `git fsck --strict` would report of a commit: the first problem, as git stops there, or
 * none.
 * @example
 *   checkCommit(data, 'sha1') // [] for a commit git writes
 */
export function checkCommit(data: Uint8Array, format: ObjectFormat): CommitProblem[] {
  const header = checkHeaders(data);
  if (header) return [header];
  const c = new HeaderCursor(data);
  if (!c.skip('tree ')) return ['missingTree'];
  if (!c.oidLine(format)) return ['badTreeSha1'];
  while (c.skip('parent ')) if (!c.oidLine(format)) return ['badParentSha1'];
  let authors = 0;
  while (c.skip('author ')) {
    authors++;
    const ident = checkIdent(c.line());
    if (ident.length > 0) return ident;
  }
  if (authors === 0) return ['missingAuthor'];
  if (authors > 1) return ['multipleAuthors'];
  if (!c.skip('committer ')) return ['missingCommitter'];
  const ident = checkIdent(c.line());
  if (ident.length > 0) return ident;
  if (data.includes(0)) return ['nulInCommit'];
  return [];
}

const COMMIT_WHAT: Readonly<Record<string, string>> = {
  nulInHeader: 'a NUL byte in the headers',
  unterminatedHeader: 'the headers do not end with a LF',
  missingTree: "no 'tree' line first",
  badTreeSha1: "the 'tree' line's id is malformed",
  badParentSha1: "a 'parent' line's id is malformed",
  missingAuthor: "no 'author' line",
  multipleAuthors: "more than one 'author' line",
  missingCommitter: "no 'committer' line after the author",
  nulInCommit: 'a NUL byte in the message',
  missingNameBeforeEmail: 'an ident without a name before the email',
  missingEmail: 'an ident without an email',
  badName: "an ident whose name holds '>'",
  missingSpaceBeforeEmail: 'an ident without a space before the email',
  badEmail: 'an ident with a malformed email',
  missingSpaceBeforeDate: 'an ident without a space before the date',
  badDate: 'an ident with a malformed date',
  zeroPaddedDate: 'an ident with a zero-padded date',
  badDateOverflow: 'an ident whose date overflows',
  badTimezone: 'an ident with a malformed time zone',
};

/** The words for a commit's or tag's fsck message id. */
export function headerProblemWords(id: string): string {
  return COMMIT_WHAT[id] ?? id;
}

/**
 * Refuse a commit that `git fsck --strict` reports, naming git's fsck message id.
 * @param path  the path it was reached by, if any
 * @throws OBJECT_INVALID
 * @example
 *   verifyCommit(raw.data, 'sha1', hex);
 */
export function verifyCommit(data: Uint8Array, format: ObjectFormat, oidHex: string, path?: string): void {
  const [first] = checkCommit(data, format);
  if (first !== undefined) throw new XtestPackError('OBJECT_INVALID', `${first}: commit has ${headerProblemWords(first)}`, { oid: oidHex, path });
}

export type IdentProblem =
  | 'missingNameBeforeEmail'
  | 'missingEmail'
  | 'badName'
  | 'missingSpaceBeforeEmail'
  | 'badEmail'
  | 'missingSpaceBeforeDate'
  | 'badDate'
  | 'zeroPaddedDate'
  | 'badDateOverflow'
  | 'badTimezone';

/**
 * fsck's check of `Name <email> <seconds> <+hhmm>` (fsck.c `fsck_ident`), the ident without its
 * LF: the first problem, or none.
 * @example
 *   checkIdent(bytes('A <a@b> 1700000000 +0000')) // []
 */
export function checkIdent(ident: Uint8Array | undefined): IdentProblem[] {
  const s = ident === undefined ? '' : latin1(ident);
  let p = 0;
  if (s[0] === '<') return ['missingNameBeforeEmail'];
  for (;;) {
    if (p >= s.length || s[p] === '\n') return ['missingEmail'];
    if (s[p] === '>') return ['badName'];
    if (s[p] === '<') break;
    p++;
  }
  if (s[p - 1] !== ' ') return ['missingSpaceBeforeEmail'];
  p++;
  for (;;) {
    if (p >= s.length || s[p] === '<' || s[p] === '\n') return ['badEmail'];
    if (s[p] === '>') break;
    p++;
  }
  p++;
  if (s[p] !== ' ') return ['missingSpaceBeforeDate'];
  p++;
  // git has always allowed extra blanks before the date.
  while (s[p] === ' ' || s[p] === '\t') p++;
  if (!isDigit(s[p])) return ['badDate'];
  if (s[p] === '0' && s[p + 1] !== ' ') return ['zeroPaddedDate'];
  const from = p;
  while (isDigit(s[p])) p++;
  // git reads the date as an unsigned 64-bit number, then needs it to fit a signed time_t.
  if (p - from >= 19 && BigInt(s.slice(from, p)) >= 2n ** 63n) return ['badDateOverflow'];
  if (s[p] !== ' ') return ['badDate'];
  p++;
  const tz = s.slice(p);
  if (!/^[+-][0-9]{4}$/.test(tz)) return ['badTimezone'];
  return [];
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}
