/**
 * bench/cat-file: `git cat-file` and `xtest-pack cat-file` in their batch modes, side by side in
 * one run on one repository, each mode:
 *
 *   check            --batch-all-objects --batch-check                      (sorted by id)
 *   check-unordered  --batch-all-objects --batch-check --unordered          (pack order)
 *   check-atoms      --batch-all-objects --batch-check='%(objectname) %(objecttype) %(objectsize) %(objectsize:disk) %(deltabase)'
 *   check-stdin      --batch-check, every id on stdin (sorted)
 *   batch            --batch-all-objects --batch                            (contents, sorted)
 *   batch-unordered  --batch-all-objects --batch --unordered
 *   batch-stdin      --batch, every id on stdin (sorted)
 *
 * and what verifying every id adds to xtest-pack (git's cat-file does not hash what it reads):
 * `--verify` (SHA-1 with collision detection, as ids are computed) and `--verify
 * --no-collision-detection` (plain SHA-1), in the modes --verify-modes names.
 *
 * Usage (after `npm run build`; `npm run bench:cat-file -- [options]` builds and runs):
 *
 *   node dist/bench/cat-file.js [--repo <path>] [--modes m,m,...] [--verify-modes m,...]
 *        [--runs N] [--backend node|portable] [--cli <path>] [--json]
 *
 * Default repository: the isomorphic-git mirror (/work/.mirror/isomorphic-git+isomorphic-git/repo),
 * read only: xtest-pack reads it with --repo, git with --git-dir. Each tool runs as its own
 * process under GNU time (CPU, peak RSS); its stdout is a pipe this process reads and hashes
 * (SHA-1), so outputs of many GB are compared without being stored: every xtest-pack output
 * must hash as git's does. Runs interleave git and xtest-pack; medians. The machine is often
 * shared: the load average is printed, and wall times mean little when it is above the number
 * of CPUs (CPU seconds less so).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchError, TIME, checkGnuTime, cleanEnv, defaultCli, fmtMiB, fmtX, log, machine, machineLines, median, run, table } from './lib.js';

const ISOMORPHIC_GIT = '/work/.mirror/isomorphic-git+isomorphic-git/repo';
const ALL_ATOMS = '%(objectname) %(objecttype) %(objectsize) %(objectsize:disk) %(deltabase)';

interface Mode {
  readonly name: string;
  readonly args: readonly string[];
  /** Every object id on stdin. */
  readonly stdin?: boolean;
}

const MODES: readonly Mode[] = [
  { name: 'check', args: ['--batch-all-objects', '--batch-check'] },
  { name: 'check-unordered', args: ['--batch-all-objects', '--batch-check', '--unordered'] },
  { name: 'check-atoms', args: ['--batch-all-objects', `--batch-check=${ALL_ATOMS}`] },
  { name: 'check-stdin', args: ['--batch-check'], stdin: true },
  { name: 'batch', args: ['--batch-all-objects', '--batch'] },
  { name: 'batch-unordered', args: ['--batch-all-objects', '--batch', '--unordered'] },
  { name: 'batch-stdin', args: ['--batch'], stdin: true },
];

const { values } = parseArgs({
  options: {
    repo: { type: 'string', default: ISOMORPHIC_GIT },
    modes: { type: 'string', default: MODES.map((m) => m.name).join(',') },
    'verify-modes': { type: 'string', default: 'check,batch-unordered' },
    runs: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'node' },
    cli: { type: 'string', default: defaultCli },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});

interface Measured {
  wall: number;
  cpu: number;
  rss: number;
  bytes: number;
  hash: string;
}

/** Run `cmd args` under GNU time with stdout hashed as it arrives; stdin from `stdinFile` or nothing. */
function measureHashed(label: string, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, timeFile: string, stdinFile?: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const stdin = stdinFile === undefined ? 'ignore' : openSync(stdinFile, 'r');
    const t0 = performance.now();
    const child = spawn(TIME, ['-f', '%e %M %U %S', '-o', timeFile, cmd, ...args], { env, stdio: [stdin, 'pipe', 'pipe'] });
    if (typeof stdin === 'number') closeSync(stdin);
    const hash = createHash('sha1');
    let bytes = 0;
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
    });
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', (e) => reject(new BenchError(`${label}: ${e.message}`)));
    child.on('close', (code, signal) => {
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0) {
        reject(new BenchError(`${label} exited ${code ?? signal}:\n${stderr.trim().slice(-2000)}`));
        return;
      }
      const fields = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ');
      rmSync(timeFile, { force: true });
      resolve({ wall, cpu: Number(fields[2]) + Number(fields[3]), rss: Number(fields[1]) * 1024, bytes, hash: hash.digest('hex') });
    });
  });
}

interface Row {
  mode: string;
  tool: string;
  runs: Measured[];
}

async function main(): Promise<void> {
  checkGnuTime();
  const repo = values.repo;
  if (!existsSync(repo)) throw new BenchError(`no repository at ${repo} (--repo <path>)`);
  const loadBefore = loadavg();
  const work = mkdtempSync(join(tmpdir(), 'xtest-pack-bench-cat-file-'));
  const env = cleanEnv(work);
  try {
    const gitArgs = ['--git-dir', repo, 'cat-file'];
    const ours = [values.cli, '--backend', values.backend, 'cat-file', '--repo', repo];
    const idsFile = join(work, 'ids.txt');
    writeFileSync(idsFile, run('git', [...gitArgs, '--batch-all-objects', '--batch-check=%(objectname)'], { env }));
    const count = readFileSync(idsFile, 'utf8').split('\n').length - 1;
    log(`input: ${repo}: ${count} objects`);
    const wanted = values.modes.split(',');
    const verifyWanted = values['verify-modes'].split(',').filter((m) => m !== '');
    const rows: Row[] = [];
    const runs = Number(values.runs);
    const timeFile = join(work, 'time.txt');
    for (const mode of MODES.filter((m) => wanted.includes(m.name))) {
      const tools: [string, string, string[]][] = [
        ['git', 'git', [...gitArgs, ...mode.args]],
        ['xtest-pack', process.execPath, [...ours, ...mode.args]],
      ];
      if (verifyWanted.includes(mode.name)) {
        tools.push(['xtest-pack --verify', process.execPath, [...ours, ...mode.args, '--verify']]);
        tools.push(['xtest-pack --verify --no-collision-detection', process.execPath, [...ours, ...mode.args, '--verify', '--no-collision-detection']]);
      }
      const modeRows = tools.map(([tool]) => ({ mode: mode.name, tool, runs: [] as Measured[] }));
      for (let r = 0; r < runs; r++) {
        for (let k = 0; k < tools.length; k++) {
          const i = (k + r) % tools.length;
          const [tool, cmd, args] = tools[i]!;
          const m = await measureHashed(`${mode.name}: ${tool}`, cmd, args, env, timeFile, mode.stdin ? idsFile : undefined);
          modeRows[i]!.runs.push(m);
          log(`${mode.name}: ${tool}: ${m.wall.toFixed(2)} s wall, ${m.cpu.toFixed(2)} s cpu, ${fmtMiB(m.rss)} MiB, ${m.bytes} bytes`);
        }
      }
      const want = modeRows[0]!.runs[0]!;
      for (const row of modeRows) {
        for (const m of row.runs) {
          if (m.hash !== want.hash || m.bytes !== want.bytes) {
            throw new BenchError(`${mode.name}: ${row.tool} printed ${m.bytes} bytes hashing to ${m.hash}; git printed ${want.bytes} bytes hashing to ${want.hash}`);
          }
        }
      }
      rows.push(...modeRows);
    }
    report(rows, { repo, count, loadBefore });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function report(rows: Row[], info: { repo: string; count: number; loadBefore: number[] }): void {
  const m = machine(info.loadBefore, values.cli);
  const med = (r: Row, k: keyof Measured): number => median(r.runs.map((x) => x[k] as number));
  const gitOf = (mode: string): Row => rows.find((r) => r.mode === mode && r.tool === 'git')!;
  if (values.json) {
    const out = rows.map((r) => ({ mode: r.mode, tool: r.tool, wall: med(r, 'wall'), cpu: med(r, 'cpu'), rssBytes: Math.max(...r.runs.map((x) => x.rss)), outputBytes: r.runs[0]!.bytes }));
    process.stdout.write(`${JSON.stringify({ machine: m, input: info, rows: out }, null, 2)}\n`);
    return;
  }
  const lines = [
    `input:   ${info.repo}: ${info.count} objects`,
    ...machineLines(m),
    `runs:    ${rows[0]?.runs.length ?? 0} per tool and mode, interleaved; medians; backend ${values.backend}; every output hashed and equal to git's`,
    '',
    ...table(
      ['mode', 'tool', 'wall s', 'cpu s', 'peak RSS MiB', 'wall / git', 'cpu / git', 'output MiB'],
      rows.map((r) => {
        const g = gitOf(r.mode);
        return [r.mode, r.tool, med(r, 'wall').toFixed(2), med(r, 'cpu').toFixed(2), fmtMiB(Math.max(...r.runs.map((x) => x.rss))), fmtX(med(r, 'wall') / med(g, 'wall')), fmtX(med(r, 'cpu') / med(g, 'cpu')), fmtMiB(r.runs[0]!.bytes)];
      }),
      [0, 1],
    ),
  ];
  const verified = rows.filter((r) => r.tool.startsWith('xtest-pack --verify'));
  if (verified.length > 0) {
    lines.push('', 'what verifying every id adds to xtest-pack (cpu s):');
    for (const r of verified) {
      const plain = rows.find((x) => x.mode === r.mode && x.tool === 'xtest-pack')!;
      lines.push(`  ${r.mode}, ${r.tool.replace('xtest-pack ', '')}: +${(med(r, 'cpu') - med(plain, 'cpu')).toFixed(2)} s (${fmtX(med(r, 'cpu') / med(plain, 'cpu'))})`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/cat-file: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
