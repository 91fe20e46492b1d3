// File-system helpers for the checkout tests: exact snapshots of directory trees (names as
// bytes, types, permission bits, contents, symlink targets, optionally times), an "arena"
// (a pre-populated output directory with a sentinel sibling and a directory elsewhere, all in
// one temporary root), and expectRefusal: a checkout must fail with a given code, through the
// library and through the command line, naming what it refuses, and leave the whole arena
// byte for byte as it was.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBackend } from '../../src/backend/index.js';
import { checkoutPackSync, type CheckoutOptions, type CheckoutResult } from '../../src/checkout/checkout.js';
import { XtestPackError } from '../../src/errors.js';
import { listedFiles, readExportManifest } from '../../src/manifest/index.js';
import { assertOneLineError, xtestPack } from './cli.js';
import { scratchDir } from './repos.js';

const fatal = new TextDecoder('utf-8', { fatal: true });

/** A path's bytes shown readably (and distinctly: invalid UTF-8 as hex). */
function show(b: Buffer): string {
  try {
    return fatal.decode(b);
  } catch {
    return `hex:${b.toString('hex')}`;
  }
}

export interface SnapshotOptions {
  /** Include modification times (ns) of files and symlinks. */
  times?: boolean;
  /** Leave out top-level names for which this returns true. */
  skipTop?: (name: string) => boolean;
}

/**
 * Every entry below `root` (not `root` itself), sorted, one line each:
 * `<path> <type> <perm> <size> <sha256 | target>`.
 */
export function snapshot(root: string, options: SnapshotOptions = {}): string[] {
  const out: string[] = [];
  const walk = (dir: Buffer, rel: Buffer | undefined) => {
    const names = (readdirSync(dir, { encoding: 'buffer' }) as Buffer[]).sort(Buffer.compare);
    for (const name of names) {
      if (rel === undefined && options.skipTop?.(name.toString('utf8'))) continue;
      const p = Buffer.concat([dir, Buffer.from('/'), name]);
      const r = rel === undefined ? name : Buffer.concat([rel, Buffer.from('/'), name]);
      const st = lstatSync(p, { bigint: true });
      const perm = (Number(st.mode) & 0o7777).toString(8);
      const time = options.times ? ` mtime=${st.mtimeNs}` : '';
      if (st.isSymbolicLink()) {
        out.push(`${show(r)} symlink ${perm} -> ${JSON.stringify(show(readlinkSync(p, { encoding: 'buffer' })))}${time}`);
      } else if (st.isDirectory()) {
        out.push(`${show(r)} dir ${perm}`);
        walk(p, r);
      } else if (st.isFile()) {
        const data = readFileSync(p);
        out.push(`${show(r)} file ${perm} ${data.length} ${createHash('sha256').update(data).digest('hex')}${time}`);
      } else {
        out.push(`${show(r)} other ${perm}`);
      }
    }
  };
  walk(Buffer.from(root), undefined);
  return out;
}

export interface Arena {
  /** The temporary root holding everything below (snapshotted whole). */
  readonly root: string;
  /** An empty directory for pack files. */
  readonly packs: string;
  readonly parent: string;
  /** The output directory, pre-populated (see arena()). */
  readonly out: string;
  /** A sibling of the output directory that nothing may touch. */
  readonly sentinel: string;
  /** A directory outside `parent`, a target for hostile symlinks. */
  readonly elsewhere: string;
}

/**
 * A fresh arena: `<root>/packs/`, `<root>/parent/out/` holding a file, an executable, a
 * subdirectory, a symlink to a file and a dangling one, `<root>/parent/sentinel/`, and
 * `<root>/elsewhere/` (each with a file).
 */
export function arena(prefix = 'xtest-pack-checkout-'): Arena {
  const root = scratchDir(prefix);
  const a: Arena = {
    root,
    packs: join(root, 'packs'),
    parent: join(root, 'parent'),
    out: join(root, 'parent', 'out'),
    sentinel: join(root, 'parent', 'sentinel'),
    elsewhere: join(root, 'elsewhere'),
  };
  for (const d of [a.packs, a.out, join(a.out, 'sub'), a.sentinel, a.elsewhere]) mkdirSync(d, { recursive: true });
  writeFileSync(join(a.out, 'keep.txt'), 'already here\n');
  writeFileSync(join(a.out, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(a.out, 'run.sh'), 0o755);
  writeFileSync(join(a.out, 'sub', 'inner.txt'), 'inner\n');
  symlinkSync('keep.txt', join(a.out, 'link'));
  symlinkSync('nowhere', join(a.out, 'dangling'));
  writeFileSync(join(a.sentinel, 's.txt'), 'sentinel\n');
  writeFileSync(join(a.elsewhere, 'e.txt'), 'elsewhere\n');
  return a;
}

export type CheckoutArgs = Omit<CheckoutOptions, 'backend'>;

/**
 * checkoutPackSync with the backend under test; without pathspecs, the files the pack
 * directory's manifest lists (as `xtest-pack checkout` does).
 */
export function runCheckout(options: CheckoutArgs): CheckoutResult {
  const manifest = options.pathspecs === undefined ? readExportManifest(options.objects) : undefined;
  return checkoutPackSync({ ...options, ...(manifest ? listedFiles(manifest) : {}), backend: getBackend() });
}

/** The command line of a checkout. */
export function checkoutArgv(o: CheckoutArgs, extra: string[] = []): string[] {
  return ['checkout', '--objects', o.objects, '--out', o.out, ...(o.force ? ['--force'] : []), ...extra, o.oid, ...(o.pathspecs?.length ? ['--', ...o.pathspecs] : [])];
}

/** Require `fn` to throw an XtestPackError with `code`; returns it. */
export function expectError(code: string, fn: () => unknown): XtestPackError {
  let result: unknown;
  try {
    result = fn();
  } catch (e) {
    assert.ok(e instanceof XtestPackError, `threw a ${e instanceof Error ? e.name : typeof e}, not an XtestPackError: ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    assert.doesNotMatch(e.message, /\n/, 'the message is one line');
    return e;
  }
  assert.fail(`expected ${code}, but it succeeded: ${JSON.stringify(result)}`);
}

/**
 * Check out `options` (its `out` defaults to the arena's) and require a refusal with `code`
 * whose message contains every string of `mentions`, through the library and then through
 * the command line (exit 1, one line on stderr; unless `cli` is false); the arena (output directory, its siblings,
 * the directory elsewhere and the pack directory) must be byte for byte as before each time.
 */
/**
 * `text` mentions `m`, or names (as a quoted path) a directory on the way to it: a hostile
 * directory entry is refused where the walk meets it, before the files below it.
 */
function mentioned(text: string, m: string): boolean {
  if (text.includes(m)) return true;
  for (let i = m.indexOf('/'); i > 0; i = m.indexOf('/', i + 1)) {
    if (text.includes(JSON.stringify(m.slice(0, i)))) return true;
  }
  return false;
}

export function expectRefusal(
  a: Arena,
  options: Omit<CheckoutArgs, 'out'> & { out?: string },
  code: string,
  mentions: readonly string[],
  { cli = true }: { cli?: boolean } = {},
): XtestPackError {
  const o: CheckoutArgs = { ...options, out: options.out ?? a.out };
  const before = snapshot(a.root);
  const e = expectError(code, () => runCheckout(o));
  for (const m of mentions) assert.ok(mentioned(e.message, m), `the message ${JSON.stringify(e.message)} does not mention ${JSON.stringify(m)}`);
  assert.deepEqual(snapshot(a.root), before, 'the library changed the file system while refusing');
  if (!cli) return e;
  const r = xtestPack(checkoutArgv(o));
  assert.equal(r.status, 1, `xtest-pack ${checkoutArgv(o).join(' ')} exited ${r.status}: ${r.stderr}`);
  assertOneLineError(r.stderr);
  for (const m of mentions) assert.ok(mentioned(r.stderr, m), `stderr ${JSON.stringify(r.stderr)} does not mention ${JSON.stringify(m)}`);
  assert.equal(r.stdout.length, 0, 'nothing on stdout');
  assert.deepEqual(snapshot(a.root), before, 'the command line changed the file system while refusing');
  return e;
}
