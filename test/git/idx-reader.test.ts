// IdxReader on idx files git wrote (version 1 and 2, SHA-1 and SHA-256): every id, offset and
// CRC-32 is the one decodeIdx gives, prefixes list what git rev-parse --disambiguate lists, and
// every object read through it has git's bytes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { openFileSource } from '../../src/fs/file-source.js';
import { decodeIdx } from '../../src/pack/idx.js';
import { IdxReader } from '../../src/pack/idx-reader.js';
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
  describe(`IdxReader on git's idx: ${c.name} (v${c.version}, ${c.format})`, () => {
    test('every accessor gives what decodeIdx gives', () => {
      const f = packFixture(c.name);
      const want = decodeIdx(new Uint8Array(readFileSync(f.idx)), backend, c.format);
      assert.equal(want.version, c.version);
      const src = openFileSource(f.idx);
      try {
        const got = IdxReader.open(src, c.format);
        assert.equal(got.version, c.version);
        assert.equal(got.count, want.count);
        assert.deepEqual(got.packChecksum, want.packChecksum);
        assert.deepEqual(got.idxChecksum, want.idxChecksum);
        for (let i = 0; i < want.count; i++) {
          const oid = want.oidAt(i);
          assert.deepEqual(got.oidAt(i), oid);
          assert.equal(got.find(oid), i);
          assert.equal(got.offsetAt(i), want.offsetAt(i));
          assert.equal(got.crc32At(i), want.crc32At(i));
          const hex = toHex(oid);
          for (const len of [1, 2, 4, 7, 2 * hashLength(c.format)]) {
            assert.deepEqual(got.findPrefix(hex.slice(0, len), 64), want.findPrefix(hex.slice(0, len), 64), `prefix ${hex.slice(0, len)}`);
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
        const idx = IdxReader.open(idxSrc, c.format);
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
              .filter((l) => l !== '' && idx.find(Buffer.from(l, 'hex')) >= 0)
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
