// IdxFile on idx files git wrote (version 1 and 2, SHA-1 and SHA-256), read in place from the
// file and from bytes in memory: every id, offset and CRC-32 is the one `git show-index` prints,
// the whole idx verifies, prefixes list what git rev-parse --disambiguate lists, and every object
// read through it has git's bytes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { openFileSource } from '../../src/fs/file-source.js';
import { IdxFile, openIdx } from '../../src/pack/idx/index.js';
import { bytesSource } from '../../src/pack/source.js';
import { hashLength, toHex } from '../../src/pack/oid.js';
import { PackFile } from '../../src/pack/pack-file.js';
import { git } from '../support/git.js';
import { packFixture, type FixtureName } from '../support/repos.js';

const backend = getBackend();

const CASES: readonly { name: FixtureName; version: 1 | 2; format: 'sha1' | 'sha256' }[] = [
  { name: 'index-v1', version: 1, format: 'sha1' },
  { name: 'deep-chains', version: 2, format: 'sha1' },
  { name: 'sha256', version: 2, format: 'sha256' },
  { name: 'self', version: 2, format: 'sha1' },
];

for (const c of CASES) {
  describe(`IdxFile on git's idx: ${c.name} (v${c.version}, ${c.format})`, () => {
    test('every accessor gives what git show-index prints, from the file and from memory; the whole idx verifies', () => {
      const f = packFixture(c.name);
      const bytes = new Uint8Array(readFileSync(f.idx));
      // show-index: "<offset> <id> (<crc32>)" per entry, in id order (no CRC for version 1).
      const lines = git(['show-index', `--object-format=${c.format}`], { input: Buffer.from(bytes) })
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '');
      const memory = openIdx(bytesSource(bytes, 'idx'), backend, { verify: true });
      assert.equal(memory.format, c.format);
      const src = openFileSource(f.idx);
      try {
        for (const got of [IdxFile.open(src, c.format), memory]) {
          assert.equal(got.version, c.version);
          assert.equal(got.count, lines.length);
          assert.deepEqual(got.idxChecksum, bytes.subarray(bytes.length - hashLength(c.format)));
          for (let i = 0; i < got.count; i++) {
            const [offset, hex, crc] = lines[i]!.split(' ') as [string, string, string | undefined];
            const oid = got.oidAt(i);
            assert.equal(toHex(oid), hex);
            assert.equal(got.find(oid), i);
            assert.equal(got.offsetAt(i), Number(offset));
            assert.equal(got.crc32At(i), crc === undefined ? undefined : parseInt(crc.slice(1, -1), 16));
            for (const len of [1, 2, 4, 7, 2 * hashLength(c.format)]) {
              const p = hex.slice(0, len);
              const want = lines.flatMap((l, k) => (l.split(' ')[1]!.startsWith(p) ? [k] : [])).slice(0, 64);
              assert.deepEqual(got.findPrefix(p, 64), want, `prefix ${p}`);
            }
          }
        }
      } finally {
        src.close();
      }
    });

    test("every object read through it has git's type and bytes; 4-digit prefixes list what git lists", () => {
      const f = packFixture(c.name);
      const idxSrc = openFileSource(f.idx);
      const packSrc = openFileSource(f.pack);
      try {
        const idx = IdxFile.open(idxSrc, c.format);
        const pack = PackFile.open(packSrc, idx, backend);
        const lines = git(['cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], { cwd: f.repo })
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== '');
        const inPack = lines.map((l) => l.split(' ') as [string, string, string]).filter(([hex]) => idx.findPrefix(hex, 2).length === 1);
        assert.equal(inPack.length, idx.count, 'git knows every object the idx lists');
        const sample = inPack.filter((_, k) => k % Math.max(1, Math.floor(inPack.length / 200)) === 0);
        const bodies = git(['cat-file', '--batch'], { cwd: f.repo, input: sample.map(([hex]) => hex).join('\n') + '\n' });
        let at = 0;
        for (const [k, [hex, type, size]] of sample.entries()) {
          const nl = bodies.indexOf(0x0a, at);
          const data = bodies.subarray(nl + 1, nl + 1 + Number(size));
          at = nl + 1 + Number(size) + 1;
          const got = pack.findObject(Buffer.from(hex, 'hex'));
          assert.ok(got, hex);
          assert.equal(got.type, type);
          assert.ok(Buffer.from(got.data).equals(data), `bytes of ${hex}`);
          // The ids sharing a 4-digit prefix: those git lists that this pack holds.
          if (k % 10 === 0) {
            const p = hex.slice(0, 4);
            const gits = git(['rev-parse', `--disambiguate=${p}`], { cwd: f.repo })
              .toString('utf8')
              .split('\n')
              .filter((l: string) => l !== '' && idx.find(Buffer.from(l, 'hex')) >= 0)
              .sort();
            assert.deepEqual(idx.findPrefix(p, 1000).map((i) => toHex(idx.oidAt(i))), gits, `prefix ${p}`);
          }
        }
      } finally {
        packSrc.close();
        idxSrc.close();
      }
    });
  });
}
