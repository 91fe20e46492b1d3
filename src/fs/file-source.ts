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
 * Open `path` for positional reads.
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
