/**
 * The `xtest-pack` command line: a thin layer that parses arguments, calls one library
 * function and formats its result. Errors become one line `xtest-pack: <message>` on stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { getBackend, type Backend } from '../backend/index.js';
import { XtestPackError } from '../errors.js';
import { openFileSource } from '../fs/file-source.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { encodeIdx } from '../pack/idx.js';
import { indexPack, type IndexProgress } from '../pack/index-pack.js';
import { toHex, type ObjectFormat } from '../pack/oid.js';
import { formatVerifyStat, verifyPack } from '../pack/verify.js';
import { addCheckoutCommand } from './checkout-command.js';
import { addExportCommands } from './export-commands.js';
import { addOdbCommands, SilentExit } from './odb-commands.js';
import { createProgress, type Progress } from './progress.js';
import { addTestdataCommands } from './testdata-commands.js';

export interface CliIo {
  stdout: { write(s: string | Uint8Array): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** The directory repositories are discovered from (default: process.cwd()). */
  cwd?: string;
}

/** Exit codes, as git and autopkgtest read them. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The package version, read from the package.json this file ships in. */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

interface GlobalOptions {
  backend?: string;
  debug?: boolean;
}

/**
 * Build the program; `run(argv)` parses and returns the exit code.
 * @example
 *   const code = await createProgram({ stdout: process.stdout, stderr: process.stderr, env: process.env }).run(process.argv.slice(2));
 */
export function createProgram(io: CliIo): { program: Command; run(argv: string[]): Promise<number> } {
  const program = new Command('xtest-pack');
  program
    .description('Ship test fixtures as a verified git pack; read, index and verify packs without git.')
    .option('--backend <name>', 'zlib and hash implementation: node or portable (default: $XTEST_PACK_BACKEND, else node)')
    .option('--debug', 'print stack traces of errors')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .showHelpAfterError(false);

  const backend = (): Backend => getBackend((program.opts() as GlobalOptions).backend ?? (io.env['XTEST_PACK_BACKEND'] || undefined));
  const progressFor = (opt: boolean | undefined): Progress =>
    createProgress(io.stderr, opt ?? io.stderr.isTTY === true);
  const onProgress = (p: Progress) => (e: IndexProgress) =>
    p.update(e.phase === 'indexing' ? 'Indexing objects' : 'Resolving deltas', e.done, e.total);

  program
    .command('index-pack')
    .description('write the .idx of a pack, as git index-pack; prints the pack checksum')
    .argument('<pack>', 'the .pack file')
    .option('-o <idx>', 'where to write the idx (default: <pack> with .idx for .pack)')
    .addOption(new Option('--index-version <n>', 'idx version').choices(['1', '2']).default('2'))
    .addOption(new Option('--object-format <format>', 'hash of the object ids').choices(['sha1', 'sha256']).default('sha1'))
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .action((pack: string, opts: { o?: string; indexVersion: string; objectFormat: ObjectFormat; progress?: boolean }) => {
      let out = opts.o;
      if (out === undefined) {
        if (!pack.endsWith('.pack')) {
          throw new XtestPackError('INVALID_ARGUMENT', `packfile name '${pack}' does not end with '.pack' (give -o)`);
        }
        out = pack.slice(0, -'.pack'.length) + '.idx';
      }
      const b = backend();
      const progress = progressFor(opts.progress);
      const src = openFileSource(pack);
      try {
        const indexed = indexPack(src, b, { format: opts.objectFormat, onProgress: onProgress(progress) });
        progress.end();
        const idx = encodeIdx(indexed, indexed.packChecksum, b, { version: opts.indexVersion === '1' ? 1 : 2 });
        writeFileAtomic(out, idx, 0o444);
        io.stdout.write(`${toHex(indexed.packChecksum)}\n`);
      } finally {
        src.close();
      }
    });

  program
    .command('verify')
    .description('check packs against their idx, as git verify-pack')
    .argument('<pack-or-idx...>', '.pack or .idx files (or their common name without suffix)')
    .option('-v, --verbose', 'list every object and the delta chain histogram, as git verify-pack -v')
    .option('-s, --stat-only', 'only the histogram')
    .addOption(new Option('--object-format <format>', 'hash of the object ids (default: inferred from the idx)').choices(['sha1', 'sha256']))
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .action((names: string[], opts: { verbose?: boolean; statOnly?: boolean; objectFormat?: ObjectFormat; progress?: boolean }) => {
      const b = backend();
      let failed = false;
      for (const name of names) {
        const base = name.endsWith('.idx') ? name.slice(0, -4) : name.endsWith('.pack') ? name.slice(0, -5) : name;
        const packPath = `${base}.pack`;
        const idxPath = `${base}.idx`;
        const progress = progressFor(opts.progress);
        try {
          const idxBytes = readBytes(idxPath);
          const src = openFileSource(packPath);
          try {
            verifyPack(src, idxBytes, b, {
              ...(opts.objectFormat ? { format: opts.objectFormat } : {}),
              idxName: basename(idxPath),
              onProgress: onProgress(progress),
              // As git: the listing comes from the pack, before the idx is compared with it.
              onIndexed: (indexed) => {
                progress.end();
                if (opts.verbose || opts.statOnly) io.stdout.write(formatVerifyStat(indexed, opts.statOnly === true));
              },
            });
            if (opts.verbose && !opts.statOnly) io.stdout.write(`${packPath}: ok\n`);
          } finally {
            src.close();
          }
        } catch (e) {
          progress.end();
          if (!(e instanceof XtestPackError)) throw e;
          io.stderr.write(`xtest-pack: ${e.message}\n`);
          if (opts.verbose || opts.statOnly) io.stdout.write(`${packPath}: bad\n`);
          failed = true;
        }
      }
      if (failed) throw new ExitCode(EXIT_FAILURE);
    });

  addOdbCommands(program, { stdout: io.stdout, env: io.env, cwd: io.cwd ?? process.cwd(), backend });
  addExportCommands(program, { stdout: io.stdout, stderr: io.stderr, cwd: io.cwd ?? process.cwd(), backend, progressFor });
  addCheckoutCommand(program, { stdout: io.stdout, stderr: io.stderr, env: io.env, cwd: io.cwd ?? process.cwd(), backend, progressFor });
  addTestdataCommands(program, { stdout: io.stdout, stderr: io.stderr, env: io.env, cwd: io.cwd ?? process.cwd(), backend });

  return {
    program,
    async run(argv: string[]): Promise<number> {
      program.version(versionLine(backendArgument(argv) ?? io.env['XTEST_PACK_BACKEND']), '-V, --version', 'print the version and the backend in use');
      try {
        await program.parseAsync(argv, { from: 'user' });
        return EXIT_OK;
      } catch (e) {
        return handleError(e, io, (program.opts() as GlobalOptions).debug === true || argv.includes('--debug'));
      }
    },
  };
}

/** Thrown by an action to end with a given code after it has reported its own errors. */
class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function handleError(e: unknown, io: CliIo, debug: boolean): number {
  if (e instanceof ExitCode || e instanceof SilentExit) return e.code;
  if (e instanceof CommanderError) {
    // Help asked for and the version exit 0 (commander has printed them); help shown because
    // the command was missing is a usage error.
    return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (e instanceof XtestPackError) {
    io.stderr.write(`xtest-pack: ${e.message}\n`);
    if (debug && e.stack) io.stderr.write(`${e.stack}\n`);
    return e.code === 'INVALID_ARGUMENT' ? EXIT_USAGE : EXIT_FAILURE;
  }
  io.stderr.write(`xtest-pack: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  if (debug && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return EXIT_FAILURE;
}

/** The value of a global `--backend` before the command, if any (for the version line). */
function backendArgument(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--backend') return argv[i + 1];
    if (a.startsWith('--backend=')) return a.slice('--backend='.length);
    if (!a.startsWith('-')) return undefined;
  }
  return undefined;
}

function versionLine(name: string | undefined): string {
  let backend: string;
  try {
    backend = getBackend(name || undefined).name;
  } catch (e) {
    backend = e instanceof Error ? e.message : String(e);
  }
  const detail =
    backend === 'node'
      ? `node:zlib ${process.versions.zlib}, node:crypto OpenSSL ${process.versions.openssl}`
      : backend === 'portable'
        ? 'pako, @noble/hashes'
        : 'unavailable';
  return `xtest-pack ${packageVersion()} (backend: ${backend}: ${detail}; node ${process.versions.node})`;
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new XtestPackError('IO', `cannot read: ${(e as Error).message}`, { file: path, cause: e });
  }
}
