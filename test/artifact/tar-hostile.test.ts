// Hostile .tar.gz input, built byte by byte: every one is refused with one line naming the file,
// the offset and the entry. ARCHIVE_CORRUPT for damage (gzip or tar structure, sizes, types);
// UNSAFE_PATH for paths (absolute, '..', '.', empty components, NUL, invalid UTF-8, duplicates,
// entries below a file or symlink). Gzip-level offsets are in the .tar.gz file, tar-level
// offsets in the inflated tar stream. Declared sizes are never allocated (2^40 answers at once).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { getBackend } from '../../src/backend/index.js';
import { decodeTarGz, encodeTar, encodeTarGz, type TarEntry } from '../../src/artifact/index.js';
import { blocks, expectArchiveError, fileEntry, gz, header, paxRecords, tarOf } from '../support/tar-tools.js';

const backend = getBackend();
const T = { timeout: 60_000 };
const enc = new TextEncoder();
const NONE = new Uint8Array(0);
const FILE = 'hostile.tar.gz';

const ENTRIES: TarEntry[] = [
  { path: 'a/b.txt', type: 'file', mode: 0o644, data: enc.encode('b'.repeat(700)) },
  { path: 'a/c.txt', type: 'file', mode: 0o644, data: enc.encode('c\n') },
  { path: 'a/l', type: 'symlink', mode: 0o777, data: NONE, linkTarget: 'b.txt' },
  { path: 'z', type: 'file', mode: 0o755, data: enc.encode('#!/bin/sh\n') },
];

/** Decode a tar stream (gzipped here) under FILE. */
function decodeTarBytes(tar: Uint8Array, options: { maxSize?: number } = {}): TarEntry[] {
  return decodeTarGz(gz(tar), backend, { file: FILE, ...options });
}

function refusedTar(code: 'ARCHIVE_CORRUPT' | 'UNSAFE_PATH', tar: Uint8Array, offset: number, includes: readonly string[]) {
  return expectArchiveError(code, () => decodeTarBytes(tar), { file: FILE, offset, includes });
}

describe('gzip layer', () => {
  const good = encodeTarGz(ENTRIES);

  test('truncated at every point: ARCHIVE_CORRUPT with an offset, never a partial result', T, () => {
    for (let cut = 0; cut < good.length; cut++) {
      expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarGz(good.subarray(0, cut), backend, { file: FILE }), { file: FILE });
    }
  });

  test('a flipped byte in the deflate data (stored blocks): CRC-32 mismatch at the trailer', T, () => {
    const stored = encodeTarGz(ENTRIES, { level: 0 });
    const tarLength = encodeTar(ENTRIES).length;
    for (const at of [10 + 5, 10 + 5 + 100, 10 + 5 + 1536 + 3, 10 + 5 + tarLength - 1]) {
      const bad = stored.slice();
      bad[at]! ^= 0x20;
      expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarGz(bad, backend, { file: FILE }), { file: FILE, offset: stored.length - 8, includes: ['CRC-32'] });
    }
  });

  test('a flipped byte anywhere after the header (level 9): ARCHIVE_CORRUPT, or the very same entries', T, () => {
    const want = decodeTarGz(good, backend);
    fc.assert(
      fc.property(fc.integer({ min: 10, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const bad = good.slice();
        bad[at]! ^= xor;
        let got: TarEntry[];
        try {
          got = decodeTarGz(bad, backend, { file: FILE });
        } catch {
          expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarGz(bad, backend, { file: FILE }), { file: FILE });
          return;
        }
        // Only the padding bits after the last deflate block can change without effect.
        assert.deepEqual(got, want, `byte ${at} ^ ${xor} accepted with different content`);
      }),
      { numRuns: 300 },
    );
  });

  test('ISIZE mismatch', () => {
    const bad = good.slice();
    bad[bad.length - 4]! ^= 1;
    expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarGz(bad, backend, { file: FILE }), { file: FILE, offset: good.length - 4, includes: ['ISIZE'] });
  });

  test('inflated size over maxSize (a 64 MiB bomb with a 1 MiB limit; the exact limit passes)', T, () => {
    const tarLength = encodeTar(ENTRIES).length;
    decodeTarGz(good, backend, { maxSize: tarLength });
    expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarGz(good, backend, { file: FILE, maxSize: tarLength - 1 }), { file: FILE, offset: 10, includes: ['maxSize'] });
    const bomb = gz(new Uint8Array(64 << 20));
    assert.ok(bomb.length < 100_000);
    expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarGz(bomb, backend, { file: FILE, maxSize: 1 << 20 }), { file: FILE, includes: [`${1 << 20} bytes`] });
    assert.throws(() => decodeTarGz(good, backend, { maxSize: -1 }), RangeError);
  });

  test('trailing garbage after the gzip data is refused; trailing zeros are not', () => {
    const withZeros = Uint8Array.from([...good, 0, 0, 0, 0]);
    assert.equal(decodeTarGz(withZeros, backend).length, decodeTarGz(good, backend).length);
    for (const tail of [[0x41], [0x00, 0x00, 0x07], [0x1f]]) {
      const bad = Uint8Array.from([...good, ...tail]);
      const garbageAt = good.length + tail.findIndex((b) => b !== 0);
      expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarGz(bad, backend, { file: FILE }), { file: FILE, offset: garbageAt, includes: ['trailing garbage'] });
    }
    // 1f 8b starts another member: a cut one.
    const cut = Uint8Array.from([...good, 0x1f, 0x8b]);
    expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarGz(cut, backend, { file: FILE }), { file: FILE, offset: cut.length, includes: ['ends early'] });
  });

  test('bad gzip headers: empty, not gzip, method 7, reserved flags, a cut name, a cut extra field', () => {
    const cases: [string, Uint8Array, number, string][] = [
      ['empty', NONE, 0, 'empty'],
      ['a plain tar', encodeTar(ENTRIES), 0, 'not gzip'],
      ['method 7', Uint8Array.from([...good.subarray(0, 2), 7, ...good.subarray(3)]), 2, 'method 7'],
      ['reserved flag 0x20', Uint8Array.from([...good.subarray(0, 3), 0x20, ...good.subarray(4)]), 3, 'reserved'],
      ['FNAME without its NUL', Uint8Array.of(0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 255, 0x61, 0x62), 12, 'file name'],
      ['FEXTRA longer than the input', Uint8Array.of(0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 255, 0xff, 0x7f, 1, 2), 14, 'extra field'],
      ['cut fixed header', good.subarray(0, 6), 6, 'fixed part'],
    ];
    for (const [what, bytes, offset, includes] of cases) {
      expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarGz(bytes, backend, { file: FILE }), { file: FILE, offset, includes: [includes] });
      assert.ok(what);
    }
  });
});

describe('tar layer: structure', () => {
  const tar = encodeTar(ENTRIES);
  const headerAt = (n: number) => {
    let at = 0;
    for (let i = 0; i < n; i++) at += 512 + Math.ceil(Number.parseInt(new TextDecoder().decode(tar.subarray(at + 124, at + 135)), 8) / 512) * 512;
    return at;
  };

  test('cut at every block boundary and at random points: ARCHIVE_CORRUPT', T, () => {
    const cuts = new Set<number>();
    for (let at = 0; at < tar.length; at += 512) cuts.add(at);
    for (let k = 0; k < 40; k++) cuts.add(Math.floor(Math.random() * tar.length));
    for (const cut of cuts) expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarBytes(tar.subarray(0, cut)), { file: FILE });
    // The two cases at the very end say what is missing.
    refusedTar('ARCHIVE_CORRUPT', tar.subarray(0, tar.length - 1024), tar.length - 1024, ['two zero blocks']);
    refusedTar('ARCHIVE_CORRUPT', tar.subarray(0, tar.length - 512), tar.length - 1024, ['single zero block']);
  });

  test('a bad header checksum names the entry and the header offset', () => {
    const bad = tar.slice();
    const at = headerAt(1); // a/b.txt
    bad[at + 1]! ^= 1; // "a/b.txt" -> "a.b.txt", checksum not updated
    const e = refusedTar('ARCHIVE_CORRUPT', bad, at, ['header checksum', '"a.b.txt"']);
    assert.match(e.message, /^hostile\.tar\.gz offset \d+: entry "a\.b\.txt": header checksum \d+ does not match the header's sum \d+$/);
    const badField = tar.slice();
    badField[at + 148] = 0x39; // '9' is not octal
    refusedTar('ARCHIVE_CORRUPT', badField, at, ['checksum field']);
  });

  test('a signed checksum (old tars) is accepted', () => {
    const h = header({ name: 'caf\u00e9', size: 2 });
    let signed = 0;
    for (let i = 0; i < 512; i++) signed += i >= 148 && i < 156 ? 0x20 : h[i]! >= 128 ? h[i]! - 256 : h[i]!;
    const got = decodeTarBytes(tarOf([header({ name: 'caf\u00e9', size: 2, checksum: signed }), blocks('hi')]));
    assert.equal(got[0]!.path, 'caf\u00e9');
  });

  test('sizes beyond what remains are refused before anything is allocated: octal 8 GiB, base-256 2^40, pax size 2^40', T, () => {
    const b256 = new Uint8Array(12);
    b256[0] = 0x80;
    b256[6] = 1; // 2^40: byte 6 of 12 holds bits 40-47
    const cases: [string, Uint8Array][] = [
      ['octal', tarOf([header({ name: 'big', size: 0o77777777777 })])],
      ['base-256', tarOf([header({ name: 'big', size: b256 })])],
      ['pax', tarOf([header({ name: 'pax', type: 'x', size: paxRecords({ size: String(2 ** 40) }).length }), blocks(paxRecords({ size: String(2 ** 40) })), header({ name: 'big' })])],
    ];
    for (const [what, t] of cases) {
      const started = process.hrtime.bigint();
      const e = expectArchiveError('ARCHIVE_CORRUPT', () => decodeTarBytes(t), { file: FILE, includes: ['runs past the end', '"big"'] });
      assert.ok(process.hrtime.bigint() - started < 2_000_000_000n, `${what} answered at once`);
      assert.ok(e.message.includes(what === 'octal' ? String(0o77777777777) : String(2 ** 40)), e.message);
    }
  });

  test('base-256 sizes that fit are read; negative or beyond 2^53 ones are refused', () => {
    const five = new Uint8Array(12);
    five[0] = 0x80;
    five[11] = 5;
    assert.equal(decodeTarBytes(tarOf([header({ name: 'f', size: five }), blocks('12345')]))[0]!.data.length, 5);
    const negative = new Uint8Array(12).fill(0xff);
    refusedTar('ARCHIVE_CORRUPT', tarOf([header({ name: 'f', size: negative })]), 0, ['size field']);
    const huge = new Uint8Array(12).fill(0x7f);
    huge[0] = 0x80 | 0x3f;
    refusedTar('ARCHIVE_CORRUPT', tarOf([header({ name: 'f', size: huge })]), 0, ['size field']);
    refusedTar('ARCHIVE_CORRUPT', tarOf([header({ name: 'f', size: enc.encode('12a\0') })]), 0, ['size field']);
  });

  test('trailing garbage after the end blocks is refused; zero padding (a 10240-byte record) is not', () => {
    assert.equal(decodeTarBytes(tarOf([tar, new Uint8Array(8704)], { end: false })).length, 5);
    const garbage = tarOf([tar, new Uint8Array(100), enc.encode('garbage')], { end: false });
    refusedTar('ARCHIVE_CORRUPT', garbage, tar.length + 100, ['trailing garbage']);
  });

  test('a lone zero block inside the archive, a header cut short, a missing end', () => {
    const lone = tarOf([fileEntry('a', 'x'), new Uint8Array(512), fileEntry('b', 'y')]);
    refusedTar('ARCHIVE_CORRUPT', lone, 1024, ['lone zero block']);
    refusedTar('ARCHIVE_CORRUPT', tarOf([fileEntry('a', 'x'), new Uint8Array(100).fill(1)], { end: false }), 1024, ['inside a header block']);
    refusedTar('ARCHIVE_CORRUPT', tarOf([fileEntry('a', 'x')], { end: false }), 1024, ['two zero blocks']);
  });

  test('not a ustar header (v7 tar, no magic), a bad mode field', () => {
    refusedTar('ARCHIVE_CORRUPT', tarOf([header({ name: 'old', magic: new Uint8Array(8) })]), 0, ['not a ustar header', '"old"']);
    refusedTar('ARCHIVE_CORRUPT', tarOf([header({ name: 'pax-ish', magic: enc.encode('ustar\u000001') })]), 0, ['not a ustar header']);
    const badMode = header({ name: 'm' });
    badMode.set(enc.encode('0x44'), 100);
    let sum = 0;
    badMode.fill(0x20, 148, 156);
    for (const b of badMode) sum += b;
    badMode.set(enc.encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    refusedTar('ARCHIVE_CORRUPT', tarOf([badMode]), 0, ['mode field', '"m"']);
  });

  test('hard links, devices, FIFOs, sparse files, volume labels and unknown types are refused by name', () => {
    const cases: [string, string][] = [
      ['1', 'hard link (to "target")'],
      ['3', 'character device'],
      ['4', 'block device'],
      ['6', 'FIFO'],
      ['S', 'sparse'],
      ['V', 'volume label'],
      ['D', 'directory dump'],
      ['Z', 'unknown entry type "Z"'],
    ];
    for (const [type, words] of cases) {
      const t = tarOf([fileEntry('ok', 'fine'), header({ name: `entry-${type}`, type, linkname: 'target' })]);
      refusedTar('ARCHIVE_CORRUPT', t, 1024, [`entry "entry-${type}"`, words, 'not supported']);
    }
    const paxSparse = paxRecords({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0' });
    refusedTar('ARCHIVE_CORRUPT', tarOf([header({ name: 'sp', type: 'x', size: paxSparse.length }), blocks(paxSparse), header({ name: 'f' })]), 0, ['sparse']);
  });

  test('directories and symlinks with data, a symlink without target', () => {
    refusedTar('ARCHIVE_CORRUPT', tarOf([header({ name: 'd/', type: '5', size: 3 }), blocks('abc')]), 0, ['"d/"', 'a directory with 3 bytes']);
    refusedTar('ARCHIVE_CORRUPT', tarOf([header({ name: 'l', type: '2', size: 1, linkname: 'x' }), blocks('a')]), 0, ['a symlink with 1 bytes']);
    refusedTar('ARCHIVE_CORRUPT', tarOf([header({ name: 'l', type: '2' })]), 0, ['empty target']);
  });

  test('extended headers: malformed pax records, two in a row, none followed by an entry, an empty GNU long name', () => {
    const pax = (records: Uint8Array, then: Uint8Array[] = [header({ name: 'f' })]) => tarOf([header({ name: 'PaxHeaders/f', type: 'x', size: records.length }), blocks(records), ...then]);
    for (const [records, words] of [
      [enc.encode('x path=a\n'), 'length'],
      [enc.encode('99 path=a\n'), 'does not fit'],
      [enc.encode('10 path=ab'), 'newline'],
      [enc.encode('10 path=abc'), 'newline'],
      [enc.encode('9 pathab\n'), 'key=value'],
      [enc.encode('14 size=12x45\n'), 'size'],
    ] as const) {
      refusedTar('ARCHIVE_CORRUPT', pax(records), 0, ['pax record', words]);
    }
    const p = paxRecords({ path: 'x' });
    refusedTar('ARCHIVE_CORRUPT', pax(p, [header({ name: 'P2', type: 'x', size: p.length }), blocks(p), header({ name: 'f' })]), 1024, ["two 'x'"]);
    refusedTar('ARCHIVE_CORRUPT', pax(p, []), 0, ['no entry after it']);
    refusedTar('ARCHIVE_CORRUPT', tarOf([header({ name: '././@LongLink', type: 'L', size: 1, magic: 'gnu' }), blocks('\0'), header({ name: 'f', magic: 'gnu' })]), 0, ['long name is empty']);
    // Unknown keys and a global header are ignored; an empty value unsets.
    const ok = paxRecords({ 'SCHILY.xattr.user.x': 'y', mtime: '1.5', path: 'named-by-pax' });
    const g = paxRecords({ comment: 'global' });
    const got = decodeTarBytes(tarOf([header({ name: 'G', type: 'g', size: g.length }), blocks(g), header({ name: 'PH', type: 'x', size: ok.length }), blocks(ok), header({ name: 'short' })]));
    assert.deepEqual(got.map((e) => e.path), ['named-by-pax']);
    const unset = paxRecords({ path: '' });
    assert.deepEqual(decodeTarBytes(pax(unset, [header({ name: 'from-header' })])).map((e) => e.path), ['from-header']);
  });
});

describe('tar layer: paths (UNSAFE_PATH)', () => {
  test('"../x", "/abs", "a//b", "a/./b", "a/..", a NUL in a pax path, invalid UTF-8: refused with offset and name', () => {
    const second = (spec: Parameters<typeof header>[0]) => tarOf([fileEntry('fine', 'ok'), header(spec)]);
    for (const [name, words] of [
      ['../x', "'..' component"],
      ['/abs', 'absolute'],
      ['a//b', 'empty component'],
      ['a/./b', "'.' component"],
      ['a/..', "'..' component"],
      ['a/b/', "ends with '/'"],
      ['./../x', "'..' component"],
    ] as const) {
      refusedTar('UNSAFE_PATH', second({ name }), 1024, [JSON.stringify(name), words]);
    }
    refusedTar('UNSAFE_PATH', second({ name: 'x', prefix: '..' }), 1024, ['"../x"']);
    const nul = paxRecords({ path: 'a\0b' });
    refusedTar('UNSAFE_PATH', tarOf([header({ name: 'P', type: 'x', size: nul.length }), blocks(nul), header({ name: 'f' })]), 1024, ['NUL']);
    refusedTar('UNSAFE_PATH', second({ name: Uint8Array.of(0x61, 0xff, 0x62) }), 1024, ['UTF-8']);
    refusedTar('UNSAFE_PATH', second({ name: Uint8Array.of(0xc0, 0xaf) }), 1024, ['UTF-8']); // overlong '/'
    refusedTar('UNSAFE_PATH', tarOf([header({ name: '././@LongLink', type: 'L', size: 8, magic: 'gnu' }), blocks('../evil'), header({ name: 'x', magic: 'gnu' })]), 1024, ['"../evil"']);
    const badLink = paxRecords({ linkpath: 'a\0b' });
    refusedTar('UNSAFE_PATH', tarOf([header({ name: 'P', type: 'x', size: badLink.length }), blocks(badLink), header({ name: 'l', type: '2', linkname: 'x' })]), 1024, ['NUL']);
  });

  test('"./x" is "x" and "./" (the root) is skipped; "." as a file is refused', () => {
    const got = decodeTarBytes(tarOf([header({ name: './', type: '5' }), fileEntry('./x', 'x'), header({ name: './d/', type: '5' })]));
    assert.deepEqual(
      got.map((e) => [e.path, e.type]),
      [
        ['x', 'file'],
        ['d', 'directory'],
      ],
    );
    refusedTar('UNSAFE_PATH', tarOf([fileEntry('.', 'x')]), 0, ["'.' component"]);
  });

  test('a duplicate path (also spelled "./a") names both offsets', () => {
    refusedTar('UNSAFE_PATH', tarOf([fileEntry('a', '1'), fileEntry('b', '2'), fileEntry('./a', '3')]), 2048, ['"a"', 'twice', 'offset 0']);
    refusedTar('UNSAFE_PATH', tarOf([header({ name: 'd/', type: '5' }), header({ name: 'd', type: '5' })]), 512, ['twice']);
  });

  test('an entry below a symlink or a file of the archive (in either order)', () => {
    refusedTar('UNSAFE_PATH', tarOf([header({ name: 'l', type: '2', linkname: '/etc' }), fileEntry('l/passwd', 'x')]), 512, ['"l/passwd"', 'symlink']);
    refusedTar('UNSAFE_PATH', tarOf([fileEntry('l/x/y', 'x'), header({ name: 'l', type: '2', linkname: '.' })]), 0, ['"l/x/y"', 'below "l"']);
    refusedTar('UNSAFE_PATH', tarOf([fileEntry('f', 'x'), fileEntry('f/g', 'y')]), 1024, ['below "f"', 'file']);
  });
});
