// Tar test helpers: the system tools (GNU tar, gzip, npm) in a fixed environment, hand-made
// tar headers for hostile inputs, and a directory read back as tar entries.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { TarEntry } from '../../src/artifact/index.js';
import { XtestPackError } from '../../src/errors.js';

export interface ToolResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/** Run a system tool with LC_ALL=C and TZ=UTC; does not throw on a non-zero exit. */
export function tool(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ToolResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: { ...process.env, LC_ALL: 'C', LANG: 'C', TZ: 'UTC', ...opts.env },
    maxBuffer: 1 << 28,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Run a system tool; throws with its stderr on a non-zero exit. */
export function toolOk(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Buffer {
  const r = tool(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The files, directories and symlinks under `root` as tar entries, sorted by path. */
export function readTree(root: string): TarEntry[] {
  const out: TarEntry[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(rel === '' ? root : join(root, rel)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, path);
      const st = lstatSync(abs);
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) out.push({ path, type: 'symlink', mode, data: new Uint8Array(0), linkTarget: readlinkSync(abs) });
      else if (st.isDirectory()) {
        out.push({ path, type: 'directory', mode, data: new Uint8Array(0) });
        walk(path);
      } else out.push({ path, type: 'file', mode, data: new Uint8Array(readFileSync(abs)) });
    }
  };
  walk('');
  return sortEntries(out);
}

/** Entries sorted by the UTF-8 bytes of their paths (the writer's order). */
export function sortEntries(entries: readonly TarEntry[]): TarEntry[] {
  return [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

/** Entries in a comparable form: symlink modes (which tar tools do not keep) left out if asked. */
export function comparable(entries: readonly TarEntry[], options: { symlinkModes?: boolean } = {}): unknown[] {
  return sortEntries(entries).map((e) => ({
    path: e.path,
    type: e.type,
    mode: e.type === 'symlink' && options.symlinkModes === false ? 0 : e.mode,
    data: Buffer.from(e.data).toString('hex'),
    linkTarget: e.linkTarget,
  }));
}

export interface HeaderSpec {
  name: string | Uint8Array;
  type?: string;
  mode?: number;
  /** A number (written in octal), or the 12 raw bytes of the field. */
  size?: number | Uint8Array;
  linkname?: string;
  prefix?: string;
  magic?: 'ustar' | 'gnu' | Uint8Array;
  /** Replace the computed checksum with this value. */
  checksum?: number;
}

const enc = new TextEncoder();

/** One 512-byte tar header, made by hand. */
export function header(spec: HeaderSpec): Uint8Array {
  const h = new Uint8Array(512);
  const put = (at: number, v: string | Uint8Array) => h.set(typeof v === 'string' ? enc.encode(v) : v, at);
  const octal = (at: number, len: number, v: number) => put(at, `${v.toString(8).padStart(len - 1, '0')}\0`);
  put(0, spec.name);
  octal(100, 8, spec.mode ?? 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  if (spec.size instanceof Uint8Array) put(124, spec.size);
  else octal(124, 12, spec.size ?? 0);
  octal(136, 12, 0);
  put(156, spec.type ?? '0');
  if (spec.linkname !== undefined) put(157, spec.linkname);
  const magic = spec.magic ?? 'ustar';
  put(257, magic === 'ustar' ? 'ustar\u000000' : magic === 'gnu' ? 'ustar  \0' : magic);
  if (spec.prefix !== undefined) put(345, spec.prefix);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  put(148, `${(spec.checksum ?? sum).toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Data padded to a whole number of blocks. */
export function blocks(data: Uint8Array | string): Uint8Array {
  const d = typeof data === 'string' ? enc.encode(data) : data;
  const out = new Uint8Array(Math.ceil(d.length / 512) * 512);
  out.set(d);
  return out;
}

/** A pax extended header's data: "<len> key=value\n" records. */
export function paxRecords(records: Record<string, string>): Uint8Array {
  let s = '';
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let n = Buffer.byteLength(body) + 1;
    while (String(n).length + Buffer.byteLength(body) !== n) n++;
    s += `${n}${body}`;
  }
  return enc.encode(s);
}

/** A file entry: header and data. */
export function fileEntry(name: string, content: string | Uint8Array, spec: Partial<HeaderSpec> = {}): Uint8Array {
  const data = typeof content === 'string' ? enc.encode(content) : content;
  return Buffer.concat([header({ name, size: data.length, ...spec }), blocks(data)]);
}

/** Two zero blocks. */
export const END = new Uint8Array(1024);

/** A tar stream of the given parts, with the end blocks unless told otherwise. */
export function tarOf(parts: readonly Uint8Array[], options: { end?: boolean } = {}): Uint8Array {
  return new Uint8Array(Buffer.concat([...parts, ...(options.end === false ? [] : [END])]));
}

/** gzip with the platform's zlib (any valid gzip will do for reader tests). */
export function gz(data: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(data));
}

/** Assert `fn` throws an XtestPackError of `code`, one line, naming `file` and an offset; return it. */
export function expectArchiveError(code: string, fn: () => unknown, opts: { file?: string; offset?: number; includes?: readonly string[] } = {}): XtestPackError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected ${code}, but nothing was thrown`);
  assert.ok(caught instanceof XtestPackError, `expected XtestPackError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(!caught.message.includes('\n'), `one line: ${caught.message}`);
  assert.ok(typeof caught.offset === 'number' && Number.isInteger(caught.offset) && caught.offset >= 0, `an offset: ${caught.message}`);
  if (opts.file !== undefined) {
    assert.equal(caught.file, opts.file);
    assert.ok(caught.message.startsWith(`${opts.file} offset ${caught.offset}: `), caught.message);
  }
  if (opts.offset !== undefined) assert.equal(caught.offset, opts.offset, caught.message);
  for (const s of opts.includes ?? []) assert.ok(caught.message.includes(s), `${JSON.stringify(s)} in: ${caught.message}`);
  return caught;
}
