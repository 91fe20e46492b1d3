/**
 * The one error type of xtest-pack. `code` is API (tests and callers branch on it);
 * the message wording is not. Codes say whose the problem is: the caller's (`USAGE`: the
 * command line exits 2), the environment's or a setting's (`ENVIRONMENT`, `PACKAGE_INVALID`),
 * or the data's (`*_CORRUPT`, `*_MISMATCH`, `OBJECT_MISSING`, ...); everything but `USAGE`
 * exits 1.
 */
export type ErrorCode =
  /** A wrong argument or option: of a command, or of a library call. */
  | 'USAGE'
  /** An environment variable or the machine's setup is wrong (not the data, not the call). */
  | 'ENVIRONMENT'
  /** package.json is missing, not JSON, or its "xtestPack" settings are malformed. */
  | 'PACKAGE_INVALID'
  /** An xtest-pack.json that is not a manifest this version reads. */
  | 'MANIFEST_CORRUPT'
  /** sha1 where sha256 is expected, or the reverse. */
  | 'FORMAT_MISMATCH'
  /** Where data would be written, something else already is. */
  | 'OUTPUT_CONFLICT'
  /** A pack directory or artifact holds no pack (or a pack has no idx). */
  | 'PACK_MISSING'
  /** The test data given are of another commit than the package names. */
  | 'TESTDATA_MISMATCH'
  | 'PACK_CORRUPT'
  | 'PACK_UNSUPPORTED'
  | 'DELTA_CORRUPT'
  | 'IDX_CORRUPT'
  | 'IDX_MISMATCH'
  | 'INDEX_CORRUPT'
  | 'INDEX_UNSUPPORTED'
  | 'CHECKSUM_MISMATCH'
  | 'OBJECT_MISSING'
  | 'OBJECT_CORRUPT'
  | 'AMBIGUOUS_OID'
  | 'NOT_A_REPOSITORY'
  | 'UNSUPPORTED_REPOSITORY'
  | 'CONFIG_CORRUPT'
  | 'REF_CORRUPT'
  | 'UNKNOWN_REVISION'
  | 'PATHSPEC_UNMATCHED'
  | 'DIRTY_WORKTREE'
  | 'UNSAFE_PATH'
  | 'CHECKOUT_CONFLICT'
  | 'OID_MISMATCH'
  | 'TOO_LARGE'
  | 'ARCHIVE_CORRUPT'
  | 'TESTDATA_UNAVAILABLE'
  | 'PATH_NOT_LISTED'
  | 'IO';

export interface ErrorFields {
  file?: string | undefined;
  offset?: number | undefined;
  oid?: string | undefined;
  path?: string | undefined;
  cause?: unknown;
}

/**
 * An error with a machine-readable `code` and the place it concerns.
 * The message is one line and starts with the place: `pack-3f2a.pack offset 48213: ...`.
 * @example
 *   throw new XtestPackError('PACK_CORRUPT', 'bad object header', { file, offset });
 */
export class XtestPackError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly offset: number | undefined;
  readonly oid: string | undefined;
  readonly path: string | undefined;
  /** The bare reason, without the place prefix. */
  readonly reason: string;

  constructor(code: ErrorCode, reason: string, fields: ErrorFields = {}) {
    super(formatMessage(reason, fields), fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'XtestPackError';
    this.code = code;
    this.reason = reason;
    this.file = fields.file;
    this.offset = fields.offset;
    this.oid = fields.oid;
    this.path = fields.path;
  }

  /** The same error with a file name filled in where it had none (layers below do not know file names). */
  withFile(file: string): XtestPackError {
    if (this.file !== undefined) return this;
    return new XtestPackError(this.code, this.reason, {
      file,
      offset: this.offset,
      oid: this.oid,
      path: this.path,
      cause: this.cause,
    });
  }
}

function formatMessage(reason: string, f: ErrorFields): string {
  const where: string[] = [];
  if (f.file !== undefined) where.push(f.file);
  if (f.offset !== undefined) where.push(`offset ${f.offset}`);
  if (f.oid !== undefined) where.push(`object ${f.oid}`);
  if (f.path !== undefined) where.push(`path ${JSON.stringify(f.path)}`);
  const oneLine = reason.replace(/\s*\n\s*/g, ' ');
  return where.length > 0 ? `${where.join(' ')}: ${oneLine}` : oneLine;
}

/** True when `e` is an XtestPackError (optionally of the given code). */
export function isXtestPackError(e: unknown, code?: ErrorCode): e is XtestPackError {
  return e instanceof XtestPackError && (code === undefined || e.code === code);
}
