/** `xtest-pack manifest`, `pack`, `package-test` and `status`: the test-data workflow. */
import type { Command } from 'commander';
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { status } from '../testdata/helper.js';
import { encodePackageManifest } from '../testdata/package-manifest.js';
import { findPackageRoot } from '../testdata/package.js';
import { packageTest } from '../testdata/package-test.js';
import { buildArtifact, writePackageManifest } from '../testdata/publish.js';
import { SilentExit } from './odb-commands.js';

/** autopkgtest's code for "skipped". */
export const EXIT_SKIP = 77;

export interface TestdataCommandIo {
  stdout: { write(s: string | Uint8Array): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  backend: () => Backend;
}

/** Register the test-data commands on `program`. */
export function addTestdataCommands(program: Command, io: TestdataCommandIo): void {
  program
    .command('manifest')
    .description('write xtest-pack.json at the package root: the commit and paths of its test data (for prepack)')
    .option('--allow-dirty', 'write it even when listed files have uncommitted changes (marked dirty)')
    .option('--if-git', 'do nothing, silently, outside a git work tree')
    .option('--json', 'print the manifest')
    .action((opts: { allowDirty?: boolean; ifGit?: boolean; json?: boolean }) => {
      const root = findPackageRoot(io.cwd);
      let written;
      try {
        written = writePackageManifest({ root, allowDirty: opts.allowDirty === true, backend: io.backend() });
      } catch (e) {
        if (opts.ifGit && e instanceof XtestPackError && e.code === 'NOT_A_REPOSITORY') return;
        throw e;
      }
      if (opts.json) io.stdout.write(encodePackageManifest(written.manifest));
    });

  program
    .command('pack')
    .description("write the package's test-data artifact: NAME-VERSION.xtest-pack.tar.gz, or a pack directory")
    .option('--out <dir>', 'write a pack directory (new or empty) instead of a .tar.gz')
    .option('--tar <file>', 'where to write the .tar.gz (default: the manifest\'s artifact name, here)')
    .option('--json', 'print what was written')
    .action((opts: { out?: string; tar?: string; json?: boolean }) => {
      if (opts.out !== undefined && opts.tar !== undefined) throw new XtestPackError('INVALID_ARGUMENT', 'give --out or --tar, not both');
      const r = buildArtifact({
        root: findPackageRoot(io.cwd),
        ...(opts.out !== undefined ? { out: opts.out } : {}),
        ...(opts.tar !== undefined ? { tar: opts.tar } : {}),
        cwd: io.cwd,
        backend: io.backend(),
      });
      if (opts.json) io.stdout.write(`${JSON.stringify({ path: r.path, size: r.size, commit: r.manifest.commit, paths: r.manifest.paths }, null, 2)}\n`);
    });

  program
    .command('package-test')
    .description('npm pack, unpack where no git is, and run the tests there from the test-data artifact alone')
    .argument('[command...]', 'the test command, after -- (default: npm test)')
    .option('--objects <path>', 'test data to use (default: built from this repository)')
    .option('--keep', 'keep the temporary directory')
    .action((command: string[], opts: { objects?: string; keep?: boolean }) => {
      const r = packageTest({
        root: findPackageRoot(io.cwd),
        ...(opts.objects !== undefined ? { objects: opts.objects } : {}),
        keep: opts.keep === true,
        command,
        env: io.env,
        // Steps are progress: shown on a terminal only (a CI log reads the command's own output).
        log: (line) => {
          if (io.stderr.isTTY) io.stderr.write(`xtest-pack: package-test: ${line}\n`);
        },
        backend: io.backend(),
      });
      if (r.kept) io.stderr.write(`xtest-pack: package-test: kept ${r.kept}\n`);
      if (r.status !== 0) {
        io.stderr.write(`xtest-pack: package-test: the tests failed (exit status ${r.status})\n`);
        throw new SilentExit(r.status);
      }
    });

  program
    .command('status')
    .description('where the test helper would take test data from: source, pack or unavailable (exit 77 when skipped)')
    .option('--json', 'print the status as JSON')
    .action((opts: { json?: boolean }) => {
      const st = status(io.cwd, { env: io.env });
      if (opts.json) io.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
      else io.stdout.write(`${st.mode}: ${st.reason}\n`);
      if (st.mode === 'unavailable') throw new SilentExit(st.skip ? EXIT_SKIP : 1);
    });
}
