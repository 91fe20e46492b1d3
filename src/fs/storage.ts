/**
 * What the object database and repository code need from a file system, and nothing more,
 * so that they can run over other storage (and tests can count what is read).
 * Paths use '/'; the Node implementation is node-storage.ts.
 */
import type { ByteSource } from '../pack/source.js';

export interface ClosableSource extends ByteSource {
  close(): void;
}

export interface Storage {
  /** A file's bytes, or `undefined` when there is no such file. */
  readFile(path: string): Uint8Array | undefined;
  /** A directory's entry names, or `undefined` when there is no such directory. */
  readDir(path: string): string[] | undefined;
  /** A positional-read source over a file, or `undefined` when there is no such file. */
  openSource(path: string): ClosableSource | undefined;
  /** What is at `path` (following symlinks), or `undefined`. */
  kind(path: string): 'file' | 'dir' | undefined;
  /** The absolute, normalized form of `path` (relative to `base` when given). */
  resolve(path: string, base?: string): string;
}

/** Join path parts with '/'. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/').replace(/\/{2,}/g, '/');
}

/** The directory part of a '/'-separated path. */
export function parentPath(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? (path.startsWith('/') ? '/' : '.') : path.slice(0, i);
}
