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
  /** An idx without its pack, or no pack where one is needed. */
  | 'PACK_MISSING'
  /** A pack without its idx. */
  | 'IDX_MISSING'
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
  /**
   * An object on the way to what is written that `git fsck --strict` reports (entries out of
   * order or twice, a mode git does not write, a malformed commit or tag header): the message
   * starts with git's fsck message id (`treeNotSorted: ...`).
   */
  | 'OBJECT_INVALID'
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
  /** SHA-1 collision detection (sha1dc) found the signature of a collision attack. */
  | 'SHA1_COLLISION'
  | 'PROTOCOL_CORRUPT'
  | 'REMOTE_ERROR'
  | 'AUTH_FAILED'
  | 'NETWORK'
  | 'UNSUPPORTED_REMOTE'
  /** A worker thread crashed, ran out of memory or stopped making progress (index-pack --threads). */
  | 'THREAD_FAILED'
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
    return this.at({ file });
  }

  /**
   * The same error with the places it had none of filled in from `place` (the file, offset,
   * object or path a caller knows and the layer that threw did not).
   * @example
   *   catch (e) { throw isXtestPackError(e) ? e.at({ file, offset }) : e; }
   */
  at(place: Omit<ErrorFields, 'cause'>): XtestPackError {
    const fields: ErrorFields = {
      file: this.file ?? place.file,
      offset: this.offset ?? place.offset,
      oid: this.oid ?? place.oid,
      path: this.path ?? place.path,
      cause: this.cause,
    };
    if (fields.file === this.file && fields.offset === this.offset && fields.oid === this.oid && fields.path === this.path) return this;
    return new XtestPackError(this.code, this.reason, fields);
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

/** What an operating-system error code means, in words (the usual ones; others by their code). */
const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

/**
 * An ordinary operating-system error (EACCES, ENOSPC, EROFS, ENOENT, ...) as an IO error naming
 * the path (or what `fields` name), in one line; undefined for anything else (a bug, which keeps
 * its stack).
 * @example
 *   catch (e) { throw systemError(e) ?? e; }
 */
export function systemError(e: unknown, fields: Omit<ErrorFields, 'cause'> = {}): XtestPackError | undefined {
  if (e instanceof XtestPackError || !(e instanceof Error)) return undefined;
  // The shape of Node's system errors (NodeJS.ErrnoException), spelled out: this module is pure.
  const err = e as Error & { code?: unknown; syscall?: string; path?: string };
  if (typeof err.code !== 'string' || !/^E[A-Z]+$/.test(err.code) || err.syscall === undefined) return undefined;
  const what = SYSTEM_ERRORS[err.code] ?? err.code;
  const op = err.syscall.replace(/^uv_/, '').replace(/^fs\./, '');
  return new XtestPackError('IO', `cannot ${op}: ${what} (${err.code})`, { file: err.path, ...fields, cause: e });
}

/**
 * An error of reading or writing as an IO error naming the place: `systemError`'s one line for
 * an OS error, else "cannot <verb>: <message>".
 * @example
 *   catch (e) { throw ioError(e, { file: path }, 'read'); }
 */
export function ioError(e: unknown, fields: Omit<ErrorFields, 'cause'>, verb: string): XtestPackError {
  if (e instanceof XtestPackError) return e;
  return systemError(e, fields) ?? new XtestPackError('IO', `cannot ${verb}: ${e instanceof Error ? e.message : String(e)}`, { ...fields, cause: e });
}

/** An error as it crosses from a worker to the main thread. */
export type ErrorPayload =
  | { kind: 'xtest'; code: ErrorCode; reason: string; file?: string; offset?: number; oid?: string; path?: string }
  | { kind: 'other'; name: string; message: string; stack: string | undefined };

/** `e` as it crosses to the main thread. */
export function errorPayload(e: unknown): ErrorPayload {
  if (e instanceof XtestPackError) {
    const p: ErrorPayload = { kind: 'xtest', code: e.code, reason: e.reason };
    if (e.file !== undefined) p.file = e.file;
    if (e.offset !== undefined) p.offset = e.offset;
    if (e.oid !== undefined) p.oid = e.oid;
    if (e.path !== undefined) p.path = e.path;
    return p;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { kind: 'other', name: err.name, message: err.message, stack: err.stack };
}

/**
 * The error a payload stands for, rebuilt on the main thread (the same one line and fields);
 * any other error's message after `where`.
 */
export function errorFromPayload(p: ErrorPayload, where = 'in a worker thread'): Error {
  if (p.kind === 'xtest') return new XtestPackError(p.code, p.reason, { file: p.file, offset: p.offset, oid: p.oid, path: p.path });
  const e = new Error(`${where}: ${p.message}`);
  e.name = p.name;
  if (p.stack) e.stack = `${e.name}: ${e.message}\n${p.stack.split('\n').slice(1).join('\n')}`;
  return e;
}
