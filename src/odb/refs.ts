/**
 * References in the files backend (gitrepository-layout(5), git's refs/files-backend.c):
 * loose refs (`<hex>` or `ref: <target>`), `packed-refs` with peeled `^<hex>` lines, symbolic
 * refs followed up to git's depth of 5, per-worktree refs in a linked work tree's own git
 * directory, and git's order for short names.
 */
import { XtestPackError } from '../errors.js';
import { fromHex, hashLength, type ObjectFormat } from '../pack/oid.js';
import { joinPath, type Storage } from '../fs/storage.js';

/** git's SYMREF_MAXDEPTH. */
const MAX_SYMREF_DEPTH = 5;

/** git's ref_rev_parse_rules: how a short name is looked up, in order. */
export const REF_RULES: readonly ((name: string) => string)[] = [
  (n) => n,
  (n) => `refs/${n}`,
  (n) => `refs/tags/${n}`,
  (n) => `refs/heads/${n}`,
  (n) => `refs/remotes/${n}`,
  (n) => `refs/remotes/${n}/HEAD`,
];

export interface ResolvedRef {
  /** The full name the lookup ended at (after symbolic refs). */
  readonly name: string;
  readonly oid: Uint8Array;
  /** The peeled id from packed-refs, when recorded there. */
  readonly peeled: Uint8Array | undefined;
}

interface PackedRef {
  oid: Uint8Array;
  peeled: Uint8Array | undefined;
}

export class RefStore {
  readonly gitDir: string;
  readonly commonDir: string;
  readonly format: ObjectFormat;
  readonly #storage: Storage;
  #packed: Map<string, PackedRef> | undefined;

  constructor(gitDir: string, commonDir: string, storage: Storage, format: ObjectFormat) {
    this.gitDir = gitDir;
    this.commonDir = commonDir;
    this.#storage = storage;
    this.format = format;
  }

  /** Which directory holds `name`: per-worktree refs live in the worktree's own git dir. */
  #dirFor(name: string): string {
    const perWorktree =
      !name.startsWith('refs/') ||
      name.startsWith('refs/bisect/') ||
      name.startsWith('refs/worktree/') ||
      name.startsWith('refs/rewritten/');
    return perWorktree ? this.gitDir : this.commonDir;
  }

  /**
   * Resolve a full ref name through symbolic refs; `undefined` when it does not exist.
   * @throws REF_CORRUPT for unreadable contents, a symbolic-ref loop or a chain deeper than 5.
   * @example
   *   refs.resolve('HEAD')?.name // 'refs/heads/main'
   */
  resolve(name: string): ResolvedRef | undefined {
    let cur = name;
    for (let depth = 0; depth < MAX_SYMREF_DEPTH; depth++) {
      if (!isValidRefName(cur)) return undefined;
      const path = joinPath(this.#dirFor(cur), cur);
      const kind = this.#storage.kind(path);
      const raw = kind === 'file' ? this.#storage.readFile(path) : undefined;
      if (raw !== undefined) {
        const text = new TextDecoder().decode(raw);
        const sym = /^ref:\s*(\S+)\s*$/.exec(text);
        if (sym) {
          cur = sym[1]!;
          continue;
        }
        const oid = this.#parseOid(text.trim());
        if (!oid) throw new XtestPackError('REF_CORRUPT', `ref ${cur} holds neither an id nor "ref: <name>"`, { file: path });
        return { name: cur, oid, peeled: undefined };
      }
      const packed = this.#packedRefs().get(cur);
      if (packed) return { name: cur, oid: packed.oid, peeled: packed.peeled };
      return undefined;
    }
    throw new XtestPackError('REF_CORRUPT', `symbolic ref ${name} loops or nests deeper than ${MAX_SYMREF_DEPTH}`);
  }

  /** The name a symbolic ref points at (one step), or undefined when `name` is not symbolic. */
  symbolicTarget(name: string): string | undefined {
    const raw = this.#storage.readFile(joinPath(this.#dirFor(name), name));
    if (raw === undefined) return undefined;
    return /^ref:\s*(\S+)\s*$/.exec(new TextDecoder().decode(raw))?.[1];
  }

  /**
   * Look up a short name by git's rules; all full names that exist, first the one git uses.
   * @example
   *   refs.dwim('main') // [{ name: 'refs/heads/main', ... }]
   */
  dwim(short: string): ResolvedRef[] {
    const found: ResolvedRef[] = [];
    for (const rule of REF_RULES) {
      const full = rule(short);
      // The bare rule reaches only refs/... and root refs such as HEAD or FETCH_HEAD.
      if (full === short && !short.startsWith('refs/') && !/^[A-Z_-]+$/.test(short)) continue;
      const r = this.resolve(full);
      if (r) found.push({ ...r, name: full });
    }
    return found;
  }

  /** Every ref under refs/ (loose and packed, loose winning), sorted by name, resolved. */
  list(): { name: string; oid: Uint8Array; peeled: Uint8Array | undefined }[] {
    const names = new Set<string>(this.#packedRefs().keys());
    const walk = (dir: string, prefix: string) => {
      for (const n of this.#storage.readDir(dir) ?? []) {
        const p = joinPath(dir, n);
        const kind = this.#storage.kind(p);
        if (kind === 'dir') walk(p, `${prefix}${n}/`);
        else if (kind === 'file' && !n.endsWith('.lock')) names.add(`${prefix}${n}`);
      }
    };
    walk(joinPath(this.commonDir, 'refs'), 'refs/');
    if (this.gitDir !== this.commonDir) {
      for (const sub of ['bisect', 'worktree', 'rewritten']) walk(joinPath(this.gitDir, 'refs', sub), `refs/${sub}/`);
    }
    const out: { name: string; oid: Uint8Array; peeled: Uint8Array | undefined }[] = [];
    for (const name of [...names].sort()) {
      const r = this.resolve(name);
      if (r) out.push({ name, oid: r.oid, peeled: r.peeled });
    }
    return out;
  }

  #parseOid(hex: string): Uint8Array | undefined {
    if (hex.length !== hashLength(this.format) * 2 || !/^[0-9a-f]+$/.test(hex)) return undefined;
    return fromHex(hex);
  }

  #packedRefs(): Map<string, PackedRef> {
    if (this.#packed) return this.#packed;
    const m = new Map<string, PackedRef>();
    const path = joinPath(this.commonDir, 'packed-refs');
    const raw = this.#storage.readFile(path);
    if (raw !== undefined) {
      const lines = new TextDecoder().decode(raw).split('\n');
      let last: PackedRef | undefined;
      lines.forEach((line, i) => {
        const fail = (): never => {
          throw new XtestPackError('REF_CORRUPT', `packed-refs line ${i + 1}: unexpected ${JSON.stringify(line.slice(0, 80))}`, {
            file: path,
          });
        };
        if (line === '' && i === lines.length - 1) return;
        if (line.startsWith('#')) {
          if (i === 0) return;
          return fail();
        }
        if (line.startsWith('^')) {
          const peeled = this.#parseOid(line.slice(1));
          if (!peeled || !last) return fail();
          last.peeled = peeled;
          last = undefined;
          return;
        }
        const sp = line.indexOf(' ');
        const oid = sp > 0 ? this.#parseOid(line.slice(0, sp)) : undefined;
        const name = line.slice(sp + 1);
        if (!oid || !isValidRefName(name)) return fail();
        last = { oid, peeled: undefined };
        m.set(name, last);
      });
    }
    this.#packed = m;
    return m;
  }
}

/**
 * The parts of git's check_refname_format that keep a name inside the refs namespace:
 * no `..`, no component starting with `.` or ending with `.lock`, no control characters,
 * spaces, `~^:?*[\`, no `@{`, not empty, no leading or trailing or doubled `/`.
 */
export function isValidRefName(name: string): boolean {
  if (name === '' || name === '@' || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  if (name.includes('..') || name.includes('//') || name.includes('@{')) return false;
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  return name.split('/').every((c) => c !== '' && !c.startsWith('.') && !c.endsWith('.lock'));
}
