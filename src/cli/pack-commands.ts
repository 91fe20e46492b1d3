/** `xtest-pack index-pack` and `xtest-pack verify`: the pack format commands. */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { openTestData, type OpenedTestData } from '../artifact/open.js';
import { XtestPackError, ioError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { openFileSource } from '../fs/file-source.js';
import { encodeIdx } from '../pack/idx/index.js';
import type { IndexProgress } from '../pack/index-pack.js';
import { toHex, type ObjectFormat } from '../pack/oid.js';
import type { ByteSource } from '../pack/source.js';
import { formatVerifyStat } from '../pack/verify.js';
import { indexPackCoreThreaded } from '../pack-node/index-pack-threads.js';
import { verifyPackThreaded } from '../pack-node/verify-threads.js';
import { EXIT_FAILURE, EXIT_OK, type CommandContext } from './context.js';
import { progressFor, type Progress } from './progress.js';

export interface IndexPackOptions {
  o?: string;
  indexVersion: string;
  objectFormat: ObjectFormat;
  /** false with --no-collision-detection. */
  collisionDetection: boolean;
  /** --threads: threads resolving deltas (0 or absent: the available cores, at most 3). */
  threads?: number;
  progress?: boolean;
}

export interface VerifyOptions {
  verbose?: boolean;
  statOnly?: boolean;
  objectFormat?: ObjectFormat;
  /** false with --no-collision-detection. */
  collisionDetection: boolean;
  /** --threads, as for index-pack. */
  threads?: number;
  progress?: boolean;
}

const onProgress = (p: Progress) => (e: IndexProgress) =>
  p.update(e.phase === 'indexing' ? 'Indexing objects' : 'Resolving deltas', e.done, e.total);

/** index-pack: write the idx of `pack`, print its checksum. */
export async function indexPackCommand(ctx: CommandContext, pack: string, opts: IndexPackOptions): Promise<void> {
  let out = opts.o;
  if (out === undefined) {
    if (!pack.endsWith('.pack')) {
      throw new XtestPackError('USAGE', `packfile name '${pack}' does not end with '.pack' (give -o)`);
    }
    out = pack.slice(0, -'.pack'.length) + '.idx';
  }
  const b = await ctx.backend();
  const progress = progressFor(ctx.stderr, opts.progress);
  const src = openFileSource(pack);
  try {
    const indexed = await indexPackCoreThreaded(src, b, {
      format: opts.objectFormat,
      collisionDetection: opts.collisionDetection,
      onProgress: onProgress(progress),
      threads: opts.threads ?? 0,
    });
    progress.end();
    const idx = encodeIdx(indexed, indexed.packChecksum, b, { version: opts.indexVersion === '1' ? 1 : 2 });
    writeFileAtomic(out, idx, 0o444);
    ctx.stdout.write(`${toHex(indexed.packChecksum)}\n`);
  } finally {
    src.close();
  }
}

/**
 * verify: check each pack against its idx; a pack directory or an artifact `.tar.gz` stands for
 * every pack it holds. Reports each failure itself; exit status 1 if any.
 */
export async function verifyCommand(ctx: CommandContext, names: string[], opts: VerifyOptions): Promise<number> {
  const b = await ctx.backend();
  let failed = false;
  const listing = opts.verbose === true || opts.statOnly === true;
  const one = async (packPath: string, idxPath: string, open: () => { pack: ByteSource & { close(): void }; idx: Uint8Array }) => {
    const progress = progressFor(ctx.stderr, opts.progress);
    try {
      const { pack, idx } = open();
      try {
        await verifyPackThreaded(pack, idx, b, {
          ...(opts.objectFormat ? { format: opts.objectFormat } : {}),
          idxName: basename(idxPath),
          collisionDetection: opts.collisionDetection,
          onProgress: onProgress(progress),
          threads: opts.threads ?? 0,
          // As git: the listing comes from the pack, before the idx is compared with it.
          ...(listing
            ? {
                onIndexed: (indexed) => {
                  progress.end();
                  ctx.stdout.write(formatVerifyStat(indexed, opts.statOnly === true));
                },
              }
            : {}),
        });
        progress.end();
        if (opts.verbose && !opts.statOnly) ctx.stdout.write(`${packPath}: ok\n`);
      } finally {
        pack.close();
      }
    } catch (e) {
      progress.end();
      if (!(e instanceof XtestPackError)) throw e;
      ctx.stderr.write(`xtest-pack: ${e.message}\n`);
      if (opts.verbose || opts.statOnly) ctx.stdout.write(`${packPath}: bad\n`);
      failed = true;
    }
  };
  for (const name of names) {
    if (!isTestData(name)) {
      const base = name.endsWith('.idx') ? name.slice(0, -4) : name.endsWith('.pack') ? name.slice(0, -5) : name;
      await one(`${base}.pack`, `${base}.idx`, () => ({ idx: readBytes(`${base}.idx`), pack: openFileSource(`${base}.pack`) }));
      continue;
    }
    let data: OpenedTestData;
    try {
      data = openTestData(name, b);
    } catch (e) {
      if (!(e instanceof XtestPackError)) throw e;
      ctx.stderr.write(`xtest-pack: ${e.message}\n`);
      failed = true;
      continue;
    }
    try {
      for (const p of data.packs) {
        await one(p.pack, p.idx, () => {
          const pack = data.storage.openSource(p.packPath);
          const idx = data.storage.readFile(p.idxPath);
          if (!pack || !idx) throw new XtestPackError('IO', 'vanished while being read', { file: p.pack });
          return { pack, idx };
        });
      }
    } finally {
      data.close();
    }
  }
  return failed ? EXIT_FAILURE : EXIT_OK;
}

/** A pack directory or an artifact, rather than a pack's name without its suffix. */
function isTestData(name: string): boolean {
  const st = statSync(name, { throwIfNoEntry: false });
  return st !== undefined && (st.isDirectory() || /\.(tar\.gz|tgz)$/.test(name));
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw ioError(e, { file: path }, 'read');
  }
}
