// netrc as curl reads it: entries across lines, quoted tokens, comments, macdef bodies,
// `default`, the first match winning, and errors that never show a secret.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XtestPackError } from '../../src/errors.js';
import { findNetrcCredentials, parseNetrc } from '../../src/fetch/netrc.js';

const find = (text: string, host: string, user?: string) => findNetrcCredentials(parseNetrc(text), host, user);

test('machine, login and password on one line or across lines; CRLF line ends', () => {
  assert.deepEqual(find('machine git.example.com login alice password pw1\n', 'git.example.com'), { username: 'alice', password: 'pw1' });
  assert.deepEqual(find('machine git.example.com\n\tlogin alice\r\n   password pw1\r\n', 'git.example.com'), { username: 'alice', password: 'pw1' });
  assert.deepEqual(find('machine a login x password 1 machine b login y password 2', 'b'), { username: 'y', password: '2' });
});

test('host names match in any case; the first matching machine wins', () => {
  const text = 'machine Git.Example.COM login first password 1\nmachine git.example.com login second password 2\n';
  assert.deepEqual(find(text, 'git.example.com'), { username: 'first', password: '1' });
  assert.equal(find(text, 'example.com'), undefined);
});

test('default matches any host, where it stands', () => {
  const text = 'machine a login x password 1\ndefault login anon password guest\n';
  assert.deepEqual(find(text, 'a'), { username: 'x', password: '1' });
  assert.deepEqual(find(text, 'other'), { username: 'anon', password: 'guest' });
});

test('with a login from the URL, only an entry with that login (or none) gives the password', () => {
  const text = 'machine h login bob password b\nmachine h login alice password a\n';
  assert.deepEqual(find(text, 'h', 'alice'), { username: 'alice', password: 'a' });
  assert.deepEqual(find('machine h password p\n', 'h', 'carol'), { username: 'carol', password: 'p' });
  assert.equal(find(text, 'h', 'dave'), undefined);
});

test('quoted tokens hold spaces, # and escapes; a quoted keyword is a value', () => {
  assert.deepEqual(find('machine h login "a b" password "p\\"q\\\\r #x\\tz"\n', 'h'), { username: 'a b', password: 'p"q\\r #x\tz' });
  assert.deepEqual(find('machine h login "machine" password "default"\n', 'h'), { username: 'machine', password: 'default' });
});

test('a line starting with # is a comment; # inside a line is part of a token', () => {
  assert.deepEqual(find('# machine h login no password no\nmachine h login yes password p#1\n', 'h'), { username: 'yes', password: 'p#1' });
  assert.deepEqual(find('   # indented comment\nmachine h login yes password p\n', 'h'), { username: 'yes', password: 'p' });
});

test('a macdef body is skipped up to the next empty line', () => {
  const text = 'macdef init\nmachine h login macro password body\ncd /\n\nmachine h login real password p\n';
  assert.deepEqual(find(text, 'h'), { username: 'real', password: 'p' });
});

test('an entry without a password gives nothing; account and unknown words are ignored', () => {
  assert.equal(find('machine h login x\n', 'h'), undefined);
  assert.deepEqual(find('machine h account acct login x port 22 password p\n', 'h'), { username: 'x', password: 'p' });
  assert.deepEqual(parseNetrc(''), []);
});

test('a keyword at the end without its value, an unterminated quote: CONFIG_CORRUPT, no secret shown', () => {
  for (const text of ['machine h login x password', 'machine', 'machine h login x password "s3cret-value\n']) {
    assert.throws(
      () => parseNetrc(text),
      (e: unknown) => e instanceof XtestPackError && e.code === 'CONFIG_CORRUPT' && !e.message.includes('s3cret') && !e.message.includes('\n'),
    );
  }
});
