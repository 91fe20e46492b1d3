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

/** An id in hex of exactly the format's length. */
export function parseOid(hex: Uint8Array, format: ObjectFormat): Uint8Array | undefined {
  if (hex.length !== hashLength(format) * 2) return undefined;
  for (const c of hex) if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return undefined;
  return fromHex(latin1(hex));
}

/** fsck message ids for commits. */
export type CommitProblem =
  | 'missingTree'
  | 'badTreeSha1'
  | 'badParentSha1'
  | 'missingAuthor'
  | 'missingCommitter'
  | 'multipleAuthors'
  | IdentProblem;

/**
 * What `git fsck` would report of a commit's headers.
 * @example
 *   checkCommit(data, 'sha1') // [] for a commit git writes
 */
export function checkCommit(data: Uint8Array, format: ObjectFormat): CommitProblem[] {
  const { headers } = parseHeaders(data);
  const out: CommitProblem[] = [];
  let i = 0;
  if (headers[0]?.key !== 'tree') return ['missingTree'];
  if (!parseOid(headers[0].value ?? new Uint8Array(0), format)) out.push('badTreeSha1');
  for (i = 1; headers[i]?.key === 'parent'; i++) {
    if (!parseOid(headers[i]!.value ?? new Uint8Array(0), format)) out.push('badParentSha1');
  }
  if (out.length > 0) return out;
  if (headers[i]?.key !== 'author') return ['missingAuthor'];
  const author = checkIdent(headers[i]!.value);
  if (author.length > 0) return author;
  i++;
  if (headers[i]?.key === 'author') return ['multipleAuthors'];
  if (headers[i]?.key !== 'committer') return ['missingCommitter'];
  return checkIdent(headers[i]!.value);
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
  | 'badTimezone';

/**
 * fsck's check of `Name <email> <seconds> <+hhmm>` (fsck.c `fsck_ident`): the first problem, or
 * none.
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
  while (isDigit(s[p])) p++;
  if (s[p] !== ' ') return ['badDate'];
  p++;
  const tz = s.slice(p);
  if (!/^[+-][0-9]{4}$/.test(tz)) return ['badTimezone'];
  return [];
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}
