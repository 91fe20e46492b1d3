/** `xtest-pack fetch`: a package's test data from its git repository. */
import { resolve } from 'node:path';
import { XtestPackError } from '../errors.js';
import { hasPackageManifest } from '../fetch/package-source.js';
import { fetchTestData, type FetchProgress, type FetchTestDataOptions } from '../fetch/fetch-test-data.js';
import type { CommandContext } from './context.js';
import { progressFor } from './progress.js';

export interface FetchCommandOptions {
  package?: string;
  url?: string;
  rev?: string;
  out?: string;
  tar?: string;
  /** A byte count, `512M`, `2G` (see parseByteCount). */
  maxBytes?: string;
  threads?: number;
  json?: boolean;
  progress?: boolean;
}

/**
 * A byte count with an optional binary suffix: `1000000`, `512K`, `200M`, `2G`.
 * @throws USAGE for anything else, zero included.
 * @example
 *   parseByteCount('512M') === 512 * 2 ** 20
 */
export function parseByteCount(v: string): number {
  const m = /^(\d+)([KMGT]?)(?:i?B)?$/i.exec(v.trim());
  const n = m === null ? NaN : Number(m[1]) * 1024 ** ['', 'K', 'M', 'G', 'T'].indexOf(m[2]!.toUpperCase());
  if (m === null || !Number.isSafeInteger(n) || n <= 0) throw new XtestPackError('USAGE', `--max-bytes takes a positive number of bytes (e.g. 500M, 2G), not ${JSON.stringify(v)}`);
  return n;
}

/** fetch: write the test data of the package here (or of --url, --rev and pathspecs). */
export async function fetchCommand(ctx: CommandContext, pathspecs: string[], opts: FetchCommandOptions): Promise<void> {
  if (opts.threads !== undefined && opts.threads < 1) throw new XtestPackError('USAGE', '--threads takes 1 or more');
  const backend = await ctx.backend();
  // Default: the package here, when it has a manifest.
  const pkg = opts.package ?? (hasPackageManifest(ctx.cwd) ? ctx.cwd : undefined);
  const progress = progressFor(ctx.stderr, opts.progress);
  const receiving = receivingLine(ctx.stderr, opts.progress ?? ctx.stderr.isTTY === true);
  const options: FetchTestDataOptions = {
    package: pkg === undefined ? undefined : resolve(ctx.cwd, pkg),
    url: opts.url,
    rev: opts.rev,
    pathspecs,
    out: opts.out,
    tar: opts.tar,
    cwd: ctx.cwd,
    maxBytes: opts.maxBytes === undefined ? undefined : parseByteCount(opts.maxBytes),
    threads: opts.threads,
    backend,
    onProgress: (p: FetchProgress) => {
      if (p.phase === 'receiving') receiving.update(p.bytes, p.objects, p.requests);
      else {
        receiving.end();
        progress.update('Writing objects', p.done, p.total);
      }
    },
  };
  let r;
  try {
    r = await fetchTestData(options);
  } finally {
    receiving.end();
    progress.end();
  }
  for (const g of r.skippedGitlinks) ctx.stderr.write(`xtest-pack: warning: ${g}: a submodule (gitlink), not fetched\n`);
  if (opts.json) {
    ctx.stdout.write(
      `${JSON.stringify(
        {
          commit: r.commit,
          tree: r.tree,
          objectFormat: r.objectFormat,
          source: r.source,
          output: r.output,
          files: r.manifest.files.length,
          objects: r.objects,
          requests: r.requests,
          bytesReceived: r.bytesReceived,
          bytesSent: r.bytesSent,
          objectsReceived: r.objectsReceived,
          filter: r.filter ?? null,
          rounds: r.rounds,
          skippedGitlinks: r.skippedGitlinks,
          ms: Math.round(r.ms),
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  const from = r.source.kind === 'http' ? `${r.source.url} (${r.requests} requests, ${r.bytesReceived} bytes received)` : r.source.path;
  ctx.stdout.write(`fetched ${r.manifest.files.length} files of ${r.commit} from ${from}: ${r.objects} objects, ${r.output.size} bytes in ${r.output.path}\n`);
}

/** `Receiving: 1.2 MiB, 345 objects` on a terminal, redrawn at most every 100 ms. */
function receivingLine(stderr: { write(s: string): unknown }, enabled: boolean): { update(bytes: number, objects: number, requests: number): void; end(): void } {
  let last = 0;
  let shown = false;
  let line = '';
  return {
    update(bytes, objects, requests) {
      if (!enabled) return;
      line = `Receiving: ${mib(bytes)}, ${objects} objects, ${requests} requests`;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      stderr.write(`\r${line}\x1b[K`);
    },
    end() {
      if (!shown) return;
      stderr.write(`\r${line}, done.\x1b[K\n`);
      shown = false;
    },
  };
}

function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
