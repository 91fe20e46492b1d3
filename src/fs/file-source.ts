/**
 * A ByteSource over a file, read with positional reads (pread): nothing is mapped or loaded
 * whole, so files larger than memory and larger than 4 GiB work.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { XtestPackError } from '../errors.js';
import type { ByteSource } from '../pack/source.js';

export interface FileSource extends ByteSource {
  readonly path: string;
  close(): void;
}

/**
 * Files up to this size are read whole when opened, in one read, and then viewed in memory: a
 * test-data pack of a few MiB is read once rather than in thousands of small positional reads
 * (a system call and its Node wrapper each). Larger files are read in place, as they are used.
 * Not more: the idx of a large repository (git.git's is 10.7 MB) read whole to look up twenty
 * files cost a checkout 25 ms and 10 MB of RSS, and IdxFile reads an idx whole by itself once
 * its lookups have read as much.
 */
export const WHOLE_FILE_LIMIT = 8 << 20;

/**
 * Open `path` for positional reads (files of up to WHOLE_FILE_LIMIT bytes are read whole).
 * @throws IO when the file cannot be opened or read.
 * @example
 *   const src = openFileSource('objects/pack/pack-1.pack'); try { ... } finally { src.close(); }
 */
export function openFileSource(path: string): FileSource {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new XtestPackError('IO', `cannot open: ${(e as Error).message}`, { file: path, cause: e });
  }
  const size = fstatSync(fd).size;
  const name = basename(path);
  if (size <= WHOLE_FILE_LIMIT) {
    try {
      return wholeFile(fd, path, name, size);
    } finally {
      closeSync(fd);
    }
  }
  let open = true;
  return {
    path,
    name,
    size,
    read(offset, length) {
      const buf = new Uint8Array(length);
      this.readInto(offset, buf);
      return buf;
    },
    readInto(offset, buf) {
      const length = buf.length;
      if (!open) throw new XtestPackError('IO', 'read after close', { file: path });
      if (offset < 0 || offset + length > size) {
        throw new XtestPackError('IO', `read of ${length} bytes at offset ${offset} passes the end (${size})`, {
          file: path,
        });
      }
      let done = 0;
      while (done < length) {
        let n: number;
        try {
          n = readSync(fd, buf, done, length - done, offset + done);
        } catch (e) {
          throw new XtestPackError('IO', `read failed: ${(e as Error).message}`, { file: path, offset, cause: e });
        }
        if (n === 0) {
          throw new XtestPackError('IO', `file shrank while reading (${length - done} bytes missing)`, {
            file: path,
            offset: offset + done,
          });
        }
        done += n;
      }
    },
    close() {
      if (open) {
        open = false;
        closeSync(fd);
      }
    },
  };
}

/** A FileSource over the whole of an open file, read now in one go. */
function wholeFile(fd: number, path: string, name: string, size: number): FileSource {
  const bytes = new Uint8Array(size);
  let done = 0;
  while (done < size) {
    let n: number;
    try {
      n = readSync(fd, bytes, done, size - done, done);
    } catch (e) {
      throw new XtestPackError('IO', `read failed: ${(e as Error).message}`, { file: path, offset: done, cause: e });
    }
    if (n === 0) throw new XtestPackError('IO', `file shrank while reading (${size - done} bytes missing)`, { file: path, offset: done });
    done += n;
  }
  let open = true;
  const check = (offset: number, length: number): void => {
    if (!open) throw new XtestPackError('IO', 'read after close', { file: path });
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new XtestPackError('IO', `read of ${length} bytes at offset ${offset} passes the end (${size})`, { file: path });
    }
  };
  return {
    path,
    name,
    size,
    bytes,
    read(offset, length) {
      check(offset, length);
      return bytes.subarray(offset, offset + length);
    },
    readInto(offset, into) {
      check(offset, into.length);
      into.set(bytes.subarray(offset, offset + into.length));
    },
    close() {
      open = false;
    },
  };
}
