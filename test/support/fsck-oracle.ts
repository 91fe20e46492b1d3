// `git fsck --strict` as the oracle for hand-made objects: the objects go into a pack (written
// as checkout reads it) in a fresh bare repository, and git's report is read back per object,
// by message id. Also: which ids the git on this machine knows, and where xtest-pack knowingly
// refuses more than git does (the one list of fsck divergences).
import { join } from 'node:path';
import { getBackend } from '../../src/backend/index.js';
import type { ObjectFormat } from '../../src/pack/oid.js';
import { writeHandPack, type HandObject } from './checkout-objects.js';
import { git, gitRaw, tempDir } from './git.js';

export interface FsckReport {
  /** Per object id, the message ids git reported (errors and warnings alike), in its order. */
  readonly ids: ReadonlyMap<string, readonly string[]>;
  /** Objects git could not parse at all (it names no message id for them). */
  readonly unparseable: ReadonlySet<string>;
  /** git's whole output, for assertion messages. */
  readonly text: string;
}

/** Parse `git fsck` output: `error in tree <id>: treeNotSorted: ...`, `warning in ...`. */
export function parseFsckOutput(text: string): FsckReport {
  const ids = new Map<string, string[]>();
  const unparseable = new Set<string>();
  for (const line of text.split('\n')) {
    let m = /^(?:error|warning) in (?:tree|commit|tag|blob) ([0-9a-f]{40,64}): (\w+): /.exec(line);
    if (m) {
      ids.set(m[1]!, [...(ids.get(m[1]!) ?? []), m[2]!]);
      continue;
    }
    m = /^error: ([0-9a-f]{40,64}): object (?:could not be parsed|corrupt)/.exec(line);
    if (m) unparseable.add(m[1]!);
  }
  return { ids, unparseable, text };
}

/**
 * `git fsck --strict` over `objects`, packed as xtest-pack writes them, in a bare repository of
 * `format` made for the purpose (and removed).
 * @example
 *   gitFsckStrict([blob, tree, commit], 'sha1').ids.get(tree.hex) // ['treeNotSorted']
 */
export function gitFsckStrict(objects: readonly HandObject[], format: ObjectFormat): FsckReport {
  const t = tempDir('xtest-pack-fsck-oracle-');
  try {
    const repo = join(t.dir, 'r.git');
    git(['init', '-q', '--bare', `--object-format=${format}`, repo]);
    writeHandPack(join(repo, 'objects', 'pack'), objects, getBackend(), format);
    const r = gitRaw(['fsck', '--strict', '--no-dangling', '--no-progress', '--no-reflogs'], { cwd: repo });
    return parseFsckOutput(`${r.stdout.toString('utf8')}\n${r.stderr}`);
  } finally {
    t.cleanup();
  }
}

/** The installed git's version, as [major, minor]. */
export function gitVersion(): [number, number] {
  const m = /(\d+)\.(\d+)/.exec(git(['--version']).toString('utf8'));
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** Message ids that only newer git reports, by the version that added them. */
const ADDED_IN: Readonly<Record<string, [number, number]>> = {
  // fsck.c: "contains excessively large pathname" (names over 4096 bytes), git 2.41.
  largePathname: [2, 41],
};

/** Does the git on this machine know message id `id`? */
export function gitKnows(id: string): boolean {
  const since = ADDED_IN[id];
  if (since === undefined) return true;
  const [major, minor] = gitVersion();
  return major > since[0] || (major === since[0] && minor >= since[1]);
}

/**
 * Where xtest-pack refuses what `git fsck --strict` passes, on purpose. Each is a mode or name
 * git itself never writes:
 * - a mode of seven or more octal digits: git keeps a tree entry's mode in 16 bits
 *   (tree-walk.h `unsigned short mode`), so `1100644` reads as 100644 and passes its fsck;
 *   xtest-pack takes the digits as written, and refuses such a mode as badFilemode.
 */
export const FSCK_DIVERGENCES: readonly { readonly mode: string; readonly ours: string; readonly git: readonly string[] }[] = [
  { mode: '1100644', ours: 'badFilemode', git: [] },
];
