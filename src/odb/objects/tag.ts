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
import { checkIdent, parseOid, type IdentProblem } from './commit.js';
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

export type TagProblem = 'missingObject' | 'badObjectSha1' | 'missingTypeEntry' | 'badType' | 'missingTagEntry' | 'missingTaggerEntry' | IdentProblem;

/**
 * What `git fsck` would report of a tag's headers.
 * @example
 *   checkTag(data, 'sha1') // []
 */
export function checkTag(data: Uint8Array, format: ObjectFormat): TagProblem[] {
  const { headers } = parseHeaders(data);
  if (headers[0]?.key !== 'object') return ['missingObject'];
  if (!parseOid(headers[0].value ?? new Uint8Array(0), format)) return ['badObjectSha1'];
  if (headers[1]?.key !== 'type') return ['missingTypeEntry'];
  if (!TYPES.includes(latin1(headers[1].value ?? new Uint8Array(0)))) return ['badType'];
  if (headers[2]?.key !== 'tag') return ['missingTagEntry'];
  if (headers[3]?.key !== 'tagger') return ['missingTaggerEntry'];
  return checkIdent(headers[3].value);
}
