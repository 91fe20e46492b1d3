/**
 * bench/checkout-run: the in-process side of bench/checkout: what a test helper does, one
 * `checkoutPackSync` call in a process whose imports are already loaded. Prints one JSON line on
 * stdout: the time from process start to the call (start-up and imports) and the call's own
 * time; GNU time around this process gives its peak RSS.
 *
 *   node dist/bench/checkout-run.js --objects <pack dir> --out <dir> --commit <id>
 *        --paths-file <file, one path a line> [--backend node|portable]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
// select.js, not the backend entry: that one exports the portable backend too, and would load
// pako and @noble/hashes into a process that runs the node backend.
import { getBackend } from '../src/backend/select.js';
import { checkoutPackSync } from '../src/checkout/checkout.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string' },
    out: { type: 'string' },
    commit: { type: 'string' },
    'paths-file': { type: 'string' },
    backend: { type: 'string' },
  },
  strict: true,
});
if (values.objects === undefined || values.out === undefined || values.commit === undefined || values['paths-file'] === undefined) {
  process.stderr.write('usage: checkout-run --objects <dir> --out <dir> --commit <id> --paths-file <file> [--backend B]\n');
  process.exit(2);
}
const pathspecs = readFileSync(values['paths-file'], 'utf8').split('\n').filter((l) => l !== '');
const backend = getBackend(values.backend);
const t0 = performance.now();
const r = checkoutPackSync({ objects: values.objects, oid: values.commit, out: values.out, pathspecs, backend });
const t1 = performance.now();
process.stdout.write(`${JSON.stringify({ startupSeconds: t0 / 1000, callSeconds: (t1 - t0) / 1000, files: r.files.length })}\n`);
