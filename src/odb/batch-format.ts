/**
 * The output format of cat-file --batch and --batch-check (git-cat-file(1), "BATCH OUTPUT";
 * git's builtin/cat-file.c `expand_atom` and strbuf.c `strbuf_expand`, v2.39): the format is
 * copied literally, `%%` as `%`, a `%` not followed by `(` kept as it is, and the atoms
 * `%(objectname)`, `%(objecttype)`, `%(objectsize)`, `%(objectsize:disk)`, `%(deltabase)` and
 * `%(rest)` expanded; then a newline. An unknown atom or one without its `)` stops the command
 * before anything is read, as git's first pass over the format does.
 */
import { XtestPackError } from '../errors.js';

export const DEFAULT_BATCH_FORMAT = '%(objectname) %(objecttype) %(objectsize)';

export type BatchAtom = 'objectname' | 'objecttype' | 'objectsize' | 'objectsize:disk' | 'deltabase' | 'rest';

const ATOMS: readonly BatchAtom[] = ['objectname', 'objecttype', 'objectsize', 'objectsize:disk', 'deltabase', 'rest'];

/** A parsed format: literal bytes and atoms in order, and what the atoms need to know. */
export interface BatchFormat {
  readonly parts: readonly (Uint8Array | BatchAtom)[];
  readonly type: boolean;
  readonly size: boolean;
  readonly disk: boolean;
  readonly deltaBase: boolean;
  /** `%(rest)`: input lines are split at their first whitespace. */
  readonly rest: boolean;
  /** Only `%(objectname)` and `%(rest)`: nothing of the object is read (in --batch-all-objects). */
  readonly nameOnly: boolean;
}

/**
 * Parse a --batch/--batch-check format (`undefined` for git's default).
 * @throws USAGE for an unknown atom or one that does not end in `)`, with git's message.
 * @example
 *   parseBatchFormat('%(objectname) %(objectsize:disk)').disk // true
 */
export function parseBatchFormat(format: string | undefined): BatchFormat {
  const f = format ?? DEFAULT_BATCH_FORMAT;
  const enc = new TextEncoder();
  const parts: (Uint8Array | BatchAtom)[] = [];
  let literal = '';
  let i = 0;
  for (;;) {
    const pct = f.indexOf('%', i);
    literal += f.slice(i, pct < 0 ? f.length : pct);
    if (pct < 0) break;
    i = pct + 1;
    if (f[i] === '%') {
      literal += '%';
      i++;
      continue;
    }
    if (f[i] !== '(') {
      literal += '%';
      continue;
    }
    const close = f.indexOf(')', i + 1);
    if (close < 0) throw new XtestPackError('USAGE', `format element '${f.slice(i)}' does not end in ')'`);
    const name = f.slice(i + 1, close);
    const atom = ATOMS.find((a) => a === name);
    if (atom === undefined) throw new XtestPackError('USAGE', `unknown format element: ${name}`);
    if (literal !== '') parts.push(enc.encode(literal));
    literal = '';
    parts.push(atom);
    i = close + 1;
  }
  parts.push(enc.encode(`${literal}\n`));
  const has = (a: BatchAtom): boolean => parts.includes(a);
  return {
    parts,
    type: has('objecttype'),
    size: has('objectsize'),
    disk: has('objectsize:disk'),
    deltaBase: has('deltabase'),
    rest: has('rest'),
    nameOnly: !has('objecttype') && !has('objectsize') && !has('objectsize:disk') && !has('deltabase'),
  };
}
