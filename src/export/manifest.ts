/**
 * The manifest `xtest-pack.json` written next to an exported pack: which commit the pack
 * serves and which files it holds. Keys in a fixed order, files sorted by path, a trailing
 * newline: the same export gives the same bytes.
 */
import type { ObjectFormat } from '../pack/oid.js';

export const MANIFEST_NAME = 'xtest-pack.json';
export const MANIFEST_FORMAT_VERSION = 1;

export interface ManifestFile {
  readonly path: string;
  /** Octal mode as git writes it: 100644, 100755, 120000. */
  readonly mode: string;
  readonly oid: string;
}

export interface Manifest {
  readonly formatVersion: number;
  readonly objectFormat: ObjectFormat;
  readonly commit: string;
  readonly tree: string;
  readonly repository: string | undefined;
  readonly pathspecs: readonly string[];
  readonly files: readonly ManifestFile[];
}

/** Byte order of UTF-16 strings equals code point order for what paths hold; compare by UTF-8 to match git. */
function comparePaths(a: string, b: string): number {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) if (ea[i] !== eb[i]) return ea[i]! - eb[i]!;
  return ea.length - eb.length;
}

/**
 * The manifest in its canonical form: pathspecs and files sorted by path (UTF-8 byte order),
 * each once (the last given wins for a file).
 */
export function normalizeManifest(m: Manifest): Manifest {
  const files = new Map<string, ManifestFile>();
  for (const f of m.files) files.set(f.path, { path: f.path, mode: f.mode, oid: f.oid });
  return {
    formatVersion: m.formatVersion,
    objectFormat: m.objectFormat,
    commit: m.commit,
    tree: m.tree,
    repository: m.repository,
    pathspecs: [...new Set(m.pathspecs)].sort(comparePaths),
    files: [...files.values()].sort((a, b) => comparePaths(a.path, b.path)),
  };
}

/**
 * The manifest's bytes: canonical form, keys in a fixed order, a trailing newline.
 * @example
 *   writeFileSync('xtest-pack.json', encodeManifest(m));
 */
export function encodeManifest(manifest: Manifest): string {
  const m = normalizeManifest(manifest);
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

/**
 * Parse a manifest, checking its shape.
 * @returns undefined when the text is not a manifest this version understands.
 */
export function decodeManifest(text: string): Manifest | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const isHex = (x: unknown): x is string => typeof x === 'string' && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(x);
  if (o['formatVersion'] !== MANIFEST_FORMAT_VERSION) return undefined;
  if (o['objectFormat'] !== 'sha1' && o['objectFormat'] !== 'sha256') return undefined;
  if (!isHex(o['commit']) || !isHex(o['tree'])) return undefined;
  if (!Array.isArray(o['pathspecs']) || !o['pathspecs'].every((p) => typeof p === 'string')) return undefined;
  if (!Array.isArray(o['files'])) return undefined;
  const files: ManifestFile[] = [];
  for (const f of o['files'] as unknown[]) {
    const r = f as Record<string, unknown>;
    if (typeof r['path'] !== 'string' || typeof r['mode'] !== 'string' || !isHex(r['oid'])) return undefined;
    files.push({ path: r['path'], mode: r['mode'], oid: r['oid'] });
  }
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    objectFormat: o['objectFormat'],
    commit: o['commit'],
    tree: o['tree'],
    repository: typeof o['repository'] === 'string' ? o['repository'] : undefined,
    pathspecs: o['pathspecs'] as string[],
    files,
  };
}
