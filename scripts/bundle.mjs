#!/usr/bin/env node
// npm run build's last step (after tsc): esbuild bundles of two entry points, from src/.
//
//   dist/bundle/cli/main.js        the `xtest-pack` command (package.json "bin"): the start-up
//                                  (src/cli/main.ts: the compile cache), which imports
//   dist/bundle/cli/program.js     the program, commander and every command in one file; each
//                                  command's modules are still evaluated only when it runs
//                                  (src/cli/program.ts imports them in its action: esbuild keeps
//                                  that lazy), but their code is in the file. Measured against
//                                  one chunk per command and the chunks they share (esbuild's
//                                  splitting: 14 files for a checkout), the one file costs less
//                                  CPU on Node 20 (no compile cache: 149 against 158 ms for a
//                                  20-file checkout, medians of 20) and on Node 24 (121 / 125).
//   dist/bundle/cli/portable.js    the portable backend, pako and @noble/hashes: loaded only
//                                  with --backend portable (src/backend/select.ts imports or
//                                  requires it at run time, as it does unbundled). The pack
//                                  writer's deflater (pako, for reproducible packs) is a copy
//                                  inside program.js, evaluated only when a pack is written.
//   dist/bundle/cli/pack-worker.js the pack writer's worker thread (src/export/pack-worker.ts):
//                                  started by program.js as new URL('./pack-worker.js',
//                                  import.meta.url), so it sits next to it.
//   dist/bundle/cli/index-pack-worker.js
//                                  the worker thread of index-pack/verify --threads
//                                  (src/pack-node/), started by program.js the same way.
//   dist/bundle/browser/xtest-pack.js
//                                  src/browser/index.ts for browsers, one ES module with pako and
//                                  @noble/hashes inside; the build fails if any `node:` module
//                                  is reachable from it.
//
// Each has a source map next to it naming the files under src/ (shipped in the package) and
// node_modules/. dist/src/ (tsc's output) stays the library and an unbundled CLI,
// dist/src/cli/main.js, which behaves the same.
//
// Lazy loading that the sources do with `createRequire(import.meta.url)('./x.js')` (a module
// loaded synchronously on first use) becomes esbuild's own lazy `require` of the bundled module;
// such a call with anything but a literal fails the build here rather than at run time. The
// files the command loads at run time (./program.js from main.ts, ./portable.js from select.ts)
// are left as imports and calls between the output files.
//
//   node scripts/bundle.mjs [--metafile]     (--metafile: print what each output holds)
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'dist', 'bundle');

/**
 * `createRequire(import.meta.url)('<literal>')` -> `require('<literal>')`, which esbuild bundles;
 * `separate` names modules of src/ (as their importers write them) that stay files of their own,
 * loaded at run time: the import and the call are left as they are.
 */
const lazyRequire = (separate = []) => ({
  name: 'xtest-pack-lazy-require',
  setup(b) {
    if (separate.length > 0) {
      const filter = new RegExp(`^(${separate.map((m) => m.replace(/[.]/g, '\\.')).join('|')})$`);
      b.onResolve({ filter }, (args) => (/[\\/]src[\\/]/.test(args.importer) ? { path: args.path, external: true } : undefined));
    }
    b.onLoad({ filter: /[\\/]src[\\/].*\.c?ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const contents = text.replace(/createRequire\(import\.meta\.url\)\((['"])([^'"]+)\1\)/g, (call, _q, name) =>
        separate.includes(name) ? call.replace('createRequire(', '__xtestPackKeep(') : `require('${name}')`,
      );
      const left = /createRequire\(import\.meta\.url\)\s*\(/.exec(contents);
      if (left) {
        const line = contents.slice(0, left.index).split('\n').length;
        return { errors: [{ text: 'createRequire(import.meta.url)(...) with a computed name: the bundle cannot follow it (use a literal)', location: { file: args.path, line } }] };
      }
      return { contents: contents.replaceAll('__xtestPackKeep(', 'createRequire('), loader: 'ts' };
    });
  },
});

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
};

rmSync(out, { recursive: true, force: true });
const results = await Promise.all([
  build({
    ...common,
    entryPoints: {
      main: 'src/cli/main.ts',
      program: 'src/cli/program.ts',
      portable: 'src/backend/portable.ts',
      // Workers started by file name (new Worker(new URL('./x.js', import.meta.url))), which
      // esbuild does not follow: outputs of their own, next to program.js.
      'pack-worker': 'src/export/pack-worker.ts',
      'index-pack-worker': 'src/pack-node/index-pack-worker.ts',
    },
    plugins: [lazyRequire(['./program.js', './portable.js'])],
    // program.ts reads ../../../package.json next to its own file: the outputs sit three
    // directories below the package root, as dist/src/cli/ does.
    outdir: join(out, 'cli'),
    platform: 'node',
    target: 'node20.19',
    // commander is CommonJS and requires Node's built-ins; an ES module has no `require`.
    banner: { js: "import { createRequire as __xtestPackCreateRequire } from 'node:module';\nconst require = __xtestPackCreateRequire(import.meta.url);" },
  }),
  build({
    ...common,
    entryPoints: { 'xtest-pack': 'src/browser/index.ts' },
    plugins: [lazyRequire()],
    outdir: join(out, 'browser'),
    platform: 'browser',
    target: 'es2022',
  }),
]).catch(() => {
  // esbuild has printed the errors (a `node:` import reached from the browser entry among them).
  process.stderr.write('bundle: failed (esbuild\'s errors above)\n');
  process.exit(1);
});

if (process.argv.includes('--metafile')) {
  for (const r of results) {
    for (const [file, o] of Object.entries(r.metafile.outputs)) {
      if (file.endsWith('.map')) continue;
      process.stdout.write(`${file}: ${(o.bytes / 1024).toFixed(1)} KiB, ${Object.keys(o.inputs).length} inputs\n`);
    }
  }
}
const summary = results.map((r) => {
  const js = Object.entries(r.metafile.outputs).filter(([f]) => f.endsWith('.js'));
  const dir = relative(root, join(root, js[0][0], '..'));
  return `${dir}/ (${js.length} file${js.length === 1 ? '' : 's'}, ${(js.reduce((n, [, o]) => n + o.bytes, 0) / 1024).toFixed(0)} KiB)`;
});
process.stdout.write(`bundled: ${summary.join(', ')}\n`);
