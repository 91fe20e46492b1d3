// Repository URLs in the forms package.json `repository` uses: what each normalizes to, and
// what is refused (ssh and git:// with the https URL to use instead; no credential ever shown).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XtestPackError } from '../../src/errors.js';
import { isLoopbackHost, normalizeRepositoryUrl } from '../../src/fetch/url.js';

function refused(input: string, code: string, options = {}): XtestPackError {
  try {
    normalizeRepositoryUrl(input, options);
  } catch (e) {
    assert.ok(e instanceof XtestPackError, String(e));
    assert.equal(e.code, code, `${input}: ${e.message}`);
    assert.ok(!e.message.includes('\n'));
    return e;
  }
  assert.fail(`${input} was accepted`);
}

test('https forms: git+https, trailing slashes and #ref dropped, host lower-cased, port kept', () => {
  const cases: [string, string][] = [
    ['https://github.com/o/r.git', 'https://github.com/o/r.git'],
    ['git+https://github.com/o/r.git', 'https://github.com/o/r.git'],
    ['https://github.com/o/r/', 'https://github.com/o/r'],
    ['https://GitLab.Example.com:8443/group/sub/r.git//', 'https://gitlab.example.com:8443/group/sub/r.git'],
    ['git+https://github.com/o/r.git#v1.2.3', 'https://github.com/o/r.git'],
    ['  HTTPS://h.example/r  ', 'https://h.example/r'],
    ['https://[2001:db8::1]:8443/r.git', 'https://[2001:db8::1]:8443/r.git'],
  ];
  for (const [input, url] of cases) {
    const r = normalizeRepositoryUrl(input);
    assert.equal(r.kind === 'http' && r.url, url, input);
  }
});

test('npm shortcuts: github:, gitlab:, bitbucket:, and bare owner/repo (GitHub)', () => {
  const cases: [string, string][] = [
    ['github:o/r', 'https://github.com/o/r.git'],
    ['github:o/r.git', 'https://github.com/o/r.git'],
    ['gitlab:group/r', 'https://gitlab.com/group/r.git'],
    ['bitbucket:team/r', 'https://bitbucket.org/team/r.git'],
    ['o/r', 'https://github.com/o/r.git'],
    ['some-org/some.repo#main', 'https://github.com/some-org/some.repo.git'],
  ];
  for (const [input, url] of cases) {
    const r = normalizeRepositoryUrl(input);
    assert.equal(r.kind === 'http' && r.url, url, input);
  }
});

test('user and password in the URL are kept apart (percent-decoded), never in `url`', () => {
  const r = normalizeRepositoryUrl('https://x-access-token:gh%40p_123@github.com/o/r.git');
  assert.equal(r.kind, 'http');
  if (r.kind !== 'http') return;
  assert.equal(r.url, 'https://github.com/o/r.git');
  assert.equal(r.username, 'x-access-token');
  assert.equal(r.password, 'gh@p_123');
  const token = normalizeRepositoryUrl('https://ghp_token@github.com/o/r.git');
  assert.ok(token.kind === 'http' && token.username === 'ghp_token' && token.password === undefined);
});

test('local repositories: file://, git+file://, absolute, ./ and ../ paths, Windows paths', () => {
  const cases: [string, string][] = [
    ['file:///srv/git/r.git', '/srv/git/r.git'],
    ['git+file:///srv/git/r%20x.git', '/srv/git/r x.git'],
    ['file://localhost/srv/r', '/srv/r'],
    ['/srv/git/r.git', '/srv/git/r.git'],
    ['./r', './r'],
    ['../up/r', '../up/r'],
    ['C:\\src\\r', 'C:\\src\\r'],
    ['file:///C:/src/r', 'C:/src/r'],
  ];
  for (const [input, path] of cases) assert.deepEqual(normalizeRepositoryUrl(input), { kind: 'local', path }, input);
  refused('file://otherhost/r', 'USAGE');
});

test('ssh, scp-like and git:// are refused with the https URL to use, and without the user', () => {
  const cases: [string, string][] = [
    ['ssh://git@github.com/o/r.git', 'https://github.com/o/r.git'],
    ['git+ssh://git@github.com:22/o/r.git', 'https://github.com/o/r.git'],
    ['git@github.com:o/r.git', 'https://github.com/o/r.git'],
    ['user@gitlab.example.com:group/r.git', 'https://gitlab.example.com/group/r.git'],
    ['git://git.kernel.org/pub/scm/git/git.git', 'https://git.kernel.org/pub/scm/git/git.git'],
  ];
  for (const [input, https] of cases) {
    const e = refused(input, 'UNSUPPORTED_REMOTE');
    assert.ok(e.message.includes(https), e.message);
    assert.ok(!e.message.includes('git@') && !e.message.includes('user@'), e.message);
  }
  refused('ftp://h/r', 'UNSUPPORTED_REMOTE');
});

test('plain http only to loopback hosts unless allowed; never a credential in the message', () => {
  for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:9', '127.1.2.3']) {
    assert.equal(normalizeRepositoryUrl(`http://${host}/r.git`).kind, 'http', host);
  }
  const e = refused('http://user:hunter2@example.com/r.git', 'UNSUPPORTED_REMOTE');
  assert.ok(!e.message.includes('hunter2') && !e.message.includes('user'), e.message);
  assert.equal(normalizeRepositoryUrl('http://example.com/r.git', { allowHttp: true }).kind, 'http');
  assert.ok(isLoopbackHost('127.0.0.1') && !isLoopbackHost('127.0.0.1.example.com') && !isLoopbackHost('10.0.0.1'));
});

test('malformed input: USAGE', () => {
  for (const input of ['', '   ', 'https://', 'https://h:99999/r', 'https://h/r?x=1', 'https://h%zz@h/r', 'https://exa mple.com/r', 'not a url', 'github:onlyowner', 'a/b/c', 'https://h/r\n']) {
    refused(input, 'USAGE');
  }
});
