// Hostile packs in an arena (test/support/checkout-fs.ts): a hand-made tree (any names, modes,
// order; test/support/checkout-objects.ts) packed into the arena's pack directory, then a
// checkout that must be refused (leaving the arena as it was) or, for controls, accepted.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { getBackend } from '../../src/backend/index.js';
import type { CheckoutResult } from '../../src/checkout/checkout.js';
import type { XtestPackError } from '../../src/errors.js';
import type { ObjectFormat } from '../../src/pack/oid.js';
import { arena, expectRefusal, runCheckout, type Arena } from './checkout-fs.js';
import { handTree, writeHandPack, type HandTree, type Node } from './checkout-objects.js';

export interface Hostile extends HandTree {
  readonly arena: Arena;
}

/**
 * An arena whose pack directory holds the tree of `nodes` (and its commit); each tree's entries
 * in git's order unless `asGiven`.
 */
export function hostile(nodes: readonly Node[], format: ObjectFormat = 'sha1', into?: Arena, { asGiven = false }: { asGiven?: boolean } = {}): Hostile {
  const a = into ?? arena('xtest-pack-hostile-');
  const t = handTree(format, nodes, { asGiven });
  writeHandPack(a.packs, t.objects, getBackend(), format);
  return { ...t, arena: a };
}

/**
 * The tree of `nodes` must be refused with `code` (default UNSAFE_PATH), the message naming
 * every string of `mentions`, the arena untouched (library and command line).
 */
export function assertRefused(
  nodes: readonly Node[],
  mentions: readonly string[],
  options: { code?: string; format?: ObjectFormat; pathspecs?: string[]; force?: boolean; by?: 'commit' | 'tree'; cli?: boolean; asGiven?: boolean } = {},
): XtestPackError {
  const h = hostile(nodes, options.format ?? 'sha1', undefined, { asGiven: options.asGiven ?? false });
  const oid = options.by === 'tree' ? h.tree.hex : h.commit.hex;
  return expectRefusal(
    h.arena,
    { objects: h.arena.packs, oid, ...(options.pathspecs ? { pathspecs: options.pathspecs } : {}), ...(options.force ? { force: true } : {}) },
    options.code ?? 'UNSAFE_PATH',
    mentions,
    { cli: options.cli ?? true },
  );
}

/** Check out the tree of `nodes` (a control: it must be accepted) into a fresh arena. */
export function checkoutAccepted(nodes: readonly Node[], options: { pathspecs?: string[]; format?: ObjectFormat } = {}): { result: CheckoutResult; arena: Arena } {
  const h = hostile(nodes, options.format ?? 'sha1');
  const result = runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out: h.arena.out, ...(options.pathspecs ? { pathspecs: options.pathspecs } : {}) });
  return { result, arena: h.arena };
}

/** The file at `out/path` holds `content` (a regular file, not through a symlink). */
export function assertFile(out: string, path: string, content: string): void {
  const p = join(out, path);
  assert.ok(lstatSync(p).isFile(), `${path} is a regular file`);
  assert.equal(readFileSync(p, 'utf8'), content, path);
}

export function assertSymlink(out: string, path: string, target: string): void {
  const p = join(out, path);
  assert.ok(lstatSync(p).isSymbolicLink(), `${path} is a symlink`);
  assert.equal(readlinkSync(p, 'utf8'), target, path);
}

export function assertAbsent(out: string, path: string): void {
  assert.ok(!existsSync(join(out, path)) && !isLink(join(out, path)), `${path} does not exist`);
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
