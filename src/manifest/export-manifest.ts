/**
 * The export manifest: `xtest-pack.json` in a pack directory, written by `xtest-pack export`
 * (and `fetch`, `pack --out`), naming the commit the pack serves and every file it holds. Keys
 * in a fixed order, pathspecs and files sorted by path, a trailing newline: the same export
 * gives the same bytes.
 *
 *   {
 *     "formatVersion": 1,
 *     "objectFormat": "sha1",
 *     "commit": "<id>", "tree": "<id>",
 *     "repository": "https://…",                     (when known)
 *     "pathspecs": ["fixtures"],
 *     "files": [{ "path": "fixtures/a.json", "mode": "100644", "oid": "<id>" }, …]
 *   }
 *
 * A package's manifest (package-manifest.ts) shares the file name and says `"kind": "package"`.
 */
import { XtestPackError } from '../errors.js';
import { hashLength, type ObjectFormat } from '../pack/oid.js';
import { comparePathBytes } from './paths.js';

export const EXPORT_MANIFEST_VERSION = 1;

export interface ExportManifestFile {
  readonly path: string;
  /** Octal mode as git writes it: 100644, 100755, 120000 (160000 for a submodule). */
  readonly mode: string;
  readonly oid: string;
}

export interface ExportManifest {
  readonly formatVersion: number;
  readonly objectFormat: ObjectFormat;
  readonly commit: string;
  readonly tree: string;
  readonly repository: string | undefined;
  readonly pathspecs: readonly string[];
  readonly files: readonly ExportManifestFile[];
}

/**
 * The manifest in its canonical form: pathspecs and files sorted by path (UTF-8 byte order),
 * each once (the last given wins for a file).
 */
export function normalizeExportManifest(m: ExportManifest): ExportManifest {
  const files = new Map<string, ExportManifestFile>();
  for (const f of m.files) files.set(f.path, { path: f.path, mode: f.mode, oid: f.oid });
  return {
    formatVersion: m.formatVersion,
    objectFormat: m.objectFormat,
    commit: m.commit,
    tree: m.tree,
    repository: m.repository,
    pathspecs: [...new Set(m.pathspecs)].sort(comparePathBytes),
    files: [...files.values()].sort((a, b) => comparePathBytes(a.path, b.path)),
  };
}

/**
 * The manifest's text: canonical form, keys in a fixed order, a trailing newline.
 * @example
 *   writeFileSync('xtest-pack.json', encodeExportManifest(m));
 */
export function encodeExportManifest(manifest: ExportManifest): string {
  const m = normalizeExportManifest(manifest);
  const ordered = {
    formatVersion: m.formatVersion,
    objectFormat: m.objectFormat,
    commit: m.commit,
    tree: m.tree,
    ...(m.repository !== undefined ? { repository: m.repository } : {}),
    pathspecs: m.pathspecs,
    files: m.files,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

const FILE_MODES = new Set(['100644', '100755', '120000', '160000']);

/**
 * Parse an export manifest, checking every field.
 * @param file  names the manifest in errors.
 * @throws MANIFEST_CORRUPT naming `file` and the field (not JSON, a package's manifest, another
 *         format version, a field of the wrong shape).
 * @example
 *   const m = decodeExportManifest(readFileSync(p, 'utf8'), p);
 */
export function decodeExportManifest(text: string, file: string): ExportManifest {
  const o = manifestObject(text, file);
  const bad = (why: string) => new XtestPackError('MANIFEST_CORRUPT', why, { file });
  if (o['kind'] === 'package') throw bad("a package's test-data manifest, not a pack directory's");
  if (o['kind'] !== undefined) throw bad(`"kind" ${JSON.stringify(o['kind'])} is not one this xtest-pack reads`);
  if (o['formatVersion'] !== EXPORT_MANIFEST_VERSION) {
    throw bad(`"formatVersion" ${JSON.stringify(o['formatVersion'])}: this xtest-pack reads ${EXPORT_MANIFEST_VERSION}`);
  }
  const objectFormat = o['objectFormat'];
  if (objectFormat !== 'sha1' && objectFormat !== 'sha256') throw bad(`"objectFormat" ${JSON.stringify(objectFormat)} is not sha1 or sha256`);
  const id = idChecker(objectFormat, bad);
  if (o['repository'] !== undefined && typeof o['repository'] !== 'string') throw bad('"repository" must be a string');
  const pathspecs = o['pathspecs'];
  if (!Array.isArray(pathspecs) || !pathspecs.every((p) => typeof p === 'string')) throw bad('"pathspecs" must be an array of strings');
  if (!Array.isArray(o['files'])) throw bad('"files" must be an array');
  const files = (o['files'] as unknown[]).map((f, i): ExportManifestFile => {
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw bad(`"files[${i}]" must be an object`);
    const r = f as Record<string, unknown>;
    if (typeof r['path'] !== 'string' || r['path'] === '') throw bad(`"files[${i}].path" must be a non-empty string`);
    if (typeof r['mode'] !== 'string' || !FILE_MODES.has(r['mode'])) throw bad(`"files[${i}].mode" ${JSON.stringify(r['mode'])} is not a file mode git writes`);
    return { path: r['path'], mode: r['mode'], oid: id(`files[${i}].oid`, r['oid']) };
  });
  return {
    formatVersion: EXPORT_MANIFEST_VERSION,
    objectFormat,
    commit: id('commit', o['commit']),
    tree: id('tree', o['tree']),
    repository: o['repository'] as string | undefined,
    pathspecs: pathspecs as string[],
    files,
  };
}

/**
 * The JSON object a manifest's text holds.
 * @throws MANIFEST_CORRUPT naming `file`: not JSON, or not an object.
 */
export function manifestObject(text: string, file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new XtestPackError('MANIFEST_CORRUPT', `not JSON (${(e as Error).message})`, { file, cause: e });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new XtestPackError('MANIFEST_CORRUPT', 'not a JSON object', { file });
  return v as Record<string, unknown>;
}

/** A checker of full lowercase hex ids of `format`, failing with `bad` naming the field. */
export function idChecker(format: ObjectFormat, bad: (why: string) => XtestPackError): (field: string, v: unknown) => string {
  const re = new RegExp(`^[0-9a-f]{${hashLength(format) * 2}}$`);
  return (field, v) => {
    if (typeof v !== 'string' || !re.test(v)) throw bad(`"${field}" is not a ${format} object id`);
    return v;
  };
}

/**
 * What a checkout of the pack directory writes when told nothing else: the files the manifest
 * lists, their names taken literally (`*`, `?`, `[` are name characters).
 * @example
 *   checkoutPackSync({ objects, oid: m.commit, out, backend, ...listedFiles(m) });
 */
export function listedFiles(m: ExportManifest): { pathspecs: string[]; literal: true } {
  return { pathspecs: m.files.map((f) => f.path), literal: true };
}
