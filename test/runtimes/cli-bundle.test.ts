// The command as installed (package.json "bin": dist/bundle/cli/main.js, esbuild's bundle of
// src/cli/main.ts, scripts/bundle.mjs) does what the unbundled dist/src/cli/main.js does, and
// its start-up keeps Node's compile cache in the user's cache directory (Node >= 22.1), never
// in the package. The rest of the suite runs the unbundled file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { SEGMENT_BYTES } from '../../src/pack/write.js';
import { CLI_MAIN } from '../support/cli.js';
import { exportRepos, revParse } from '../support/export-repos.js';
import { PROJECT_ROOT, scratchDir, segmentedRepository } from '../support/repos.js';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string };
const BUNDLE = join(PROJECT_ROOT, pkg.bin['xtest-pack']!);
const HAS_COMPILE_CACHE = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/** Run `main` (a CLI file) with `args` in a clean cache directory unless `env` gives one. */
function run(main: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const e: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: scratchDir('xtest-pack-cache-'), ...env };
  for (const k of Object.keys(e)) if (k.startsWith('NODE_COMPILE_CACHE') || (k.startsWith('XTEST_PACK_') && k !== 'XTEST_PACK_BACKEND')) delete e[k];
  Object.assign(e, env);
  const r = spawnSync(process.execPath, [main, ...args], { env: e, encoding: 'buffer', input: '' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), cache: e['XDG_CACHE_HOME']! };
}

/** Every file under `dir`: its mode and bytes (a symlink: its target). */
function tree(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of readdirSync(join(dir, prefix)).sort()) {
    const rel = prefix === '' ? n : `${prefix}/${n}`;
    const st = lstatSync(join(dir, rel));
    if (st.isDirectory()) for (const [k, v] of tree(dir, rel)) out.set(k, v);
    else out.set(rel, `${st.mode.toString(8)} ${st.isSymbolicLink() ? readlinkSync(join(dir, rel)) : readFileSync(join(dir, rel)).toString('base64')}`);
  }
  return out;
}

let packDir: string;
let commit: string;

before(() => {
  const { main } = exportRepos();
  packDir = join(scratchDir('xtest-pack-bundle-'), 'test-data');
  const r = run(CLI_MAIN, ['export', '--repo', main, '--rev', 'HEAD', '--out', packDir, '--no-progress', '--', 'fixtures', 'other']);
  assert.equal(r.status, 0, r.stderr);
  commit = revParse(main, 'HEAD');
});

describe('the bundled command line', () => {
  test('package.json "bin" is the bundle: an executable script next to its source map', () => {
    assert.equal(pkg.bin['xtest-pack'], 'dist/bundle/cli/main.js');
    assert.match(readFileSync(BUNDLE, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    assert.ok(existsSync(`${BUNDLE}.map`));
  });

  test('the same output and exit status as dist/src/cli/main.js: --version, help, a usage error, a failure', () => {
    for (const args of [['--version'], ['--help'], ['checkout', '--help'], ['no-such-command'], ['verify', join(packDir, 'nowhere')], ['--backend', 'foo', '--version']]) {
      const a = run(CLI_MAIN, args);
      const b = run(BUNDLE, args);
      assert.deepEqual({ status: b.status, stdout: b.stdout, stderr: b.stderr }, { status: a.status, stdout: a.stdout, stderr: a.stderr }, args.join(' '));
    }
    assert.match(run(BUNDLE, ['--version']).stdout, new RegExp(`^xtest-pack ${pkg.version.replace(/\./g, '\\.')} `));
  });

  test('checkout from a pack directory, and cat-file: the same files and bytes, each backend', () => {
    for (const backend of ['node', 'portable']) {
      const outA = join(scratchDir('xtest-pack-bundle-out-'), 'a');
      const outB = join(scratchDir('xtest-pack-bundle-out-'), 'b');
      const args = (out: string) => ['--backend', backend, 'checkout', '--no-progress', '--objects', packDir, '--out', out, commit, '--', 'fixtures', 'other'];
      const a = run(CLI_MAIN, args(outA));
      const b = run(BUNDLE, args(outB));
      assert.equal(a.status, 0, a.stderr);
      assert.deepEqual({ status: b.status, stdout: b.stdout, stderr: b.stderr }, { status: a.status, stdout: a.stdout, stderr: a.stderr });
      assert.ok(tree(outA).size >= 9);
      assert.deepEqual(tree(outB), tree(outA));
      const cat = ['--backend', backend, 'cat-file', '-p', '--objects', packDir, `${commit}:fixtures/base.txt`];
      assert.equal(run(BUNDLE, cat).stdout, run(CLI_MAIN, cat).stdout);
    }
  });

  test('index-pack and verify on worker threads: the same idx and output as dist/src/cli/main.js, each backend', () => {
    const pack = readdirSync(packDir).find((n) => n.endsWith('.pack'));
    assert.ok(pack, `no pack in ${packDir}`);
    for (const backend of ['node', 'portable']) {
      const dir = scratchDir('xtest-pack-bundle-idx-');
      const args = (idx: string) => ['--backend', backend, 'index-pack', '--no-progress', '--threads', '3', '-o', join(dir, idx), join(packDir, pack)];
      const a = run(CLI_MAIN, args('a.idx'));
      const b = run(BUNDLE, args('b.idx'));
      assert.equal(a.status, 0, a.stderr);
      assert.deepEqual({ status: b.status, stdout: b.stdout, stderr: b.stderr }, { status: a.status, stdout: a.stdout, stderr: a.stderr });
      assert.ok(readFileSync(join(dir, 'b.idx')).equals(readFileSync(join(dir, 'a.idx'))));
      const v = run(BUNDLE, ['--backend', backend, 'verify', '--threads', '3', join(packDir, pack)]);
      assert.deepEqual({ status: v.status, stderr: v.stderr }, { status: 0, stderr: '' });
    }
  });

  test(`the compile cache: in $XDG_CACHE_HOME/xtest-pack/compile-cache ${HAS_COMPILE_CACHE ? '(this Node has one)' : '(none on this Node)'}, never in the package`, () => {
    const before = readdirSync(join(PROJECT_ROOT, 'dist', 'bundle', 'cli')).sort();
    const r = run(BUNDLE, ['--version']);
    assert.equal(r.status, 0, r.stderr);
    const dir = join(r.cache, 'xtest-pack', 'compile-cache');
    if (HAS_COMPILE_CACHE) {
      assert.ok(existsSync(dir) && readdirSync(dir).length > 0, `${dir} is empty or absent`);
      // A second run reads it and says the same.
      assert.equal(run(BUNDLE, ['--version'], { XDG_CACHE_HOME: r.cache }).stdout, r.stdout);
    } else {
      assert.ok(!existsSync(dir), `${dir} was made on a Node without a compile cache`);
    }
    assert.deepEqual(readdirSync(join(PROJECT_ROOT, 'dist', 'bundle', 'cli')).sort(), before);
    // Turned off, as for any Node program; and a cache directory that cannot be made is no error.
    const off = run(BUNDLE, ['--version'], { NODE_DISABLE_COMPILE_CACHE: '1' });
    assert.ok(!existsSync(join(off.cache, 'xtest-pack')), 'NODE_DISABLE_COMPILE_CACHE=1 made a cache');
    const unwritable = run(BUNDLE, ['--version'], { XDG_CACHE_HOME: join(PROJECT_ROOT, 'package.json') });
    assert.deepEqual({ status: unwritable.status, stderr: unwritable.stderr }, { status: 0, stderr: '' });
  });

  test('five files: the start-up, the program with every command, the portable backend loaded only when picked, the two workers', () => {
    const dir = join(PROJECT_ROOT, 'dist', 'bundle', 'cli');
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.js')).sort(), ['index-pack-worker.js', 'main.js', 'pack-worker.js', 'portable.js', 'program.js']);
    // The workers are started from the program by their URLs, next to it.
    assert.match(readFileSync(join(dir, 'program.js'), 'utf8'), /new URL\(["']\.\/pack-worker\.js["'], import\.meta\.url\)/);
    // What is left to run time: main.js imports program.js (after turning the compile cache
    // on); the program imports or requires portable.js; nothing else between the files.
    const between = (f: string): string[] =>
      [...readFileSync(join(dir, f), 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|createRequire\(import\.meta\.url\)\()["'](\.\/[^"'\s]+\.js)["']/g)].map((m) => m[1]!);
    assert.deepEqual(between('main.js'), ['./program.js']);
    assert.deepEqual([...new Set(between('program.js'))], ['./portable.js']);
    assert.match(readFileSync(join(dir, 'program.js'), 'utf8'), /new URL\(["']\.\/index-pack-worker\.js["'], import\.meta\.url\)/);
    assert.doesNotMatch(readFileSync(join(dir, 'main.js'), 'utf8'), /^import [^(]*["']\.\/program\.js["']/m, 'main.js imports the program statically');
    assert.doesNotMatch(readFileSync(join(dir, 'program.js'), 'utf8'), /^import [^(]*["']\.\/portable\.js["']/m, 'the program imports the portable backend statically');
    const sources = (JSON.parse(readFileSync(join(dir, 'program.js.map'), 'utf8')) as { sources: string[] }).sources;
    for (const f of ['src/cli/program.ts', 'src/cli/checkout-command.ts', 'src/cli/harness-commands.ts', 'node_modules/commander/lib/command.js']) {
      assert.ok(sources.some((x) => x.endsWith(f)), `program.js holds no ${f}`);
    }
  });

  test('the SHA-1 rounds of each bundled file that hashes (the CLI, its workers and portable backend, the browser build) hold their constants as literals, not module variables', () => {
    // esbuild turns a module's top-level const into a var; V8 does not fold a var, and K0..K3
    // (past the small-integer range) then cost a heap-number load each step: the bundle hashed
    // 2.4x slower than dist/src. sha1dc.ts writes them in the functions; this keeps it so.
    const bundles = join(PROJECT_ROOT, 'dist', 'bundle');
    const files = ['cli/program.js', 'cli/index-pack-worker.js', 'cli/pack-worker.js', 'cli/portable.js', 'browser/xtest-pack.js'];
    // Every bundled file with the hash in it is in the list.
    for (const d of ['cli', 'browser']) {
      for (const n of readdirSync(join(bundles, d)).filter((x) => x.endsWith('.js'))) {
        if (readFileSync(join(bundles, d, n), 'utf8').includes('function compress(')) assert.ok(files.includes(`${d}/${n}`), `${d}/${n} hashes and is not checked`);
      }
    }
    for (const f of files) {
      const text = readFileSync(join(bundles, f), 'utf8');
      for (const fn of ['compress', 'stepsForward', 'stepsBackward']) {
        const at = text.indexOf(`function ${fn}(`);
        assert.ok(at >= 0, `${f} has no function ${fn}`);
        const body = text.slice(at, text.indexOf('\n}\n', at));
        for (const k of [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc | 0, 0xca62c1d6 | 0]) {
          const u = k >>> 0; // written signed, unsigned or in hex, with or without `| 0`
          assert.match(body, new RegExp(`= (${k}|${u}|0x${u.toString(16)})( \\| 0)?[,;]`, 'i'), `${f}: ${fn} does not hold ${k} as a literal`);
        }
      }
    }
  });

  test('export --threads 2 and 3 (worker threads from the bundle) write the pack of --threads 1 and of the unbundled command', { timeout: 120_000 }, () => {
    const repo = scratchDir('xtest-pack-bundle-threads-');
    const bytes = segmentedRepository(repo, 777);
    assert.ok(bytes >= 3 * SEGMENT_BYTES, `${bytes} bytes: too few for several segments`);
    const exported = (main: string, threads: string) => {
      const out = join(scratchDir('xtest-pack-bundle-threads-out-'), 'out');
      const r = run(main, ['export', '--repo', repo, '--out', out, '--threads', threads, '--no-progress', 'fixtures']);
      assert.equal(r.status, 0, `${threads} threads: ${r.stderr}`);
      return tree(out);
    };
    const one = exported(BUNDLE, '1');
    for (const [main, threads] of [[BUNDLE, '2'], [BUNDLE, '3'], [CLI_MAIN, '2']] as const) assert.deepEqual(exported(main, threads), one, `${main}, ${threads} threads`);
  });
});
