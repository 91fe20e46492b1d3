/**
 * bench/fetch: fetching a few directories of test data from a large repository over smart HTTP
 * on loopback, `xtest-pack fetch` side by side with what xtest-data does through git:
 *
 *   git (xtest-data)       git clone --filter=blob:none --depth 1 --no-checkout <url> <dir>
 *                          git -C <dir> sparse-checkout set --no-cone /<path>…
 *                          git -C <dir> checkout <commit>          (lazy fetch of the blobs)
 *   xtest-pack fetch       node dist/bundle/cli/main.js fetch --url <url> --rev <commit> --out <dir>
 *                          --json --no-progress <path>…            (a pack directory)
 *   fetch + checkout       the same, then xtest-pack checkout --objects <dir> --out <wt> <commit>
 *                          (files on disk, as git's sequence leaves them)
 *
 * The server is git http-backend behind test/support/git-http-server.ts (this process, on
 * 127.0.0.1), serving a bare `git clone --bare --shared` of the repository (its objects are
 * read through alternates; the repository is never written). It counts every request and the
 * body bytes of every reply; the measured commands run as child processes under GNU time
 * (spawned asynchronously: the server answers from this process meanwhile).
 *
 * Usage (after `npm run build`; `npm run bench:fetch -- [options]` builds and runs):
 *
 *   node dist/bench/fetch.js [--repo <path>] [--rev <rev>] [--paths a,b,c] [--files N]
 *        [--runs N] [--latency ms] [--backend node|portable] [--json] [--keep]
 *
 *   --repo    the repository to serve (default: /work/.mirror/git+git/repo, else $BENCH_FETCH_REPO)
 *   --rev     the commit (default HEAD)
 *   --paths   the directories of the main set (default t/t4018,t/t3900,t/lib-gpg); also run: the
 *             first of them alone, and N single files (--files, default 60) of the same commit
 *   --runs    measured runs of each (default 3; the order rotates); reported: median wall and
 *             CPU time (user + system, the client's processes only), largest peak RSS, requests
 *             and bytes of the first run
 *   --latency delay each reply by this many ms (default 0): one round trip per request, as a
 *             server across a network costs (connection and TLS set-up are not modelled)
 *
 * Goals (the issue): at most 1 GET and 3 POSTs whatever the number of paths; bytes received at
 * most the commit's tree set plus 1.1x the selected blobs (each measured as the pack git
 * pack-objects makes of them); wall time at most 0.5x git's sequence.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGitHttpServer, type GitHttpServer } from '../test/support/git-http-server.js';
import { BenchError, TIME, checkGnuTime, cleanEnv, defaultCli, fmtMiB, fmtX, log, machine, machineLines, median, run, table, type Machine } from './lib.js';

const DEFAULT_REPO = '/work/.mirror/git+git/repo';
const DEFAULT_PATHS = ['t/t4018', 't/t3900', 't/lib-gpg'];

interface Sample {
  wallSeconds: number;
  /** User + system CPU of the process and its children (not the server's). */
  cpuSeconds: number;
  rssBytes: number;
  requests: { get: number; post: number };
  bytesReceived: number;
}

interface Row {
  set: string;
  paths: number;
  files: number;
  tool: 'git' | 'fetch' | 'fetch+checkout';
  label: string;
  samples: Sample[];
}

interface SetInfo {
  name: string;
  paths: string[];
  files: number;
  /** git pack-objects of the commit and all its trees; of the export's blobs. */
  treeSetBytes: number;
  blobBytes: number;
}

const { values: opt } = parseArgs({
  options: {
    repo: { type: 'string' },
    rev: { type: 'string', default: 'HEAD' },
    paths: { type: 'string' },
    files: { type: 'string', default: '60' },
    runs: { type: 'string', default: '3' },
    latency: { type: 'string', default: '0' },
    backend: { type: 'string', default: 'node' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
  strict: true,
});

async function main(): Promise<void> {
  checkGnuTime();
  const load = loadavg();
  const repo = opt.repo ?? process.env['BENCH_FETCH_REPO'] ?? DEFAULT_REPO;
  if (!existsSync(repo)) throw new BenchError(`no repository at ${repo} (give --repo)`);
  const runs = Number(opt.runs);
  const work = mkdtempSync(join(tmpdir(), 'xtest-pack-bench-fetch-'));
  const env = cleanEnv(work);
  env['HOME'] = work;
  env['GIT_CONFIG_NOSYSTEM'] = '1';
  env['GIT_CONFIG_GLOBAL'] = '/dev/null';
  env['XTEST_PACK_BACKEND'] = opt.backend;
  const root = join(work, 'root');
  mkdirSync(root);
  const served = join(root, 'repo.git');
  log(`serving ${repo} through a shared bare clone`);
  run('git', ['clone', '-q', '--bare', '--shared', repo, served], { env });
  const commit = run('git', ['--git-dir', served, 'rev-parse', '--verify', `${opt.rev}^{commit}`], { env }).toString().trim();
  const headCommit = run('git', ['--git-dir', served, 'rev-parse', 'HEAD'], { env }).toString().trim();
  if (commit !== headCommit) throw new BenchError(`--rev must be the served HEAD (git clone --depth 1 takes HEAD): ${commit} is not ${headCommit}`);

  const dirs = opt.paths?.split(',').filter((p) => p !== '') ?? DEFAULT_PATHS;
  const files = singleFiles(served, commit, Number(opt.files), env);
  const sets = [
    { name: `${dirs.length} directories`, paths: dirs },
    { name: '1 directory', paths: dirs.slice(0, 1) },
    { name: `${files.length} files`, paths: files },
  ].map((s) => setInfo(s.name, s.paths, served, commit, env));

  const latency = Number(opt.latency);
  // A round trip's worth of delay before each reply: what a server across a network costs per request.
  const server = await startGitHttpServer({
    root,
    cgiTimeoutMs: 300_000,
    ...(latency > 0 ? { misbehave: async (_req, real) => (await new Promise((r) => setTimeout(r, latency)), real()) } : {}),
  });
  const url = server.url('repo.git');
  const rows: Row[] = [];
  try {
    for (const set of sets) {
      const row = (tool: Row['tool'], label: string): Row => {
        const r: Row = { set: set.name, paths: set.paths.length, files: set.files, tool, label, samples: [] };
        rows.push(r);
        return r;
      };
      const git = row('git', 'git clone + sparse-checkout + checkout');
      const fetch = row('fetch', 'xtest-pack fetch');
      const both = row('fetch+checkout', 'xtest-pack fetch + checkout');
      for (let i = 0; i < runs; i++) {
        const order = i % 2 === 0 ? ['git', 'xtest'] : ['xtest', 'git'];
        for (const which of order) {
          const dir = mkdtempSync(join(work, `${which}-`));
          if (which === 'git') git.samples.push(await gitSequence(server, url, commit, set.paths, dir, env));
          else {
            const [f, c] = await xtestSequence(server, url, commit, set.paths, dir, env);
            fetch.samples.push(f);
            both.samples.push({ ...f, wallSeconds: f.wallSeconds + c.wallSeconds, cpuSeconds: f.cpuSeconds + c.cpuSeconds, rssBytes: Math.max(f.rssBytes, c.rssBytes) });
            if (i === 0) sameFiles(join(dir, 'wt'), join(work, 'git-check'), dir, set, served, commit, env);
          }
          if (which === 'git' && i === 0) run('cp', ['-a', join(dir, 'clone'), join(work, 'git-check')]);
          if (!opt.keep) rmSync(dir, { recursive: true, force: true });
        }
        rmSync(join(work, 'git-check'), { recursive: true, force: true });
      }
    }
  } finally {
    await server.close();
    if (!opt.keep) rmSync(work, { recursive: true, force: true });
  }
  report(rows, sets, commit, repo, runs, machine(load, defaultCli), opt.keep ? work : undefined);
}

/** N regular files under t/ with plain names, spread over the tree (every k-th). */
function singleFiles(gitDir: string, commit: string, n: number, env: NodeJS.ProcessEnv): string[] {
  const all = run('git', ['--git-dir', gitDir, 'ls-tree', '-r', '--name-only', commit, '--', 't/'], { env })
    .toString()
    .split('\n')
    .filter((p) => /^t\/[A-Za-z0-9._/-]+$/.test(p));
  const step = Math.max(1, Math.floor(all.length / n));
  return all.filter((_, i) => i % step === 0).slice(0, n);
}

/** The set's file count and the sizes its goal is measured against. */
function setInfo(name: string, paths: string[], gitDir: string, commit: string, env: NodeJS.ProcessEnv): SetInfo {
  const blobs = run('git', ['--git-dir', gitDir, 'ls-tree', '-r', '--object-only', commit, '--', ...paths], { env }).toString().trim().split('\n');
  const trees = run('git', ['--git-dir', gitDir, 'rev-list', '--objects', '--no-object-names', '--filter=blob:none', '--no-walk', commit], { env }).toString();
  const size = (ids: string): number => run('git', ['--git-dir', gitDir, 'pack-objects', '--stdout', '-q'], { env, input: ids }).length;
  return { name, paths, files: blobs.length, treeSetBytes: size(trees), blobBytes: size(`${[...new Set(blobs)].join('\n')}\n`) };
}

/** What the server saw between two points. */
function window(server: GitHttpServer): () => { requests: { get: number; post: number }; bytesReceived: number } {
  const from = server.requests.length;
  const bytes = server.bytesSent;
  return () => {
    const reqs = server.requests.slice(from);
    return { requests: { get: reqs.filter((r) => r.method === 'GET').length, post: reqs.filter((r) => r.method === 'POST').length }, bytesReceived: server.bytesSent - bytes };
  };
}

async function gitSequence(server: GitHttpServer, url: string, commit: string, paths: string[], dir: string, env: NodeJS.ProcessEnv): Promise<Sample> {
  const seen = window(server);
  const clone = join(dir, 'clone');
  const steps = [
    ['git', ['clone', '-q', '--filter=blob:none', '--depth', '1', '--no-checkout', url, clone]],
    ['git', ['-C', clone, 'sparse-checkout', 'set', '--no-cone', ...paths.map((p) => `/${p}`)]],
    ['git', ['-C', clone, 'checkout', '-q', commit]],
  ] as const;
  let wall = 0;
  let cpu = 0;
  let rss = 0;
  for (const [cmd, args] of steps) {
    const m = await measureAsync(cmd, [...args], { cwd: dir, env, timeFile: join(dir, 'time.txt') });
    wall += m.wallSeconds;
    cpu += m.cpuSeconds;
    rss = Math.max(rss, m.rssBytes);
  }
  return { wallSeconds: wall, cpuSeconds: cpu, rssBytes: rss, ...seen() };
}

async function xtestSequence(server: GitHttpServer, url: string, commit: string, paths: string[], dir: string, env: NodeJS.ProcessEnv): Promise<[Sample, Sample]> {
  const seen = window(server);
  const out = join(dir, 'data');
  const f = await measureAsync(process.execPath, [defaultCli, 'fetch', '--url', url, '--rev', commit, '--out', out, '--json', '--no-progress', ...paths], {
    cwd: dir,
    env,
    timeFile: join(dir, 'time.txt'),
  });
  const json = JSON.parse(f.stdout) as { requests: number; bytesReceived: number };
  const fetched = seen();
  if (json.requests !== fetched.requests.get + fetched.requests.post) throw new BenchError(`xtest-pack counted ${json.requests} requests, the server ${JSON.stringify(fetched.requests)}`);
  const c = await measureAsync(process.execPath, [defaultCli, 'checkout', '--no-progress', '--objects', out, '--out', join(dir, 'wt'), commit], {
    cwd: dir,
    env,
    timeFile: join(dir, 'time.txt'),
  });
  return [
    { wallSeconds: f.wallSeconds, cpuSeconds: f.cpuSeconds, rssBytes: f.rssBytes, ...fetched },
    { wallSeconds: c.wallSeconds, cpuSeconds: c.cpuSeconds, rssBytes: c.rssBytes, requests: { get: 0, post: 0 }, bytesReceived: 0 },
  ];
}

/** The files xtest-pack checked out equal those git's sequence left (sparse work tree, .git aside). */
function sameFiles(mine: string, gits: string, _dir: string, set: SetInfo, gitDir: string, commit: string, env: NodeJS.ProcessEnv): void {
  const listed = run('git', ['--git-dir', gitDir, 'ls-tree', '-r', '--name-only', commit, '--', ...set.paths], { env }).toString().trim().split('\n');
  for (const p of listed) {
    const a = readFileSync(join(mine, p));
    const b = readFileSync(join(gits, p));
    if (!a.equals(b)) throw new BenchError(`${p}: xtest-pack's checkout differs from git's`);
  }
  log(`${set.name}: ${listed.length} files, the same bytes from both`);
}

async function measureAsync(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeFile: string },
): Promise<{ wallSeconds: number; cpuSeconds: number; rssBytes: number; stdout: string }> {
  const t0 = performance.now();
  const child = spawn(TIME, ['-f', '%e %M %U %S', '-o', opts.timeFile, cmd, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (status !== 0) throw new BenchError(`${cmd} ${args.slice(0, 8).join(' ')} exited ${status}:\n${stderr.trim().slice(-3000)}`);
  const fields = readFileSync(opts.timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wallSeconds, cpuSeconds: fields[2]! + fields[3]!, rssBytes: fields[1]! * 1024, stdout };
}

function latency(ms: string | undefined): string {
  return ms !== undefined && Number(ms) > 0 ? ` with ${ms} ms before each reply` : '';
}

function report(rows: Row[], sets: SetInfo[], commit: string, repo: string, runs: number, m: Machine, keptIn: string | undefined): void {
  const summary = rows.map((r) => ({
    ...r,
    wallSeconds: median(r.samples.map((s) => s.wallSeconds)),
    cpuSeconds: median(r.samples.map((s) => s.cpuSeconds)),
    rssBytes: Math.max(...r.samples.map((s) => s.rssBytes)),
    requests: r.samples[0]!.requests,
    bytesReceived: r.samples[0]!.bytesReceived,
  }));
  const goals: { what: string; value: string; met: boolean }[] = [];
  for (const set of sets) {
    const of = (tool: Row['tool']) => summary.find((s) => s.set === set.name && s.tool === tool)!;
    const git = of('git');
    const fetch = of('fetch');
    const both = of('fetch+checkout');
    const limit = set.treeSetBytes + 1.1 * set.blobBytes;
    goals.push(
      { what: `${set.name}: at most 1 GET + 3 POSTs`, value: `${fetch.requests.get} GET + ${fetch.requests.post} POST`, met: fetch.requests.get <= 1 && fetch.requests.post <= 3 },
      {
        what: `${set.name}: bytes <= tree set ${set.treeSetBytes} + 1.1 x blobs ${set.blobBytes} = ${Math.round(limit)}`,
        value: `${fetch.bytesReceived} (${fmtX(fetch.bytesReceived / limit)} of the limit; git ${git.bytesReceived})`,
        met: fetch.bytesReceived <= limit,
      },
      { what: `${set.name}: wall <= 0.5x git's sequence`, value: `fetch ${fmtX(fetch.wallSeconds / git.wallSeconds)}, fetch + checkout ${fmtX(both.wallSeconds / git.wallSeconds)}`, met: fetch.wallSeconds <= 0.5 * git.wallSeconds },
    );
  }
  if (opt.json) {
    process.stdout.write(`${JSON.stringify({ repo, commit, runs, backend: opt.backend, sets, rows: summary.map(({ samples: _s, ...r }) => r), goals, machine: m, keptIn }, null, 2)}\n`);
    return;
  }
  const lines = [
    `bench:fetch  ${repo} @ ${commit.slice(0, 12)}, served by git http-backend on 127.0.0.1${latency(opt.latency)}; ${runs} runs (median wall and cpu, largest RSS); backend ${opt.backend}`,
    '',
    ...table(
      ['set', 'tool', 'requests', 'bytes received', 'wall s', 'x git', 'cpu s', 'x git', 'peak RSS MiB'],
      summary.map((s) => {
        const git = summary.find((g) => g.set === s.set && g.tool === 'git')!;
        return [
          `${s.set} (${s.files} files)`,
          s.label,
          `${s.requests.get} GET + ${s.requests.post} POST`,
          s.bytesReceived.toLocaleString('en-US'),
          s.wallSeconds.toFixed(3),
          s.tool === 'git' ? '' : fmtX(s.wallSeconds / git.wallSeconds),
          s.cpuSeconds.toFixed(3),
          s.tool === 'git' ? '' : fmtX(s.cpuSeconds / git.cpuSeconds),
          fmtMiB(s.rssBytes),
        ];
      }),
      [0, 1],
    ),
    '',
    'goals:',
    ...goals.map((g) => `  ${g.met ? 'met    ' : 'NOT MET'}  ${g.what}: ${g.value}`),
    '',
    ...machineLines(m),
    ...(keptIn ? [`kept: ${keptIn}`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
