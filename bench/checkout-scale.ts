/**
 * bench/checkout-scale: checking out a real package's worth of fixture files (1,740 files in
 * 1,500 directories, 4 MB: the shape of isomorphic-git's `__tests__/__fixtures__`), side by side
 * in one run, from a pack directory and from the `.tar.gz` artifact:
 *
 *   git archive | tar     bash -c 'set -o pipefail; git archive <commit> -- <paths> | tar -x -C <fresh dir>'
 *   xtest-pack CLI        node dist/bundle/cli/main.js checkout --no-progress --objects <dir|tgz>
 *                         --out <fresh dir> <commit> -- <paths>
 *   library call          dist/bench/checkout-run.js: one checkoutPackSync() in a process whose
 *                         imports are loaded; its own time (what a test helper pays)
 *   writes alone          dist/bench/write-floor-run.js: git's tree, read into memory first,
 *                         written again with the calls a checkout makes (nothing inflated,
 *                         hashed or checked): the file-system floor under the library call
 *   node -e 0             the floor of any Node process
 *
 * Usage (after `npm run build`; `npm run bench:checkout-scale -- [options]` builds and runs):
 *
 *   node dist/bench/checkout-scale.js [--repo <path> --rev <rev> --paths <p,...>] [--files N]
 *        [--runs N] [--backend node|portable] [--cli <path>] [--json] [--keep]
 *
 * Input: by default a repository made by fixtures/scripts/scale-fixtures.sh (N files, default
 * 1740; deterministic); or --repo/--rev/--paths (e.g. the isomorphic-git repository and
 * __tests__/__fixtures__). The pack directory is what `xtest-pack export` writes for the paths;
 * the artifact is that directory as a .tar.gz.
 *
 * Measured: each tool as its own process under GNU time (peak RSS and CPU of the whole process
 * tree it waits for), wall time around the spawn; runs interleaved, medians. Every tool's first
 * output is compared with git archive's: the same files, bytes, executable bits and link
 * targets. No output is deleted before the end: on ext4, files created in the minutes after
 * thousands were deleted cost several times as much (the inode allocator steps over each
 * recently deleted inode), and that cost would swamp every tool alike. For the same reason, let
 * a few minutes pass after a run that deleted many files (another benchmark, a test run). Goals (issue "speed at scale"): the whole CLI process at most 1.0x the git archive |
 * tar pipeline, the library call at most 0.5x of it.
 */
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeTarGz } from '../src/artifact/encode.js';
import { BenchError, checkGnuTime, cleanEnv, defaultCli, fmtMiB, fmtX, log, machine, machineLines, measure, median, repoRoot, run, table } from './lib.js';

const { values } = parseArgs({
  options: {
    repo: { type: 'string' },
    rev: { type: 'string' },
    paths: { type: 'string' },
    files: { type: 'string', default: '1740' },
    runs: { type: 'string', default: '5' },
    backend: { type: 'string', default: 'node' },
    cli: { type: 'string', default: defaultCli },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
  strict: true,
});

interface Tool {
  readonly label: string;
  readonly args: (out: string) => [string, string[]];
  /** For the library runner: read its own call time from stdout. */
  readonly runner?: boolean;
}

interface Row {
  label: string;
  wall: number[];
  cpu: number[];
  rss: number[];
  call: number[];
}

function main(): void {
  checkGnuTime();
  const loadBefore = loadavg();
  const work = mkdtempSync(join(tmpdir(), 'xtest-pack-bench-scale-'));
  const env = cleanEnv(work);
  try {
    const { repo, commit, paths } = input(work);
    log(`input: ${repo} ${commit} -- ${paths.join(' ')}`);
    const packs = join(work, 'packs');
    run(process.execPath, [values.cli, 'export', '--no-progress', '--repo', repo, '--rev', commit, '--out', packs, '--', ...paths], { env });
    const tgz = join(work, 'test-data.xtest-pack.tar.gz');
    const names = readdirSync(packs).sort();
    writeFileSync(tgz, encodeTarGz(names.map((n) => ({ path: `xtest-pack/${n}`, type: 'file' as const, mode: 0o644, data: readFileSync(join(packs, n)) }))));
    const pathsFile = join(work, 'paths.txt');
    writeFileSync(pathsFile, `${paths.join('\n')}\n`);
    const runner = join(repoRoot, 'dist', 'bench', 'checkout-run.js');
    const floorRunner = join(repoRoot, 'dist', 'bench', 'write-floor-run.js');
    // git's output of the first run, what every tool's is compared with and the floor rewrites.
    const reference = join(work, 'reference');
    const quoted = paths.map((p) => `'${p.replace(/'/g, "'\\''")}'`).join(' ');
    const tools: Tool[] = [
      { label: 'git archive | tar', args: (out) => ['bash', ['-c', `set -o pipefail; mkdir -p '${out}' && git -C '${repo}' archive ${commit} -- ${quoted} | tar -x -C '${out}'`]] },
      { label: 'xtest-pack CLI, pack directory', args: (out) => [process.execPath, [values.cli, '--backend', values.backend, 'checkout', '--no-progress', '--objects', packs, '--out', out, commit, '--', ...paths]] },
      { label: 'xtest-pack CLI, .tar.gz', args: (out) => [process.execPath, [values.cli, '--backend', values.backend, 'checkout', '--no-progress', '--objects', tgz, '--out', out, commit, '--', ...paths]] },
      { label: 'library call, pack directory', runner: true, args: (out) => [process.execPath, [runner, '--objects', packs, '--out', out, '--commit', commit, '--paths-file', pathsFile, '--backend', values.backend]] },
      { label: 'library call, .tar.gz', runner: true, args: (out) => [process.execPath, [runner, '--objects', tgz, '--out', out, '--commit', commit, '--paths-file', pathsFile, '--backend', values.backend]] },
      { label: 'writes alone (floor of a call)', runner: true, args: (out) => [process.execPath, [floorRunner, '--from', reference, '--out', out]] },
      { label: 'node -e 0', args: () => [process.execPath, ['-e', '0']] },
    ];
    const rows: Row[] = tools.map((t) => ({ label: t.label, wall: [], cpu: [], rss: [], call: [] }));
    const runs = Number(values.runs);
    for (let r = 0; r < runs + 1; r++) {
      // Interleaved, the order rotating; run 0 warms the page cache and is not counted.
      for (let k = 0; k < tools.length; k++) {
        const i = (k + r) % tools.length;
        const tool = tools[i]!;
        const out = join(work, `out-${r}-${i}`);
        const [cmd, args] = tool.args(out);
        const m = measure(tool.label, cmd, args, { cwd: work, env, timeFile: join(work, 'time.txt') });
        if (r === 0) {
          if (i === 0) {
            rmSync(reference, { recursive: true, force: true });
            run('cp', ['-a', out, reference]);
          }
          continue;
        }
        const row = rows[i]!;
        row.wall.push(m.wallSeconds);
        row.cpu.push(m.cpuSeconds);
        row.rss.push(m.rssBytes);
        if (tool.runner) row.call.push((JSON.parse(m.stdout.toString()) as { callSeconds: number }).callSeconds);
        if (r === 1 && i !== tools.length - 1) sameTree(reference, out, tool.label);
        // Outputs stay until the end: deleting thousands of files makes ext4 skip their inodes,
        // each looked up again, for every file created in the next minutes (recently_deleted()
        // in its inode allocator), which would time the file system's aftermath, not the tools.
      }
    }
    report(rows, { repo, commit, paths, files: countFiles(reference), packBytes: names.reduce((n, f) => n + lstatSync(join(packs, f)).size, 0), loadBefore });
  } finally {
    if (values.keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

function input(work: string): { repo: string; commit: string; paths: string[] } {
  if (values.repo !== undefined) {
    if (values.rev === undefined || values.paths === undefined) throw new BenchError('--repo needs --rev and --paths');
    return { repo: values.repo, commit: run('git', ['-C', values.repo, 'rev-parse', `${values.rev}^{commit}`]).toString().trim(), paths: values.paths.split(',') };
  }
  const dir = join(work, 'made');
  mkdirSync(dir);
  const commit = run('bash', [join(repoRoot, 'fixtures', 'scripts', 'scale-fixtures.sh'), dir, values.files]).toString().trim();
  return { repo: join(dir, 'repo'), commit, paths: ['fixtures'] };
}

/** Require `b` to hold what `a` holds: the same paths, kinds, bytes, link targets and executable bits. */
function sameTree(a: string, b: string, label: string): void {
  const walk = (dir: string, rel = ''): string[] =>
    readdirSync(join(dir, rel)).flatMap((n) => {
      const p = rel === '' ? n : `${rel}/${n}`;
      return lstatSync(join(dir, p)).isDirectory() ? walk(dir, p) : [p];
    });
  const fa = walk(a).sort();
  const fb = walk(b).sort();
  if (fa.join('\n') !== fb.join('\n')) throw new BenchError(`${label}: the files differ from git archive's (${fa.length} vs ${fb.length})`);
  for (const p of fa) {
    const sa = lstatSync(join(a, p));
    const sb = lstatSync(join(b, p));
    const same = sa.isSymbolicLink()
      ? sb.isSymbolicLink() && readlinkSync(join(a, p)) === readlinkSync(join(b, p))
      : sb.isFile() && (sa.mode & 0o100) === (sb.mode & 0o100) && readFileSync(join(a, p)).equals(readFileSync(join(b, p)));
    if (!same) throw new BenchError(`${label}: ${p} differs from git archive's`);
  }
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (!e.isDirectory()) n++;
  return n;
}

function report(rows: Row[], info: { repo: string; commit: string; paths: string[]; files: number; packBytes: number; loadBefore: number[] }): void {
  const m = machine(info.loadBefore, values.cli);
  const git = median(rows[0]!.wall);
  const floor = median(rows[rows.length - 1]!.wall);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ machine: m, input: info, rows: rows.map((r) => ({ label: r.label, wall: median(r.wall), cpu: median(r.cpu), rssBytes: Math.max(...r.rss), call: r.call.length ? median(r.call) : undefined })) }, null, 2)}\n`);
    return;
  }
  const lines = [
    `input:   ${info.repo} ${info.commit} -- ${info.paths.join(' ')}: ${info.files} files; pack ${fmtMiB(info.packBytes)} MiB`,
    ...machineLines(m),
    `runs:    ${rows[0]!.wall.length} per tool, interleaved; medians; backend ${values.backend}`,
    '',
    ...table(
      ['tool', 'wall s', 'cpu s', 'peak RSS MiB', 'call s', 'wall / git', 'call / git'],
      rows.map((r) => {
        const call = r.call.length ? median(r.call) : NaN;
        return [r.label, median(r.wall).toFixed(3), median(r.cpu).toFixed(3), fmtMiB(Math.max(...r.rss)), Number.isNaN(call) ? '-' : call.toFixed(3), fmtX(median(r.wall) / git), Number.isNaN(call) ? '-' : fmtX(call / git)];
      }),
    ),
    '',
    'goals (whole CLI <= 1.0x git archive | tar; library call <= 0.5x):',
    ...[1, 2].map((i) => `  ${rows[i]!.label}: ${fmtX(median(rows[i]!.wall) / git)} ${median(rows[i]!.wall) <= git ? 'MET' : 'MISSED'} (above node -e 0: ${fmtX((median(rows[i]!.wall) - floor) / git)})`),
    ...[3, 4].map((i) => `  ${rows[i]!.label}: ${fmtX(median(rows[i]!.call) / git)} ${median(rows[i]!.call) <= 0.5 * git ? 'MET' : 'MISSED'} (the writes alone: ${fmtX(median(rows[5]!.call) / git)})`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`bench/checkout-scale: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
