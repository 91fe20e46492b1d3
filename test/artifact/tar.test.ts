// The .tar.gz writer and reader against the real tools: GNU tar lists and extracts what we
// write (names, modes, owner 0/0, mtime 0, identical bytes) and gzip -t accepts it; we read GNU
// tar's ustar, pax and gnu output (long names, directories, symlinks, empty and 1 MiB files,
// "./" names) and an `npm pack` tarball, which extractTarEntries with strip 1 turns back into
// the package's files. Then determinism (any order, pinned bytes), the gzip header variants
// other writers use (FNAME, FEXTRA, FCOMMENT, FHCRC, concatenated members) and the writer's
// argument checks.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { decodeTar, decodeTarGz, encodeTar, encodeTarGz, TAR_MTIME, type TarEntry } from '../../src/artifact/index.js';
import { extractTarEntries } from '../../src/artifact/extract.js';
import { pseudoRandomBytes } from '../support/pack-builder.js';
import { scratchDir } from '../support/repos.js';
import { comparable, expectArchiveError, readTree, sortEntries, tool, toolOk } from '../support/tar-tools.js';

const backend = getBackend();
const T = { timeout: 60_000 };
const enc = new TextEncoder();
const NONE = new Uint8Array(0);

const LONG_DIR = `${'l'.repeat(70)}/${'m'.repeat(70)}`; // 141 bytes: needs the ustar prefix field

/** What the writer is given: a little of everything (parents of `deep/...` and LONG_DIR left implicit). */
const ENTRIES: TarEntry[] = [
  { path: 'README.md', type: 'file', mode: 0o644, data: enc.encode('# read me\n') },
  { path: 'bin', type: 'directory', mode: 0o750, data: NONE },
  { path: 'bin/run.sh', type: 'file', mode: 0o755, data: enc.encode('#!/bin/sh\necho run\n') },
  { path: 'empty', type: 'file', mode: 0o600, data: NONE },
  { path: 'big.bin', type: 'file', mode: 0o644, data: pseudoRandomBytes(1 << 20, 7) },
  { path: 'deep/a/b/c.txt', type: 'file', mode: 0o644, data: enc.encode('c\n') },
  { path: 'deep/link', type: 'symlink', mode: 0o777, data: NONE, linkTarget: 'a/b/c.txt' },
  { path: 'r\u00e9sum\u00e9/\u00fcber.txt', type: 'file', mode: 0o644, data: enc.encode('utf-8 names\n') },
  { path: `${LONG_DIR}/file-with-a-long-name.txt`, type: 'file', mode: 0o644, data: enc.encode('long\n') },
];

/** ENTRIES as the archive holds them: sorted, with the implied parents (0755). */
function expectedEntries(): TarEntry[] {
  const dirs = ['deep', 'deep/a', 'deep/a/b', 'r\u00e9sum\u00e9', 'l'.repeat(70), LONG_DIR];
  return sortEntries([...ENTRIES, ...dirs.map((path): TarEntry => ({ path, type: 'directory', mode: 0o755, data: NONE }))]);
}

function modeString(e: TarEntry): string {
  const t = e.type === 'directory' ? 'd' : e.type === 'symlink' ? 'l' : '-';
  let s = '';
  for (let shift = 6; shift >= 0; shift -= 3) {
    const bits = (e.mode >> shift) & 7;
    s += `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
  }
  return t + s;
}

function writeOurs(entries: readonly TarEntry[] = ENTRIES): string {
  const file = join(scratchDir('xtest-pack-tar-'), 'ours.tar.gz');
  writeFileSync(file, encodeTarGz(entries));
  return file;
}

describe('GNU tar and gzip read what we write', () => {
  test('tar -tvzf lists every name (parents first), its mode, owner 0/0, size and the fixed mtime', T, () => {
    const file = writeOurs();
    const out = toolOk('tar', ['--quoting-style=literal', '-tvzf', file]).toString('utf8');
    const lines = out.trimEnd().split('\n');
    const want = expectedEntries();
    assert.equal(lines.length, want.length, out);
    lines.forEach((line, i) => {
      const e = want[i]!;
      const m = /^(\S{10}) (\S+)\s+(\d+) (\d{4}-\d\d-\d\d \d\d:\d\d) (.*)$/.exec(line);
      assert.ok(m, `unexpected line: ${line}`);
      const [, mode, owner, size, time, rest] = m;
      assert.equal(mode, modeString(e), line);
      assert.equal(owner, '0/0', line);
      assert.equal(Number(size), e.data.length, line);
      assert.equal(time, '1970-01-01 00:00', line);
      const name = e.type === 'directory' ? `${e.path}/` : e.type === 'symlink' ? `${e.path} -> ${e.linkTarget}` : e.path;
      assert.equal(rest, name, line);
    });
    assert.equal(TAR_MTIME, 0);
  });

  test('tar -xzf gives identical bytes, modes, link targets and mtime 0; gzip -t passes', T, () => {
    const file = writeOurs();
    const out = scratchDir('xtest-pack-tar-x-');
    toolOk('tar', ['-xpzf', file, '-C', out]);
    assert.deepEqual(comparable(readTree(out)), comparable(expectedEntries()));
    assert.equal(statSync(join(out, 'big.bin')).mtimeMs, 0);
    assert.equal(statSync(join(out, 'bin')).mtimeMs, 0);
    const t = tool('gzip', ['-t', '-v', file]);
    assert.equal(t.status, 0, t.stderr);
  });

  test('our tar stream is byte for byte what GNU tar --format=ustar writes for the same tree (owner 0/0, mtime 0)', T, () => {
    // The same files on disk, with the same modes; GNU tar's --sort=name order equals ours
    // here (no name has a byte below '/' where another has a '/').
    const entries = ENTRIES.filter((e) => e.path !== 'big.bin');
    const src = scratchDir('xtest-pack-tar-same-');
    const want = sortEntries([...expectedEntries().filter((e) => e.path !== 'big.bin')]);
    for (const e of want) {
      const abs = join(src, e.path);
      if (e.type === 'directory') mkdirSync(abs);
      else if (e.type === 'file') writeFileSync(abs, e.data);
      else symlinkSync(e.linkTarget!, abs);
      if (e.type !== 'symlink') chmodSync(abs, e.mode);
    }
    const top = want.filter((e) => !e.path.includes('/')).map((e) => e.path);
    const file = join(src, '..', 'gnu.tar');
    toolOk('tar', ['--format=ustar', '--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '--sort=name', '--blocking-factor=2', '-cf', file, '-C', src, ...top]);
    const theirs = readFileSync(file);
    const ours = encodeTar(entries);
    assert.ok(theirs.length >= ours.length && theirs.length - ours.length < 1024, `${theirs.length} vs ${ours.length}`);
    for (let at = 0; at < ours.length; at += 512) {
      assert.ok(Buffer.from(ours.subarray(at, at + 512)).equals(theirs.subarray(at, at + 512)), `block ${at / 512} differs`);
    }
    assert.ok(theirs.subarray(ours.length).every((b) => b === 0), 'GNU tar pads the record with zeros only');
  });

  test('gzip -l reports the tar size (ISIZE) and the header carries no name, MTIME 0, OS 255', T, () => {
    const bytes = encodeTarGz(ENTRIES);
    assert.deepEqual([...bytes.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
    const file = writeOurs();
    const listing = toolOk('gzip', ['-l', file]).toString();
    assert.match(listing, new RegExp(`\\s${encodeTar(ENTRIES).length}\\s`), listing);
  });
});

/** A source tree for GNU tar to archive: what `ustar` can hold, and more for pax and gnu. */
function makeSourceTree(withLongNames: boolean): string {
  const src = scratchDir('xtest-pack-tar-src-');
  const w = (rel: string, data: string | Uint8Array, mode = 0o644) => {
    mkdirSync(join(src, rel, '..'), { recursive: true });
    writeFileSync(join(src, rel), data);
    chmodSync(join(src, rel), mode);
  };
  mkdirSync(join(src, 'dir/sub'), { recursive: true });
  chmodSync(join(src, 'dir'), 0o750);
  mkdirSync(join(src, 'empty-dir'));
  w('dir/sub/f.txt', 'f\n');
  w('empty', '');
  w('big', pseudoRandomBytes(1 << 20, 99));
  w('run.sh', '#!/bin/sh\n', 0o755);
  w('d\u00e9j\u00e0/vu.txt', 'utf-8\n');
  w(`${LONG_DIR}/in-the-prefix-field.txt`, 'prefix\n');
  symlinkSync('dir/sub/f.txt', join(src, 'link'));
  if (withLongNames) {
    const component = 'c'.repeat(150); // no ustar split holds this
    w(`${component}/${'n'.repeat(120)}.txt`, 'long name\n');
    symlinkSync(`${component}/${'n'.repeat(120)}.txt`, join(src, 'long-target')); // > 100 bytes
  }
  return src;
}

describe('we read what GNU tar writes', () => {
  for (const [format, names] of [
    ['ustar', 'listed'],
    ['pax', 'dot'],
    ['gnu', 'dot'],
    ['gnu', 'listed'],
  ] as const) {
    test(`--format=${format}, ${names === 'dot' ? '"./" names (-C src .)' : 'names listed'}: every entry, byte for byte`, T, () => {
      const src = makeSourceTree(format !== 'ustar');
      const file = join(scratchDir('xtest-pack-tar-gnu-'), `${format}.tar.gz`);
      const what = names === 'dot' ? ['.'] : readTree(src).filter((e) => !e.path.includes('/')).map((e) => e.path);
      toolOk('tar', [`--format=${format}`, '-czf', file, '-C', src, ...what]);
      const got = decodeTarGz(readFileSync(file), backend, { file });
      assert.deepEqual(comparable(got), comparable(readTree(src)));
    });
  }

  test('uncompressed GNU tar output decodes with decodeTar (trailing record padding tolerated)', T, () => {
    const src = makeSourceTree(true);
    const file = join(scratchDir('xtest-pack-tar-gnu-'), 'plain.tar');
    toolOk('tar', ['--format=pax', '-cf', file, '-C', src, '.']);
    const bytes = readFileSync(file);
    assert.equal(bytes.length % 10240, 0, 'GNU tar pads to a 10240-byte record');
    assert.deepEqual(comparable(decodeTar(new Uint8Array(bytes))), comparable(readTree(src)));
  });
});

describe('npm pack', () => {
  test('we read the tarball of a tiny package; extractTarEntries with strip 1 gives its files back', T, () => {
    const root = scratchDir('xtest-pack-npm-');
    const pkg = join(root, 'pkg');
    mkdirSync(join(pkg, 'lib/deep'), { recursive: true });
    mkdirSync(join(pkg, 'bin'));
    const files: Record<string, string> = {
      'package.json': `${JSON.stringify({ name: 'tiny-pkg', version: '1.2.3', license: 'MIT', bin: { tiny: 'bin/tiny.js' }, files: ['index.js', 'lib', 'bin'] }, null, 2)}\n`,
      'index.js': "export const x = 'x';\n",
      'lib/util.js': 'export function util() {}\n',
      'lib/deep/data.json': '{"a": [1, 2, 3]}\n',
      'bin/tiny.js': '#!/usr/bin/env node\nconsole.log("tiny");\n',
      'README.md': '# tiny-pkg\n',
    };
    for (const [rel, content] of Object.entries(files)) writeFileSync(join(pkg, rel), content);
    chmodSync(join(pkg, 'bin/tiny.js'), 0o755);
    const userconfig = join(root, 'npmrc');
    writeFileSync(userconfig, '');
    const env = {
      npm_config_cache: join(root, 'cache'),
      npm_config_userconfig: userconfig,
      npm_config_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_loglevel: 'error',
    };
    const r = tool('npm', ['pack', '--json', '--pack-destination', root], { cwd: pkg, env });
    assert.equal(r.status, 0, r.stderr);
    const [{ filename }] = JSON.parse(r.stdout.toString()) as [{ filename: string }];
    const file = join(root, filename);
    const entries = decodeTarGz(readFileSync(file), backend, { file });
    assert.deepEqual(entries.map((e) => e.path).sort(), Object.keys(files).map((f) => `package/${f}`).sort());
    assert.ok(entries.every((e) => e.type === 'file'));

    const out = join(root, 'out');
    extractTarEntries(entries, out, { strip: 1 });
    const umask = process.umask();
    const got = readTree(out).filter((e) => e.type === 'file');
    assert.deepEqual(got.map((e) => e.path).sort(), Object.keys(files).sort());
    for (const e of got) {
      assert.equal(Buffer.from(e.data).toString(), files[e.path], e.path);
      const archived = entries.find((a) => a.path === `package/${e.path}`)!;
      assert.equal(e.mode, archived.mode & 0o777 & ~umask, e.path);
    }
    assert.equal(got.find((e) => e.path === 'bin/tiny.js')!.mode & 0o100, 0o100, 'the bin stays executable');
  });
});

describe('determinism', () => {
  function shuffled<X>(xs: readonly X[], seed: number): X[] {
    const out = [...xs];
    let s = seed;
    for (let i = out.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const j = s % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  test('the same entries in any order, parents given or implied, give the same bytes', T, () => {
    const want = encodeTarGz(ENTRIES);
    for (let seed = 1; seed <= 6; seed++) assert.ok(Buffer.from(encodeTarGz(shuffled(ENTRIES, seed))).equals(Buffer.from(want)), `order ${seed}`);
    // Giving the implied parents explicitly, with the default mode, changes nothing.
    assert.ok(Buffer.from(encodeTarGz(shuffled(expectedEntries(), 9))).equals(Buffer.from(want)));
    // Decoding (this backend) and encoding again is the identity on bytes.
    assert.ok(Buffer.from(encodeTarGz(decodeTarGz(want, backend))).equals(Buffer.from(want)));
  });

  // The digests were taken from this writer (the tar stream's bytes are GNU tar's, see above):
  // they change only if the format or pako's deflate does, which would break reproducibility.
  test('pinned bytes: the same archive on every machine and backend (pako pinned)', T, () => {
    const small: TarEntry[] = [
      { path: 'fixtures/a.txt', type: 'file', mode: 0o644, data: enc.encode('hello\n') },
      { path: 'fixtures/run', type: 'file', mode: 0o755, data: enc.encode('#!/bin/sh\n') },
      { path: 'fixtures/link', type: 'symlink', mode: 0o777, data: NONE, linkTarget: 'a.txt' },
    ];
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    assert.equal(sha(encodeTar(small)), '8650fef854a2761d209039602bb738faa7f088ac8174762c1c5df563540f28a8');
    assert.equal(sha(encodeTarGz(small)), 'b88d4ce88913582ada54e327aca1d2c88b705531c68bf4215cd728f43006215e');
    assert.equal(sha(encodeTarGz(small, { level: 1 })), '4b6e110c9ec52988a6992bdf2593b9af765ebd0e299c25c3698f445b03c45c93');
  });

  test('decode gives the entries back, sorted, with the implied parents; XFL follows the level', T, () => {
    const got = decodeTarGz(encodeTarGz(ENTRIES), backend, { file: 'x.tar.gz' });
    assert.deepEqual(comparable(got), comparable(expectedEntries()));
    assert.deepEqual(got.map((e) => e.path), expectedEntries().map((e) => e.path), 'archive order is path order');
    assert.equal(encodeTarGz(ENTRIES, { level: 1 })[8], 4);
    assert.equal(encodeTarGz(ENTRIES, { level: 6 })[8], 0);
    assert.equal(encodeTarGz(ENTRIES, { level: 0 })[8], 4);
    for (const level of [0, 1, 6, 9]) assert.deepEqual(comparable(decodeTarGz(encodeTarGz(ENTRIES, { level }), backend)), comparable(expectedEntries()));
  });
});

describe('gzip headers other writers produce', () => {
  const tar = encodeTar(ENTRIES.slice(0, 4));
  const want = comparable(decodeTar(tar));

  test('gzip -c of a named file (FNAME, MTIME set) and gzip -9n', T, () => {
    const dir = scratchDir('xtest-pack-gz-');
    writeFileSync(join(dir, 'named.tar'), tar);
    for (const flags of [['-c'], ['-9', '-n', '-c']]) {
      const bytes = new Uint8Array(toolOk('gzip', [...flags, join(dir, 'named.tar')]));
      if (flags.length === 1) assert.equal(bytes[3]! & 8, 8, 'FNAME set');
      assert.deepEqual(comparable(decodeTarGz(bytes, backend)), want);
    }
  });

  test('FEXTRA, FNAME, FCOMMENT, FTEXT and a right FHCRC are read; a wrong FHCRC is ARCHIVE_CORRUPT', T, () => {
    const plain = new Uint8Array(gzipSync(tar));
    const head = [0x1f, 0x8b, 8, 1 | 2 | 4 | 8 | 16, 0, 0, 0, 0, 0, 3, 4, 0, 0x41, 0x42, 2, 0, ...enc.encode('name.tar\0a comment\0')];
    const crc16 = backend.crc32(Uint8Array.from(head)) & 0xffff;
    const build = (c: number) => Uint8Array.from([...head, c & 0xff, c >> 8, ...plain.subarray(10)]);
    assert.deepEqual(comparable(decodeTarGz(build(crc16), backend)), want);
    expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarGz(build(crc16 ^ 1), backend, { file: 'h.gz' }), { file: 'h.gz', offset: head.length, includes: ['CRC-16'] });
  });

  test('concatenated gzip members (cat a.gz b.gz) are one stream; zero padding after the last is tolerated', T, () => {
    for (const cut of [0, 1, 511, 512, 700, tar.length - 1, tar.length]) {
      const joined = Buffer.concat([gzipSync(tar.subarray(0, cut)), gzipSync(tar.subarray(cut))]);
      assert.deepEqual(comparable(decodeTarGz(joined, backend)), want, `cut at ${cut}`);
    }
    const three = Buffer.concat([gzipSync(tar.subarray(0, 100)), gzipSync(tar.subarray(100, 2000)), gzipSync(tar.subarray(2000)), Buffer.alloc(37)]);
    assert.deepEqual(comparable(decodeTarGz(three, backend)), want);
    // maxSize bounds the whole stream, not each member.
    const two = Buffer.concat([gzipSync(tar.subarray(0, 1024)), gzipSync(tar.subarray(1024))]);
    decodeTarGz(two, backend, { maxSize: tar.length });
    expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarGz(two, backend, { maxSize: tar.length - 1 }), { includes: ['maxSize'] });
  });
});

describe('writer argument checks', () => {
  const file = (path: string, extra: Partial<TarEntry> = {}): TarEntry => ({ path, type: 'file', mode: 0o644, data: NONE, ...extra });
  const cases: [string, TarEntry[], string][] = [
    ['a .. component', [file('../x')], '"../x"'],
    ['an absolute path', [file('/abs')], '"/abs"'],
    ['an empty component', [file('a//b')], '"a//b"'],
    ['a trailing slash', [file('a/')], '"a/"'],
    ['a . component', [file('./a')], '"./a"'],
    ['an empty path', [file('')], '""'],
    ['a NUL', [file('a\0b')], '"a\\u0000b"'],
    ['a lone surrogate', [file('a\ud800')], '"a\\ud800"'],
    ['a duplicate path', [file('a'), file('a')], 'twice'],
    ['a path below a file', [file('a'), file('a/b')], '"a/b"'],
    ['a path below a symlink', [{ path: 'l', type: 'symlink', mode: 0o777, data: NONE, linkTarget: 'x' }, file('l/b')], '"l/b"'],
    ['a name ustar cannot split', [file('x'.repeat(101))], `"${'x'.repeat(101)}"`],
    ['a prefix over 155 bytes', [file(`${'p'.repeat(160)}/f`)], `(the parent directory of "${'p'.repeat(160)}/f")`],
    ['a link target over 100 bytes', [{ path: 'l', type: 'symlink', mode: 0o777, data: NONE, linkTarget: 't'.repeat(101) }], '"l"'],
    ['a symlink without target', [{ path: 'l', type: 'symlink', mode: 0o777, data: NONE }], '"l"'],
    ['a file with a link target', [file('f', { linkTarget: 'x' })], '"f"'],
    ['data on a directory', [{ path: 'd', type: 'directory', mode: 0o755, data: Uint8Array.of(1) }], '"d"'],
    ['a mode beyond 0o7777', [file('f', { mode: 0o10644 })], '"f"'],
    ['a fractional mode', [file('f', { mode: 1.5 })], '"f"'],
  ];
  for (const [what, entries, named] of cases) {
    test(`${what}: RangeError naming the path`, () => {
      assert.throws(() => encodeTarGz(entries), (e: unknown) => e instanceof RangeError && e.message.includes(named), what);
    });
  }
  test('wrong types are TypeErrors; a level outside 0-9 is a RangeError', () => {
    assert.throws(() => encodeTarGz([{ ...file('f'), type: 'fifo' as 'file' }]), TypeError);
    assert.throws(() => encodeTarGz([{ ...file('f'), data: 'text' as unknown as Uint8Array }]), TypeError);
    for (const level of [-1, 10, 2.5, NaN]) assert.throws(() => encodeTarGz([], { level }), RangeError, String(level));
  });
  test('the longest names ustar holds are written and read back (prefix 155, name 100)', () => {
    const half = (c: string) => c.repeat(77); // two of them and a '/' make a 155-byte prefix
    const path = `${half('p')}/${half('o')}/${'n'.repeat(100)}`;
    const dirPath = `${half('q')}/${half('r')}/${'d'.repeat(99)}`; // 99 + the trailing '/'
    const got = decodeTarGz(encodeTarGz([file(path), { path: dirPath, type: 'directory', mode: 0o700, data: NONE }]), backend);
    assert.deepEqual(
      got.map((e) => [e.path, e.type]),
      [
        [half('p'), 'directory'],
        [`${half('p')}/${half('o')}`, 'directory'],
        [path, 'file'],
        [half('q'), 'directory'],
        [`${half('q')}/${half('r')}`, 'directory'],
        [dirPath, 'directory'],
      ],
    );
    // One byte more does not fit; nor does a directory of 101 bytes without a '/' (as GNU tar).
    assert.throws(() => encodeTarGz([file(`${half('p')}/${half('o')}/${'n'.repeat(101)}`)]), RangeError);
    assert.throws(() => encodeTarGz([{ path: `${half('q')}/${half('r')}/${'d'.repeat(100)}`, type: 'directory', mode: 0o700, data: NONE }]), RangeError);
    assert.throws(() => encodeTarGz([{ path: 'q'.repeat(100), type: 'directory', mode: 0o700, data: NONE }]), RangeError);
  });
  test('an empty entry list is two zero blocks', () => {
    assert.equal(encodeTar([]).length, 1024);
    assert.deepEqual(decodeTarGz(encodeTarGz([]), backend), []);
  });
});
