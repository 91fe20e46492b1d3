// docs/authors.md: the release job's shell steps, run in order as GitHub Actions would run
// them, in a copy of the example package's work tree at its release commit. What needs the
// network is not run: `npm ci` (node_modules is linked) and the npm upload (`npm publish` runs
// as `npm pack`: the same prepack, no registry); `gh` is a stand-in that records what it was
// asked to upload. The artifact it gets must be the one the published xtest-pack.json names,
// of that commit, and pass `xtest-pack verify` and `status` in the published package.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { cleanEnv, cli, copyTree, examplePackage, publishedCopy } from '../support/example-package.js';
import { git } from '../support/git.js';
import { PROJECT_ROOT, scratchDir } from '../support/repos.js';

/** The fenced block after `<!-- check: NAME -->` in docs/authors.md. */
function block(name: string): string {
  const lines = readFileSync(join(PROJECT_ROOT, 'docs', 'authors.md'), 'utf8').split('\n');
  const at = lines.indexOf(`<!-- check: ${name} -->`);
  assert.ok(at >= 0, `no block <!-- check: ${name} --> in docs/authors.md`);
  assert.match(lines[at + 1]!, /^```/);
  const end = lines.findIndex((l, i) => i > at + 1 && l.startsWith('```'));
  return lines.slice(at + 2, end).join('\n');
}

interface Step {
  readonly run: string;
  readonly env: Record<string, string>;
}

/** The `run:` steps of a workflow's one job (single-line commands), with their `env:`. */
function runSteps(yaml: string, expressions: Record<string, string>): Step[] {
  const steps: { run?: string; env: Record<string, string> }[] = [];
  let inEnv = false;
  for (const line of yaml.split('\n')) {
    if (/^ {6}- /.test(line)) {
      steps.push({ env: {} });
      inEnv = false;
    }
    const step = steps.at(-1);
    if (!step) continue;
    const run = /^ {6}(?:- | {2})run: (.+)$/.exec(line);
    if (run) step.run = run[1]!;
    if (/^ {8}env:$/.test(line)) inEnv = true;
    else if (/^ {8}\S/.test(line)) inEnv = false;
    const env = inEnv ? /^ {10}([A-Z_]+): (.+)$/.exec(line) : null;
    if (env) {
      step.env[env[1]!] = env[2]!.replace(/\$\{\{ *([^}]+?) *\}\}/g, (_, e: string) => {
        assert.ok(e in expressions, `the workflow uses \${{ ${e} }}`);
        return expressions[e]!;
      });
    }
  }
  return steps.filter((s): s is Step => s.run !== undefined);
}

test('docs/authors.md: the release job publishes and attaches the artifact of the release commit', { timeout: 180_000 }, () => {
  const { repo, commit } = examplePackage();
  const yaml = block('release-workflow');
  assert.match(yaml, /^on:\n {2}release:\n {4}types: \[published\]$/m);
  assert.match(yaml, /^ {2}contents: write/m, 'gh release upload needs contents: write');
  const steps = runSteps(yaml, { 'github.event.release.tag_name': 'v1.0.0', 'secrets.NPM_TOKEN': 'not-a-token', 'github.token': 'not-a-token' });
  assert.deepEqual(
    steps.map((s) => s.run.split(' ').slice(0, 3).join(' ')),
    ['npm ci', 'test "v$(node -p', 'npm test', 'npx xtest-pack package-test', 'npm publish --provenance', 'gh release upload'],
  );

  // The release commit, fresh: no xtest-pack.json yet (it is ignored, as the doc says).
  const work = copyTree(repo);
  rmSync(join(work, 'xtest-pack.json'), { force: true });
  const bin = scratchDir('xtest-pack-authors-bin-');
  const uploads = join(bin, 'uploads');
  writeFileSync(join(bin, 'gh'), `#!/bin/sh\nprintf '%s\\n' "$@" >'${uploads}'\n`);
  chmodSync(join(bin, 'gh'), 0o755);
  const packed = scratchDir('xtest-pack-authors-npm-');
  mkdirSync(join(packed, 'cache'));

  for (const step of steps) {
    if (step.run === 'npm ci') continue;
    const command = step.run.startsWith('npm publish') ? `npm pack --pack-destination '${packed}'` : step.run;
    const r = spawnSync('bash', ['-e', '-c', command], {
      cwd: work,
      env: cleanEnv({
        ...step.env,
        PATH: `${bin}:${process.env['PATH']}`,
        npm_config_cache: join(packed, 'cache'),
        npm_config_offline: 'true',
        npm_config_update_notifier: 'false',
      }),
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    assert.equal(r.status, 0, `${step.run}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  }

  const args = readFileSync(uploads, 'utf8').trimEnd().split('\n');
  assert.deepEqual([...args.slice(0, 3), args.at(-1)], ['release', 'upload', 'v1.0.0', '--clobber']);
  const artifact = args[3]!;
  const manifest = JSON.parse(readFileSync(join(work, 'xtest-pack.json'), 'utf8')) as { artifact: string; commit: string };
  assert.equal(basename(artifact), manifest.artifact);
  assert.equal(manifest.commit, commit);
  assert.equal(git(['-C', work, 'status', '--porcelain']).toString(), '', 'the job changed tracked files');
  const verify = cli(['verify', artifact], { cwd: work });
  assert.equal(verify.status, 0, verify.stderr);
  const st = cli(['status'], { cwd: publishedCopy(work), env: { XTEST_PACK_OBJECTS: artifact } });
  assert.equal(st.status, 0, st.stderr);
  assert.match(st.stdout, new RegExp(`^pack: .* at commit ${commit} `));
});
