#!/usr/bin/env node
/**
 * The `xtest-pack` executable. Before loading anything else it turns on Node's module compile
 * cache (Node ≥ 22.1: V8's compiled code of each module kept on disk, so later runs skip
 * parsing and compiling) in the user's cache directory, never in the package:
 * `$XDG_CACHE_HOME/xtest-pack/compile-cache` (default `~/.cache/...`). `NODE_COMPILE_CACHE=<dir>`
 * picks another directory and `NODE_DISABLE_COMPILE_CACHE=1` turns it off, as for any Node
 * program. On Node 20, and when the directory cannot be made, the program runs uncached.
 *
 * The program is loaded by a dynamic import for that reason: a static one would be loaded
 * before this file's first line runs.
 */
import module from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** `$XDG_CACHE_HOME/xtest-pack/compile-cache`, else `~/.cache/...`; undefined without a home. */
function compileCacheDirectory(env: NodeJS.ProcessEnv): string | undefined {
  const xdg = env['XDG_CACHE_HOME'];
  // The XDG spec: a relative value is invalid and to be ignored.
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'xtest-pack', 'compile-cache');
  try {
    const home = homedir();
    return home === '' ? undefined : join(home, '.cache', 'xtest-pack', 'compile-cache');
  } catch {
    return undefined; // no HOME and no passwd entry
  }
}

type EnableCompileCache = (dir?: string) => { status: number };
const enable = (module as unknown as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
if (enable !== undefined) {
  const dir = compileCacheDirectory(process.env);
  // A failure (an unwritable cache) is a status, not an exception: the run goes on uncached;
  // with NODE_COMPILE_CACHE set, Node has enabled it already and this changes nothing.
  if (dir !== undefined) enable(dir);
}

const { createProgram } = await import('./program.js');
const { run } = createProgram({ stdout: process.stdout, stderr: process.stderr, env: process.env });
process.exitCode = await run(process.argv.slice(2));
