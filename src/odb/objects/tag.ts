/**
 * Annotated tag objects (git's tag.c `parse_tag_buffer`, fsck.c `fsck_tag_standalone`).
 *
 *   object <hex> LF
 *   type <commit|tree|blob|tag> LF
 *   tag <name> LF
 *   [tagger <ident> LF]      absent in some very old tags
 *   LF
 *   <message, possibly followed by a signature>
 */
import { XtestPackError } from '../../errors.js';
import type { ObjectFormat, ObjectType } from '../../pack/oid.js';
import { checkHeaders, checkIdent, HeaderCursor, headerProblemWords, parseOid, type HeaderProblem, type IdentProblem } from './commit.js';
import { latin1, parseHeaders, serializeHeaders, type HeaderBlock } from './headers.js';

export interface Tag extends HeaderBlock {
  readonly object: Uint8Array;
  readonly type: ObjectType;
  /** The tag's name, or undefined when the line is missing. */
  readonly name: Uint8Array | undefined;
  readonly tagger: Uint8Array | undefined;
}

const TYPES: readonly string[] = ['commit', 'tree', 'blob', 'tag'];

/**
 * Parse a tag: `object` and `type` must come first, as git's reader requires.
 * @throws OBJECT_CORRUPT
 * @example
 *   const t = parseTag(data, 'sha1'); t.type === 'commit'
 */
export function parseTag(data: Uint8Array, format: ObjectFormat, oidHex?: string): Tag {
  const block = parseHeaders(data);
  const fail = (what: string): never => {
    throw new XtestPackError('OBJECT_CORRUPT', `tag: ${what}`, { oid: oidHex });
  };
  const [h0, h1] = block.headers;
  if (h0?.key !== 'object' || h0.value === undefined) fail('does not start with an object line');
  const object = parseOid(h0!.value!, format) ?? fail('bad object id');
  if (h1?.key !== 'type' || h1.value === undefined) fail('has no type line after the object line');
  const type = latin1(h1!.value!);
  if (!TYPES.includes(type)) fail(`unknown type ${JSON.stringify(type)}`);
  const find = (key: string) => block.headers.find((h) => h.key === key)?.value;
  return { ...block, object: object!, type: type as ObjectType, name: find('tag'), tagger: find('tagger') };
}

/** The bytes of a tag. */
export function serializeTag(t: HeaderBlock): Uint8Array {
  return serializeHeaders(t);
}

export type TagProblem =
  | HeaderProblem
  | 'missingObject'
  | 'badObjectSha1'
  | 'missingTypeEntry'
  | 'missingType'
  | 'badType'
  | 'missingTagEntry'
  | 'missingTag'
  | 'missingTaggerEntry'
  | IdentProblem;

/**
 * What `git fsck --strict` would report of a tag's headers (fsck.c `fsck_tag_standalone`): the
 * first problem, or none. `missingTaggerEntry` git only reports as a warning (the earliest tags
 * have no tagger); `badTagName` (a warning too) and `extraHeaderEntry` (ignored by fsck, an
 * error for `git mktag`) are not checked.
 * @example
 *   checkTag(data, 'sha1') // []
 */
export function checkTag(data: Uint8Array, format: ObjectFormat): TagProblem[] {
  const header = checkHeaders(data);
  if (header) return [header];
  const c = new HeaderCursor(data);
  if (!c.skip('object ')) return ['missingObject'];
  if (!c.oidLine(format)) return ['badObjectSha1'];
  if (!c.skip('type ')) return ['missingTypeEntry'];
  if (data.indexOf(0x0a, c.pos) < 0) return ['missingType'];
  if (!TYPES.includes(latin1(c.line()))) return ['badType'];
  if (!c.skip('tag ')) return ['missingTagEntry'];
  if (data.indexOf(0x0a, c.pos) < 0) return ['missingTag'];
  c.line();
  if (!c.skip('tagger ')) return ['missingTaggerEntry'];
  return checkIdent(c.line());
}

/** Reported by git as warnings, even under --strict; accepted. */
const TAG_WARNINGS: readonly TagProblem[] = ['missingTaggerEntry'];

const TAG_WHAT: Readonly<Record<string, string>> = {
  missingObject: "no 'object' line first",
  badObjectSha1: "the 'object' line's id is malformed",
  missingTypeEntry: "no 'type' line after the object",
  missingType: "no end to the 'type' line",
  badType: "an unknown type in the 'type' line",
  missingTagEntry: "no 'tag' line after the type",
  missingTag: "no end to the 'tag' line",
};

/**
 * Refuse an annotated tag that `git fsck --strict` reports as an error, naming git's fsck
 * message id.
 * @throws OBJECT_INVALID
 * @example
 *   verifyTag(raw.data, 'sha1', hex);
 */
export function verifyTag(data: Uint8Array, format: ObjectFormat, oidHex: string): void {
  const [first] = checkTag(data, format);
  if (first !== undefined && !TAG_WARNINGS.includes(first)) {
    throw new XtestPackError('OBJECT_INVALID', `${first}: tag has ${TAG_WHAT[first] ?? headerProblemWords(first)}`, { oid: oidHex });
  }
}
