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
  if (headers[i]?.key !== 'author') out.push('missingAuthor');
  else {
    out.push(...checkIdent(headers[i]!.value));
    i++;
    if (headers[i]?.key === 'author') out.push('multipleAuthors');
    while (headers[i]?.key === 'author') i++;
  }
  if (headers[i]?.key !== 'committer') out.push('missingCommitter');
  else out.push(...checkIdent(headers[i]!.value));
  return [...new Set(out)];
}

export type IdentProblem =
  | 'missingEmail'
  | 'badName'
  | 'badEmail'
  | 'missingSpaceBeforeDate'
  | 'badDate'
  | 'zeroPaddedDate'
  | 'badTimezone';

/**
 * fsck's checks of `Name <email> <seconds> <+hhmm>` (fsck.c `fsck_ident`).
 * @example
 *   checkIdent(bytes('A <a@b> 1700000000 +0000')) // []
 */
export function checkIdent(ident: Uint8Array | undefined): IdentProblem[] {
  const s = ident === undefined ? '' : latin1(ident);
  const lt = s.indexOf('<');
  if (lt < 0) return ['missingEmail'];
  if (lt === 0 || s[lt - 1] !== ' ') return ['badName'];
  if (s.slice(0, lt).includes('>')) return ['badName'];
  const gt = s.indexOf('>', lt + 1);
  if (gt < 0 || s.slice(lt + 1, gt).includes('<')) return ['badEmail'];
  let rest = s.slice(gt + 1);
  if (rest[0] !== ' ') return ['missingSpaceBeforeDate'];
  rest = rest.slice(1);
  const m = /^(\d+)/.exec(rest);
  if (!m) return ['badDate'];
  if (m[1]!.length > 1 && m[1]!.startsWith('0')) return ['zeroPaddedDate'];
  if (!/^ [+-]\d{4}$/.test(rest.slice(m[1]!.length))) return ['badTimezone'];
  return [];
}
