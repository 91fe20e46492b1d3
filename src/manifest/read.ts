/**
 * Reading the manifests from the file system: `xtest-pack.json` in a pack directory (the export
 * manifest) or at a package's root (the package manifest).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XtestPackError, ioError } from '../errors.js';
import { decodeExportManifest, type ExportManifest } from './export-manifest.js';
import { decodePackageManifest, isPackageManifest, type PackageManifest } from './package-manifest.js';

/** The file name of both manifests. */
export const MANIFEST_NAME = 'xtest-pack.json';

/**
 * The export manifest of the pack directory `dir`, or undefined when it has none.
 * @throws MANIFEST_CORRUPT (naming the file and field), IO for a manifest that cannot be read.
 * @example
 *   const m = readExportManifest('test-data');  // m?.files
 */
export function readExportManifest(dir: string): ExportManifest | undefined {
  const file = join(dir, MANIFEST_NAME);
  const text = readText(file);
  return text === undefined ? undefined : decodeExportManifest(text, file);
}

/**
 * The package manifest in `file`, or undefined when there is no such file, or when it is a pack
 * directory's manifest and `required` is off (a package root is not a pack directory).
 * @throws MANIFEST_CORRUPT (naming the file and field; with `required`, also a missing file or a
 *         pack directory's manifest), IO for a manifest that cannot be read.
 * @example
 *   const m = readPackageManifest(join(root, MANIFEST_NAME));
 */
export function readPackageManifest(file: string, options: { required?: boolean } = {}): PackageManifest | undefined {
  const text = readText(file);
  if (text === undefined) {
    if (options.required) throw new XtestPackError('MANIFEST_CORRUPT', 'no such file', { file });
    return undefined;
  }
  if (!options.required && !isPackageManifest(text, file)) return undefined;
  return decodePackageManifest(text, file);
}

/** The file's text, or undefined when it does not exist. */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw ioError(e, { file }, 'read');
  }
}
