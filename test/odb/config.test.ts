// parseConfig (src/odb/config.ts) against `git config -f <file>`: every variable git lists
// (`-l -z`: section and key lower-cased, subsection as written, values after quote and escape
// processing, continuation lines, comments) has the same values in the same order, looked up
// in any case; `--get` gives the last one; and files git refuses are refused as CONFIG_CORRUPT
// naming the same line.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { XtestPackError } from '../../src/errors.js';
import { parseConfig } from '../../src/odb/config.js';
import { git, gitRaw, tempDir } from '../support/git.js';

const t = tempDir('xtest-pack-config-');
after(() => t.cleanup());
let n = 0;

function file(text: string): string {
  const f = join(t.dir, `config-${++n}`);
  writeFileSync(f, text, 'utf8');
  return f;
}

/** git's view of a config file: [name, value | undefined (no '=')] in file order. */
function gitList(path: string): [string, string | undefined][] {
  const out = git(['config', '-f', path, '-l', '-z']).toString('utf8');
  return out
    .split('\0')
    .filter((e) => e !== '')
    .map((e) => {
      const nl = e.indexOf('\n');
      return nl < 0 ? [e, undefined] : [e.slice(0, nl), e.slice(nl + 1)];
    });
}

/** Swap the case of a name's section and key (they are case-insensitive; a subsection is not). */
function recase(name: string): string {
  const first = name.indexOf('.');
  const last = name.lastIndexOf('.');
  const swap = (s: string) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
  return `${swap(name.slice(0, first))}${name.slice(first, last + 1)}${swap(name.slice(last + 1))}`;
}

function compare(text: string): void {
  const path = file(text);
  const list = gitList(path);
  assert.ok(list.length > 0, 'git lists something (a check of the case itself)');
  const cfg = parseConfig(text, path);
  const names = [...new Set(list.map(([k]) => k))];
  for (const name of names) {
    // A variable without '=' is the boolean true to git.
    const want = list.filter(([k]) => k === name).map(([, v]) => v ?? 'true');
    assert.deepEqual(cfg.getAll(name), want, `getAll(${JSON.stringify(name)}) in ${JSON.stringify(text)}`);
    assert.deepEqual(cfg.getAll(recase(name)), want, `getAll(${JSON.stringify(recase(name))}): section and key in any case`);
    const last = gitRaw(['config', '-f', path, '--get', name]);
    assert.equal(last.status, 0);
    const lastValue = list.filter(([k]) => k === name).at(-1)![1];
    assert.equal(last.stdout.toString('utf8'), `${lastValue ?? ''}\n`);
    assert.equal(cfg.get(name), want.at(-1), `get(${JSON.stringify(name)}) is the last value`);
  }
  // Every section's variables, and no more.
  const sections = new Set(names.map((k) => k.slice(0, k.lastIndexOf('.'))));
  for (const s of sections) {
    assert.deepEqual(cfg.keysIn(s).sort(), names.filter((k) => k.slice(0, k.lastIndexOf('.')) === s).sort(), `keysIn(${JSON.stringify(s)})`);
  }
}

const GOOD: Record<string, string> = {
  'a repository config': '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n[remote "origin"]\n\turl = https://example.com/x.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch "Main"]\n\tremote = origin\n\tmerge = refs/heads/Main\n',
  'a variable without a value': '[core]\n\tbare\n\tother = x\n',
  'case-insensitive sections and keys, case-sensitive subsections': '[CoRe]\n\tFileMode = false\n[Remote "Origin"]\n\tURL = a\n[remote "origin"]\n\turl = b\n',
  'the old [section.subsection] form, lower-cased': '[sec.OldStyle]\n\tkey = v\n',
  'quoted values': '[q]\n\ta = "  spaced  "\n\tb = "quote \\" inside"\n\tc = "semi;colon # hash"\n\td = a"b"c\n\te = ""\n\tf = "a""b"\n',
  'escapes': '[e]\n\ta = tab\\there\n\tb = new\\nline\n\tc = back\\\\slash\n\td = "q\\"q"\n',
  'the \\b escape': '[e]\n\tb = ab\\bc\n',
  'comments': '# leading comment\n; another\n[c] # after a header\n\ta = value # trailing\n\tb = value ; trailing\n\t# indented comment\n\tc = "in # quotes"\n',
  'continuation lines': '[k]\n\ta = first \\\n  second\n\tb = "quoted \\\nand continued"\n\tc = x\\\n\n\td = y\n',
  'whitespace around and inside values': '[w]\n\ta =    lead and trail   \n\tb=tight\n\tc =\n\td =    \n\te = x  y\n',
  'a tab inside an unquoted value': '[w]\n\ta = x\ty\n',
  'multiple values and repeated sections': '[m]\n\tk = 1\n\tk = 2\n[other]\n\tk = x\n[m]\n\tk = 3\n',
  'subsections with dots, spaces, escapes, empty': '[s "Sub.With.Dots"]\n\tk = 1\n[s "with space"]\n\tk = 2\n[s "esc\\"aped\\\\"]\n\tk = 3\n[s ""]\n\tk = 4\n',
  'keys with digits and dashes': '[d]\n\tmy-key2 = x\n\tK-3 = y\n',
  'a variable on the header line': '[core] bare = true\n',
  'CRLF line endings': '[crlf]\r\n\ta = one\r\n\tb = "two"\r\n\tc\r\n',
  'a BOM': '\ufeff[bom]\n\tk = v\n',
  'no final newline': '[nf]\n\tk = v',
  'an include is only a variable': '[include]\n\tpath = /nonexistent\n',
  'non-ASCII values': '[u]\n\tname = J\u00f6rg \u00c5ngstr\u00f6m\n',
};

/** Files git refuses, and the line it names. */
const BAD: Record<string, string> = {
  'an unterminated section header': '[core]\n\tx = 1\n[broken\n',
  'a space in a key': '[core]\n\tbad key = 1\n',
  'a key starting with a digit': '[core]\n\n\t1key = 1\n',
  'an unterminated quote': '[core]\n\tk = "unterminated\n\tj = 1\n',
  'an unknown escape': '[core]\n\tok = 1\n\tk = bad \\q escape\n',
  'an unterminated subsection': '[sec "unterminated]\n\tk = 1\n',
  'characters after a subsection': '[sec "a"b]\n\tk = 1\n',
  'an underscore in a section name': '[se_c]\n\tk = 1\n',
  'a line with only a value': '[core]\n\tk = x\n\t= y\n',
  'an empty section name': '[]\n\tk = 1\n',
  'a newline in a subsection': '[sec "a\nb"]\n\tk = 1\n',
};

describe('parseConfig agrees with git config -f', () => {
  for (const [name, text] of Object.entries(GOOD)) {
    test(name, () => compare(text));
  }

  test('a variable before any section: git reads the file (listing it as "k"), so must parseConfig', () => {
    const text = 'k = v\n[core]\n\tx = 1\n';
    const list = gitList(file(text));
    assert.deepEqual(list, [
      ['k', 'v'],
      ['core.x', '1'],
    ]);
    assert.equal(parseConfig(text).get('core.x'), '1');
  });

  for (const [name, text] of Object.entries(BAD)) {
    test(`refused: ${name}`, () => {
      const path = file(text);
      const r = gitRaw(['config', '-f', path, '-l']);
      assert.notEqual(r.status, 0, `git accepts ${JSON.stringify(text)}: ${r.stdout.toString('utf8')}`);
      const m = /bad config line (\d+)/.exec(r.stderr);
      assert.ok(m, `git names a line: ${r.stderr}`);
      assert.throws(
        () => parseConfig(text, path),
        (e: unknown) => {
          assert.ok(e instanceof XtestPackError, String(e));
          assert.equal(e.code, 'CONFIG_CORRUPT');
          assert.equal(e.file, path);
          assert.match(e.message, new RegExp(`line ${m[1]}\\b`), `the line git names (${m[1]}): ${e.message}`);
          return true;
        },
      );
    });
  }
});
