/**
 * The one error type of xtest-pack. `code` is API (tests and callers branch on it);
 * the message wording is not.
 */
export type ErrorCode =
  | 'PACK_CORRUPT'
  | 'PACK_UNSUPPORTED'
  | 'DELTA_CORRUPT'
  | 'IDX_CORRUPT'
  | 'IDX_MISMATCH'
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
  | 'INVALID_ARGUMENT'
  | 'ARCHIVE_CORRUPT'
  | 'TESTDATA_UNAVAILABLE'
  | 'PATH_NOT_LISTED'
  | 'PROTOCOL_CORRUPT'
  | 'REMOTE_ERROR'
  | 'AUTH_FAILED'
  | 'NETWORK'
  | 'UNSUPPORTED_REMOTE'
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
