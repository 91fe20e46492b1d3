// The command line as a process: exit codes (0 ok, 1 failure, 2 usage), errors as one line
// on stderr without a stack trace, silence on stderr when all is well and stderr is not a
// terminal, help and version.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertOneLineError, xtestPack, xtestPackOk } from '../support/cli.js';
import { copyFixture, packFixture, scratchDir } from '../support/repos.js';

/** The small tags pack and git's idx, writable, as p.pack / p.idx in a fresh directory. */
function packDir(): { dir: string; pack: string; idx: string; checksum: string } {
  const f = packFixture('tags');
  const dir = scratchDir('xtest-pack-cli-');
  const { pack, idx } = copyFixture(f, dir, { base: 'p' });
  chmodSync(pack, 0o644);
  chmodSync(idx, 0o644);
  const bytes = readFileSync(pack);
  return { dir, pack, idx, checksum: bytes.subarray(bytes.length - 20).toString('hex') };
}

function assertUsage(args: string[], cwd?: string, oneLine = true): void {
  const r = xtestPack(args, cwd === undefined ? {} : { cwd });
  assert.equal(r.status, 2, `xtest-pack ${args.join(' ')}: exit ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
  assert.equal(r.stdout.length, 0, 'a usage error printed on stdout');
  assert.notEqual(r.stderr, '');
  if (oneLine) assertOneLineError(r.stderr, r.stderr.startsWith('error: ') ? 'error: ' : 'xtest-pack: ');
}

function assertFailure(args: string[], cwd: string, mention?: string): string {
  const r = xtestPack(args, { cwd });
  assert.equal(r.status, 1, `xtest-pack ${args.join(' ')}: exit ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
  assertOneLineError(r.stderr);
  if (mention !== undefined) assert.ok(r.stderr.includes(mention), `stderr does not name ${mention}: ${r.stderr}`);
  return r.stdout.toString('utf8');
}

describe('cli: success is quiet', () => {
  test('index-pack: exit 0, the checksum on stdout, nothing on stderr, the idx written', () => {
    const { dir, idx, checksum } = packDir();
    const gitIdx = readFileSync(idx);
    const out = xtestPackOk(['index-pack', '-o', 'ours.idx', 'p.pack'], { cwd: dir });
    assert.equal(out.toString('utf8'), `${checksum}\n`);
    assert.ok(readFileSync(join(dir, 'ours.idx')).equals(gitIdx));
    assert.deepEqual(readdirSync(dir).sort(), ['ours.idx', 'p.idx', 'p.pack'], 'a temporary file was left behind');
  });

  test('index-pack over an existing idx replaces it', () => {
    const { dir, idx } = packDir();
    const gitIdx = readFileSync(idx);
    writeFileSync(idx, 'not an idx');
    xtestPackOk(['index-pack', 'p.pack'], { cwd: dir });
    assert.ok(readFileSync(idx).equals(gitIdx));
  });

  test('verify: exit 0, nothing on stdout or stderr', () => {
    const { dir } = packDir();
    for (const path of ['p.idx', 'p.pack', 'p']) assert.equal(xtestPackOk(['verify', path], { cwd: dir }).length, 0);
  });

  test('--no-progress is quiet too; --progress reports on stderr and still succeeds', () => {
    const { dir, checksum } = packDir();
    assert.equal(xtestPackOk(['index-pack', '--no-progress', 'p.pack'], { cwd: dir }).toString(), `${checksum}\n`);
    xtestPackOk(['verify', '--no-progress', 'p.idx'], { cwd: dir });
    const r = xtestPack(['index-pack', '--progress', 'p.pack'], { cwd: dir });
    assert.equal(r.status, 0);
    assert.equal(r.stdout.toString(), `${checksum}\n`);
    assert.match(r.stderr, /Indexing objects: 100% \(15\/15\), done\./);
  });
});

describe('cli: help and version', () => {
  for (const args of [['--help'], ['-h'], ['help'], ['index-pack', '--help'], ['verify', '--help'], ['help', 'verify']]) {
    test(`${args.join(' ')}: exit 0, usage on stdout`, () => {
      const out = xtestPackOk(args).toString('utf8');
      assert.match(out, /^Usage: xtest-pack/);
    });
  }

  test('--help lists both commands', () => {
    const out = xtestPackOk(['--help']).toString('utf8');
    assert.match(out, /index-pack/);
    assert.match(out, /verify/);
  });

  test('--version names the package version and the backend in use (from XTEST_PACK_BACKEND)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const out = xtestPackOk(['--version']).toString('utf8');
    assert.ok(out.startsWith(`xtest-pack ${pkg.version} `), out);
    const backend = process.env['XTEST_PACK_BACKEND'] || 'node';
    assert.ok(out.includes(`backend: ${backend}:`), out);
  });

  test('--backend overrides XTEST_PACK_BACKEND, for --version too', () => {
    for (const [env, flag] of [['node', 'portable'], ['portable', 'node']] as const) {
      const r = xtestPack(['--backend', flag, '--version'], { env: { XTEST_PACK_BACKEND: env } });
      assert.equal(r.status, 0);
      assert.ok(r.stdout.toString('utf8').includes(`backend: ${flag}:`), `with $XTEST_PACK_BACKEND=${env}: ${r.stdout}`);
    }
  });

  test('no command at all: usage on stderr, exit 2', () => {
    assertUsage([], undefined, false);
  });
});

describe('cli: usage errors exit 2 with one line', () => {
  const cases: [string, string[]][] = [
    ['an unknown option', ['index-pack', '--bogus', 'p.pack']],
    ['an unknown option of verify', ['verify', '--bogus', 'p.idx']],
    ['an unknown command', ['bogus']],
    ['index-pack without a pack', ['index-pack']],
    ['verify without a pack', ['verify']],
    ['two packs to index-pack', ['index-pack', 'p.pack', 'p.pack']],
    ['--index-version 3', ['index-pack', '--index-version', '3', 'p.pack']],
    ['--object-format md5', ['index-pack', '--object-format', 'md5', 'p.pack']],
    ['verify --object-format sha3', ['verify', '--object-format', 'sha3', 'p.idx']],
    ['a pack name not ending in .pack, without -o', ['index-pack', 'p.bin']],
    ['an unknown backend', ['--backend', 'nope', 'verify', 'p.idx']],
  ];
  for (const [what, args] of cases) {
    test(what, () => {
      const { dir } = packDir();
      writeFileSync(join(dir, 'p.bin'), readFileSync(join(dir, 'p.pack')));
      assertUsage(args, dir);
      assert.throws(() => readFileSync(join(dir, 'p.bin.idx')), { code: 'ENOENT' });
    });
  }

  test('an unknown backend in XTEST_PACK_BACKEND', () => {
    const { dir } = packDir();
    const r = xtestPack(['verify', 'p.idx'], { cwd: dir, env: { XTEST_PACK_BACKEND: 'nope' } });
    assert.equal(r.status, 2);
    assertOneLineError(r.stderr);
  });

  test('a pack name not ending in .pack is fine with -o', () => {
    const { dir, checksum } = packDir();
    writeFileSync(join(dir, 'p.bin'), readFileSync(join(dir, 'p.pack')));
    assert.equal(xtestPackOk(['index-pack', '-o', 'x.idx', 'p.bin'], { cwd: dir }).toString(), `${checksum}\n`);
    assert.ok(readFileSync(join(dir, 'x.idx')).equals(readFileSync(join(dir, 'p.idx'))));
  });
});

describe('cli: failures exit 1 with one line naming the file', () => {
  test('index-pack of a missing file', () => {
    const { dir } = packDir();
    assertFailure(['index-pack', 'missing.pack'], dir, 'missing.pack');
  });

  test('index-pack of an empty file, of a directory, of a pack cut short', () => {
    const { dir, pack } = packDir();
    writeFileSync(join(dir, 'empty.pack'), '');
    mkdirSync(join(dir, 'dir.pack'));
    writeFileSync(join(dir, 'short.pack'), readFileSync(pack).subarray(0, 100));
    for (const name of ['empty.pack', 'dir.pack', 'short.pack']) {
      assert.equal(assertFailure(['index-pack', name], dir, name), '');
      assert.throws(() => readFileSync(join(dir, name.replace('.pack', '.idx'))), { code: 'ENOENT' });
    }
  });

  test('index-pack of a damaged pack writes no idx and leaves no temporary file', () => {
    const { dir, pack } = packDir();
    const bytes = readFileSync(pack);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    writeFileSync(join(dir, 'bad.pack'), bytes);
    assertFailure(['index-pack', 'bad.pack'], dir, 'bad.pack');
    assert.deepEqual(readdirSync(dir).sort(), ['bad.pack', 'p.idx', 'p.pack']);
  });

  test('index-pack -o into a directory that does not exist', () => {
    const { dir } = packDir();
    assertFailure(['index-pack', '-o', join('no', 'such', 'dir', 'x.idx'), 'p.pack'], dir, 'x.idx');
  });

  test('verify of a missing idx, of a missing pack', () => {
    const { dir } = packDir();
    assertFailure(['verify', 'missing.idx'], dir, 'missing.idx');
    writeFileSync(join(dir, 'lonely.idx'), readFileSync(join(dir, 'p.idx')));
    assertFailure(['verify', 'lonely.idx'], dir, 'lonely.pack');
  });

  test('verify of a pack with a damaged idx', () => {
    const { dir, idx } = packDir();
    const bytes = readFileSync(idx);
    bytes[100] = bytes[100]! ^ 1;
    writeFileSync(idx, bytes);
    assertFailure(['verify', 'p.idx'], dir, 'p.idx');
  });

  test('--debug adds the stack trace of an error, after the one line', () => {
    const { dir } = packDir();
    const r = xtestPack(['--debug', 'index-pack', 'missing.pack'], { cwd: dir });
    assert.equal(r.status, 1);
    const [first, ...rest] = r.stderr.split('\n');
    assert.match(first!, /^xtest-pack: missing\.pack: /);
    assert.ok(rest.some((l) => /^\s+at /.test(l)), `no stack trace: ${r.stderr}`);
  });
});
