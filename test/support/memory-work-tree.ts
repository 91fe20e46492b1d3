// A WorkTreeStorage over memory: a copy of a real directory tree (files, directories, symlinks
// by lstat), so that code taking its files through Storage can be run without node:fs and
// compared with the same code over the disk.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import type { ClosableSource } from '../../src/fs/storage.js';
import type { EntryKind, WorkTreeStorage } from '../../src/fs/work-tree-storage.js';
import { bytesSource } from '../../src/pack/source.js';

type Node = { kind: 'file'; data: Uint8Array } | { kind: 'dir' } | { kind: 'symlink'; target: string } | { kind: 'other' };

/** Every node under `root` (absolute), by absolute path, read with lstat. */
export function snapshot(root: string): Map<string, Node> {
  const nodes = new Map<string, Node>();
  const visit = (p: string): void => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) nodes.set(p, { kind: 'symlink', target: readlinkSync(p) });
    else if (st.isDirectory()) {
      nodes.set(p, { kind: 'dir' });
      for (const n of readdirSync(p)) visit(join(p, n));
    } else if (st.isFile()) nodes.set(p, { kind: 'file', data: readFileSync(p) });
    else nodes.set(p, { kind: 'other' });
  };
  visit(root);
  // The directories above the root, so that absolute paths walk down to it.
  for (let d = posix.dirname(root); d !== '/'; d = posix.dirname(d)) nodes.set(d, { kind: 'dir' });
  return nodes;
}

/**
 * WorkTreeStorage over `nodes`; `reads` counts what was read, by kind of question.
 * @example
 *   const storage = memoryWorkTree(snapshot('/tmp/repo'));
 */
export function memoryWorkTree(nodes: Map<string, Node>): WorkTreeStorage & { reads: Record<string, number> } {
  const reads: Record<string, number> = { readFile: 0, readDir: 0, kind: 0, lkind: 0 };
  const resolve = (path: string, base?: string): string => posix.resolve(base ?? '/', path);
  /** The node at `path`, symlinks followed (in every component). */
  const follow = (path: string, depth = 0): Node | undefined => {
    if (depth > 20) return undefined;
    const parts = resolve(path).split('/').filter((c) => c !== '');
    let at = '';
    for (let i = 0; i < parts.length; i++) {
      at = `${at}/${parts[i]}`;
      const n = nodes.get(at);
      if (n === undefined) return undefined;
      if (n.kind === 'symlink') {
        const rest = parts.slice(i + 1).join('/');
        const target = resolve(n.target, posix.dirname(at));
        return follow(rest === '' ? target : `${target}/${rest}`, depth + 1);
      }
    }
    return nodes.get(at === '' ? '/' : at) ?? (at === '' ? { kind: 'dir' } : undefined);
  };
  const children = (dir: string): string[] => {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const out: string[] = [];
    for (const k of nodes.keys()) if (k.startsWith(prefix) && !k.slice(prefix.length).includes('/') && k.length > prefix.length) out.push(k.slice(prefix.length));
    return out;
  };
  const realPath = (path: string): string | undefined => {
    // Where a directory's entries are: the path with its symlinks resolved.
    const parts = resolve(path).split('/').filter((c) => c !== '');
    let at = '';
    for (let i = 0; i < parts.length; i++) {
      const next = `${at}/${parts[i]}`;
      const n = nodes.get(next);
      if (n === undefined) return undefined;
      at = n.kind === 'symlink' ? realPath(resolve(n.target, at === '' ? '/' : at)) ?? next : next;
    }
    return at;
  };
  return {
    reads,
    readFile(path) {
      reads['readFile']!++;
      const n = follow(path);
      return n?.kind === 'file' ? n.data : undefined;
    },
    readDir(path) {
      reads['readDir']!++;
      const real = realPath(path);
      return real !== undefined && follow(path)?.kind === 'dir' ? children(real) : undefined;
    },
    readDirEntries(path) {
      reads['readDir']!++;
      const real = realPath(path);
      if (real === undefined || follow(path)?.kind !== 'dir') return undefined;
      return children(real).map((name) => ({ name, kind: nodes.get(`${real}/${name}`)!.kind as EntryKind }));
    },
    openSource(path): ClosableSource | undefined {
      const n = follow(path);
      return n?.kind === 'file' ? { ...bytesSource(n.data, basename(path)), close() {} } : undefined;
    },
    kind(path) {
      reads['kind']!++;
      const n = follow(path);
      return n?.kind === 'file' || n?.kind === 'dir' ? n.kind : undefined;
    },
    lkind(path) {
      reads['lkind']!++;
      const parent = realPath(posix.dirname(resolve(path)));
      return parent === undefined ? undefined : (nodes.get(`${parent === '/' ? '' : parent}/${posix.basename(path)}`)?.kind as EntryKind | undefined);
    },
    resolve,
  };
}
