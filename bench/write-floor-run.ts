/**
 * bench/write-floor-run: the file-system floor of a checkout. Reads a checked-out tree (git's,
 * the reference) into memory, then writes it again under --out with the calls a checkout into a
 * new directory makes (mkdir per directory, open/write/close per file, symlinks last), nothing
 * inflated, hashed or checked. Prints one JSON line: the write's own time. No checkout in this
 * process can take less than this; bench/checkout-scale shows it beside the library call.
 *
 *   node dist/bench/write-floor-run.js --from <tree> --out <dir>
 */
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { from: { type: 'string' }, out: { type: 'string' } }, strict: true });
if (values.from === undefined || values.out === undefined) {
  process.stderr.write('usage: write-floor-run --from <tree> --out <dir>\n');
  process.exit(2);
}

type Item = { kind: 'dir'; path: string } | { kind: 'file'; path: string; data: Buffer; mode: number } | { kind: 'link'; path: string; target: string };

const items: Item[] = [];
const links: Item[] = [];
const read = (rel: string): void => {
  for (const name of readdirSync(join(values.from!, rel)).sort()) {
    const path = rel === '' ? name : `${rel}/${name}`;
    const full = join(values.from!, path);
    const st = lstatSync(full);
    if (st.isDirectory()) {
      items.push({ kind: 'dir', path });
      read(path);
    } else if (st.isSymbolicLink()) {
      links.push({ kind: 'link', path, target: readlinkSync(full) });
    } else {
      items.push({ kind: 'file', path, data: readFileSync(full), mode: st.mode & 0o100 ? 0o777 : 0o666 });
    }
  }
};
read('');
const out = values.out;
const t0 = performance.now();
mkdirSync(out);
for (const it of [...items, ...links]) {
  const p = `${out}/${it.path}`;
  if (it.kind === 'dir') mkdirSync(p);
  else if (it.kind === 'link') symlinkSync(it.target, p);
  else {
    const fd = openSync(p, 'wx', it.mode);
    if (it.data.length > 0) writeSync(fd, it.data);
    closeSync(fd);
  }
}
const t1 = performance.now();
process.stdout.write(`${JSON.stringify({ callSeconds: (t1 - t0) / 1000, files: items.length + links.length })}\n`);
