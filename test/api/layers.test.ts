// The layers of src/ (README, "Architecture"): a module imports only from its own folder and the
// folders below it. Read from the sources, so that an upward import fails here before review.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Each folder of src/ (or top-level module) and what it may import besides itself. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  errors: [],
  backend: ['errors'],
  pack: ['errors', 'backend'],
  fs: ['errors', 'pack'],
  'pack-node': ['errors', 'backend', 'pack', 'fs'],
  manifest: ['errors', 'pack'],
  odb: ['errors', 'backend', 'pack', 'fs'],
  artifact: ['errors', 'backend', 'pack', 'fs', 'manifest', 'odb'],
  checkout: ['errors', 'backend', 'pack', 'fs', 'manifest', 'odb', 'artifact'],
  export: ['errors', 'backend', 'pack', 'fs', 'odb', 'manifest', 'artifact'],
  fetch: ['errors', 'backend', 'pack', 'fs', 'odb', 'manifest', 'artifact', 'export'],
  harness: ['errors', 'backend', 'pack', 'fs', 'artifact', 'manifest', 'odb', 'checkout', 'export', 'fetch'],
  // The browser entry: what runs without Node (no node: module is reachable: tsconfig.browser.json).
  browser: ['errors', 'backend', 'pack', 'fs', 'manifest', 'odb'],
  // pack-node (worker threads) is Node-only: only the Node entry points use it, never browser.
  cli: ['errors', 'backend', 'pack', 'fs', 'pack-node', 'artifact', 'manifest', 'odb', 'checkout', 'export', 'fetch', 'harness'],
  index: ['errors', 'backend', 'pack', 'fs', 'pack-node', 'artifact', 'manifest', 'odb', 'checkout', 'export', 'fetch', 'harness'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.c?ts$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

/** The layer of a source file, or of an import's target (written with .js). */
const layerOf = (file: string): string => relative(SRC, file).split(/[\\/]/)[0]!.replace(/\.[jt]s$/, '');

test('no module of src/ imports from a layer above its own', () => {
  const files = sources(SRC);
  assert.ok(files.length > 50, `${files.length} sources under ${SRC}`);
  const wrong: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    const allowed = MAY_IMPORT[from];
    assert.ok(allowed, `${relative(SRC, file)}: ${from} is not a known layer (add it to README's Architecture and here)`);
    for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)) {
      const to = layerOf(resolve(dirname(file), m[1]!));
      if (to !== from && !allowed.includes(to)) wrong.push(`${relative(SRC, file)} (${from}) imports ${m[1]} (${to})`);
    }
  }
  assert.deepEqual(wrong, []);
});
