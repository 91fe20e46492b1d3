/**
 * The `xtest-pack` command line: a thin layer that parses arguments, calls one library
 * function and formats its result. Errors become one line `xtest-pack: <message>` on stderr.
 *
 * Each command is one block in `createProgram`: its name, arguments and options, and an action
 * that imports the command's implementation (src/cli/*-command(s).ts) when that command runs.
 * Starting the program loads commander and this file only; the library code a command needs,
 * and the backend it runs (`--backend`), are loaded by that command.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { backendName, loadBackend } from '../backend/select.js';
import type { Backend } from '../backend/types.js';
import { XtestPackError, systemError } from '../errors.js';
import type { CheckoutCommandOptions } from './checkout-command.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CommandContext } from './context.js';
import type { ExportCommandOptions, RepackCommandOptions } from './export-commands.js';
import type { FetchCommandOptions } from './fetch-command.js';
import type { CatFileOptions, LsTreeOptions, WhereOptions } from './odb-commands.js';
import type { IndexPackOptions, VerifyOptions } from './pack-commands.js';
import type { ManifestCommandOptions, PackageTestCommandOptions, PackCommandOptions, StatusCommandOptions } from './harness-commands.js';

export interface CliIo {
  stdout: { write(s: string | Uint8Array): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  /** Standard input, given whole (tests); by default commands read file descriptor 0. */
  stdin?: Uint8Array;
  env: NodeJS.ProcessEnv;
  /** The directory repositories are discovered from (default: process.cwd()). */
  cwd?: string;
}

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './context.js';

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
  backend?: string | undefined;
  debug?: boolean;
}

/** --backend: of the program, and of each command. */
function backendOption(): Option {
  return new Option('--backend <name>', 'zlib and hash implementation (default: $XTEST_PACK_BACKEND, else node)').choices(['node', 'portable']);
}

/** A whole number option value. */
function positiveInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new XtestPackError('USAGE', `${name} takes a whole number, not ${JSON.stringify(v)}`);
    return Number(v);
  };
}

/**
 * Whether `--batch` or `--batch-check` took its format from the next argument (`--batch fmt`):
 * git takes a format only as `--batch=fmt`, and refuses the other as an argument.
 */
function batchArgumentTaken(command: Command): boolean {
  const raw = (command.parent as { rawArgs?: string[] } | null)?.rawArgs ?? [];
  return raw.some((a, i) => (a === '--batch' || a === '--batch-check') && i + 1 < raw.length && !raw[i + 1]!.startsWith('-'));
}

const THREADS_HELP = 'threads that search deltas and compress, this one included (default: $XTEST_PACK_THREADS, else one per CPU, up to 8, for 24 MiB of objects or more); the pack is the same for any number';

/** `--repo` and `--objects`: where the object-database commands read. */
function withWhere(cmd: Command): Command {
  return cmd
    .option('--repo <path>', 'the repository (default: found from the current directory)')
    .option('--objects <dir>', 'a bare pack directory or test-data .tar.gz instead of a repository (default: $XTEST_PACK_OBJECTS)');
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
    .addOption(backendOption())
    .option('--debug', 'print stack traces of errors')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .showHelpAfterError(false);

  let backend: Promise<Backend> | undefined;
  /** --backend and --debug, given before the command or after it. */
  const chosen: GlobalOptions = {};
  const ctx: CommandContext = {
    stdout: io.stdout,
    stderr: io.stderr,
    stdin: io.stdin,
    env: io.env,
    cwd: io.cwd ?? process.cwd(),
    backend: () => (backend ??= loadBackend(chosen.backend ?? (io.env['XTEST_PACK_BACKEND'] || undefined))),
  };
  /** The exit status the command that ran asked for (it reported its own errors). */
  let status = EXIT_OK;
  const exit = (code: number | void): void => {
    status = code ?? EXIT_OK;
  };

  // Authors' and packagers' commands first, then git's plumbing (the order of --help).
  program
    .command('manifest')
    .helpGroup("For authors (in the package's git work tree):")
    .description('write xtest-pack.json at the package root, naming the commit and paths of its test data (run it in prepack)')
    .option('--allow-dirty', 'write it even when listed files have uncommitted changes (marked dirty)')
    .option('--if-git', 'do nothing, silently, outside a git work tree')
    .option('--json', 'print the manifest')
    .action(async (opts: ManifestCommandOptions) => exit(await (await import('./harness-commands.js')).manifestCommand(ctx, opts)));

  program
    .command('pack')
    .helpGroup("For authors (in the package's git work tree):")
    .description("write the package's test-data artifact NAME-VERSION.xtest-pack.tar.gz (or a pack directory), to attach to a release")
    .option('--out <dir>', 'write a pack directory (new or empty) instead of a .tar.gz')
    .option('--tar <file>', 'where to write the .tar.gz (default: node_modules/.cache/xtest-pack/ at the package root, which npm never publishes)')
    .option('--version <version>', "the version in the artifact's name (default: package.json's; for releases whose version is set at publish time)")
    .option('--json', 'print what was written')
    .action(async (opts: PackCommandOptions) => exit(await (await import('./harness-commands.js')).packCommand(ctx, opts)));

  program
    .command('package-test')
    .helpGroup("For authors (in the package's git work tree):")
    .description('npm pack (or take a published tarball), unpack where no git is, and run the tests there from the test data alone')
    .argument('[command...]', 'the test command, after -- (default: npm test)')
    .option('--tarball <file.tgz>', "test this published npm tarball instead of packing the work tree (node_modules from the current directory's)")
    .option('--objects <path>', 'test data to use (default: built from this repository)')
    .option('--fetch', "fetch the test data from the package's repository (xtest-pack fetch)")
    .option('--keep', 'keep the temporary directory')
    .action(async (command: string[], opts: PackageTestCommandOptions) =>
      exit(await (await import('./harness-commands.js')).packageTestCommand(ctx, command, opts)),
    );

  program
    .command('status')
    .helpGroup('For packagers (in the unpacked package, offline):')
    .description('where the tests will take their data from, and in pack mode a check of the data (exit 1 when absent or damaged; 77 when absent and skipped)')
    .option('--verify', 'read and verify every file of the test data too')
    .option('--json', 'print the status as JSON')
    .action(async (opts: StatusCommandOptions) => exit(await (await import('./harness-commands.js')).statusCommand(ctx, opts)));

  program
    .command('checkout')
    .helpGroup('For packagers (in the unpacked package, offline):')
    .description('write the test data from a pack directory or artifact, every object verified (without <oid>: what the package manifest here names, into the package)')
    .argument('[oid]', 'a commit, annotated tag or tree: full or abbreviated id (default: the package manifest\'s commit)')
    .argument('[pathspec...]', 'what to write (default: the manifest\'s paths, or the whole tree)')
    .option('--objects <path>', 'the pack directory or artifact .tar.gz (default: $XTEST_PACK_OBJECTS)')
    .option('--out <dir>', 'where to write (default: the package root without <oid>, else the current directory)')
    .option('--force', 'replace existing files whose content differs')
    .option('--json', 'print what was written as one JSON document')
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .action(async (oid: string | undefined, pathspecs: string[], opts: CheckoutCommandOptions) =>
      exit(await (await import('./checkout-command.js')).checkoutCommand(ctx, oid, pathspecs, opts)),
    );

  program
    .command('fetch')
    .description("packager: fetch a package's test data from its git repository (git protocol v2 over HTTPS, or a local repository), byte for byte the artifact its author's pack writes")
    .argument('[pathspec...]', "what to fetch (default: the package manifest's paths); relative to the package, or with no package to the repository's root")
    .option('--package <dir|file.tgz>', 'the package: a directory or an npm tarball, read in place (default: the current directory when it has xtest-pack.json)')
    .option('--url <repository>', "the repository: https://…, npm's forms (github:owner/repo, owner/repo, git+https://…), a local path or file:// URL (default: the manifest's, or package.json's)")
    .option('--rev <commit>', "the commit, a full id (default: the package manifest's; for a package without one, e.g. npm's gitHead)")
    .option('--out <dir>', 'write a pack directory (new or empty)')
    .option('--tar <file>', "write the artifact .tar.gz here (default with a package: NAME-VERSION.xtest-pack.tar.gz in the current directory)")
    .option('--max-bytes <n>', 'abort when more than this was received (suffixes K, M, G; default 1G)')
    .option('--threads <n>', THREADS_HELP, positiveInt('--threads'))
    .option('--json', 'print requests made, bytes received, objects and time as one JSON document')
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .action(async (pathspecs: string[], opts: FetchCommandOptions) => exit(await (await import('./fetch-command.js')).fetchCommand(ctx, pathspecs, opts)));

  program
    .command('export')
    .helpGroup('Plumbing (as git does it):')
    .description('write a pack directory with one commit and exactly the files the pathspecs select (plumbing of pack)')
    .argument('<pathspec...>', 'files, directories (everything below), or globs (*, ?, [...], **)')
    .requiredOption('--out <dir>', 'the pack directory to write (created if needed)')
    .option('--repo <path>', 'the repository (default: found from the current directory)')
    .option('--rev <rev>', 'the commit to export', 'HEAD')
    .option('--allow-dirty', 'export even when selected files have uncommitted changes')
    .option('--no-delta', 'write every object whole')
    .option('--window <n>', 'objects each is compared with for deltas', positiveInt('--window'), 10)
    .option('--depth <n>', 'longest delta chain', positiveInt('--depth'), 50)
    .addOption(new Option('--compression <level>', 'zlib level 0-9').argParser(positiveInt('--compression')))
    .option('--threads <n>', THREADS_HELP, positiveInt('--threads'))
    .option('--json', 'print the result as one JSON document')
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .action(async (pathspecs: string[], opts: ExportCommandOptions) => exit(await (await import('./export-commands.js')).exportCommand(ctx, pathspecs, opts)));

  program
    .command('repack')
    .helpGroup('Plumbing (as git does it):')
    .description('merge the packs of a pack directory into one deterministic pack')
    .argument('<dir>', 'the pack directory')
    .option('--no-delta', 'write every object whole')
    .option('--window <n>', 'objects each is compared with for deltas', positiveInt('--window'), 10)
    .option('--depth <n>', 'longest delta chain', positiveInt('--depth'), 50)
    .option('--threads <n>', THREADS_HELP, positiveInt('--threads'))
    .action(async (dir: string, opts: RepackCommandOptions) => exit(await (await import('./export-commands.js')).repackCommand(ctx, dir, opts)));

  program
    .command('verify')
    .helpGroup('Plumbing (as git does it):')
    .description('check packs against their idx, as git verify-pack')
    .argument('<pack-or-idx...>', '.pack or .idx files (or their common name without suffix), pack directories, artifact .tar.gz files')
    .option('-v, --verbose', 'list every object and the delta chain histogram, as git verify-pack -v')
    .option('-s, --stat-only', 'only the histogram')
    .addOption(new Option('--object-format <format>', 'hash of the object ids (default: inferred from the idx)').choices(['sha1', 'sha256']))
    .option('--no-collision-detection', 'skip the search for SHA-1 collision attacks in object ids (faster; only for packs from a trusted origin)')
    .option('--threads <n>', 'threads resolving deltas (default 0: the available cores, at most 3; 1: no worker threads)', positiveInt('--threads'))
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .action(async (names: string[], opts: VerifyOptions) => exit(await (await import('./pack-commands.js')).verifyCommand(ctx, names, opts)));

  program
    .command('index-pack')
    .helpGroup('Plumbing (as git does it):')
    .description('write the .idx of a pack, as git index-pack; prints the pack checksum')
    .argument('<pack>', 'the .pack file')
    .option('-o <idx>', 'where to write the idx (default: <pack> with .idx for .pack)')
    .addOption(new Option('--index-version <n>', 'idx version').choices(['1', '2']).default('2'))
    .addOption(new Option('--object-format <format>', 'hash of the object ids').choices(['sha1', 'sha256']).default('sha1'))
    .option('--no-collision-detection', 'skip the search for SHA-1 collision attacks in object ids (faster; only for packs from a trusted origin)')
    .option('--threads <n>', 'threads resolving deltas (default 0: the available cores, at most 3; 1: no worker threads)', positiveInt('--threads'))
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .action(async (pack: string, opts: IndexPackOptions) => exit(await (await import('./pack-commands.js')).indexPackCommand(ctx, pack, opts)));

  withWhere(
    program
      .command('rev-parse')
      .helpGroup('Plumbing (as git does it):')
      .description('print the object id each revision names, as git rev-parse')
      .argument('<rev...>', 'revisions: ids, abbreviations, refs, HEAD, <rev>~N, <rev>^N, <rev>^{type}, <rev>:<path>'),
  ).action(async (revs: string[], opts: WhereOptions) => exit(await (await import('./odb-commands.js')).revParseCommand(ctx, revs, opts)));

  withWhere(
    program
      .command('cat-file')
      .helpGroup('Plumbing (as git does it):')
      .description('print an object, its type or size, as git cat-file; or, with --batch, many objects')
      .usage('(-t | -s | -e | -p | <type>) <object>\n       (--batch[=<format>] | --batch-check[=<format>]) [--batch-all-objects [--unordered]] [--buffer] [-z]')
      .argument('[type-or-object]', 'a type (commit, tree, blob, tag) followed by the object, or the object with -t/-s/-e/-p')
      .argument('[object]')
      .option('-t', 'the object type')
      .option('-s', 'the object size')
      .option('-e', 'exit 0 when the object exists and is valid, 1 otherwise, printing nothing')
      .option('-p', 'pretty-print the object')
      .option('--batch [format]', 'for each object named on stdin: a line in the format, the contents and a newline')
      .option('--batch-check [format]', 'for each object named on stdin: a line in the format (default "%(objectname) %(objecttype) %(objectsize)")')
      .option('--batch-all-objects', 'every object of the repository and its alternates instead of stdin, sorted by id')
      .option('--unordered', 'with --batch-all-objects: loose objects, then each pack in pack order (faster with --batch)')
      .option('--buffer', 'accepted for git: the output is always buffered (and flushed when stdin has been read up to what it holds)')
      .option('-z', 'stdin names end with NUL, not newline')
      .option('--verify', 'with a batch mode: hash every object read and compare with its id (git cat-file does not)')
      .option('--no-collision-detection', 'with --verify: plain SHA-1, without collision detection'),
  ).action(async (first: string | undefined, second: string | undefined, opts: CatFileOptions, command: Command) =>
    exit(await (await import('./odb-commands.js')).catFileCommand(ctx, first, second, opts, batchArgumentTaken(command))),
  );

  withWhere(
    program
      .command('ls-tree')
      .helpGroup('Plumbing (as git does it):')
      .description('list the entries of a tree, as git ls-tree')
      .argument('<tree-ish>', 'a tree, or a commit or tag that leads to one')
      .argument('[path...]', 'only these paths (literal, as git ls-tree)')
      .option('-r', 'recurse into subtrees')
      .option('-t', 'show trees when recursing')
      .option('-d', 'only trees')
      .option('--name-only', 'only the paths')
      .option('--name-status', 'same as --name-only')
      .option('-z', 'NUL-terminate lines and do not quote paths')
      .option('--full-name', 'print paths from the top of the repository, not relative to the current directory'),
  ).action(async (treeish: string, paths: string[], opts: LsTreeOptions) => exit(await (await import('./odb-commands.js')).lsTreeCommand(ctx, treeish, paths, opts)));

  // Program options are read before the command's name only (so that `pack --version <v>` is
  // pack's); --backend and --debug are each command's too, so that they may come after it.
  program.enablePositionalOptions();
  for (const c of program.commands) {
    c.addOption(backendOption()).option('--debug', 'print stack traces of errors');
  }
  program.hook('preAction', (root, command) => {
    const r = root.opts() as GlobalOptions;
    const c = command.opts() as GlobalOptions;
    chosen.backend = c.backend ?? r.backend;
    chosen.debug = c.debug === true || r.debug === true;
  });

  return {
    program,
    async run(argv: string[]): Promise<number> {
      program.version(versionLine(backendArgument(argv) ?? io.env['XTEST_PACK_BACKEND']), '-V, --version', 'print the version and the backend in use');
      try {
        await program.parseAsync(argv, { from: 'user' });
        return status;
      } catch (e) {
        return handleError(e, io, chosen.debug === true || argv.includes('--debug'));
      }
    },
  };
}

function handleError(e: unknown, io: CliIo, debug: boolean): number {
  if (e instanceof CommanderError) {
    // Help asked for and the version exit 0 (commander has printed them); help shown because
    // the command was missing is a usage error.
    return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (e instanceof XtestPackError) {
    io.stderr.write(`xtest-pack: ${e.message}\n`);
    if (debug && e.stack) io.stderr.write(`${e.stack}\n`);
    return e.code === 'USAGE' ? EXIT_USAGE : EXIT_FAILURE;
  }
  const sys = systemError(e);
  if (sys) {
    io.stderr.write(`xtest-pack: ${sys.message}\n`);
    if (debug && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return EXIT_FAILURE;
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

/** The version line; it names the backend without loading it. */
function versionLine(name: string | undefined): string {
  let backend: string;
  try {
    backend = backendName(name || undefined);
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
