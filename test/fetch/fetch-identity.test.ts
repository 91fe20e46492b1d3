// The promise of `xtest-pack fetch`: what it writes is byte for byte what the author's own
// `xtest-pack export` (pack, idx, manifest) and `xtest-pack pack` (the .tar.gz) write from the
// repository, with any number of threads on either side, whatever the server offers (filters
// on, off, or only tree:0), however the repository is reached (HTTP, a local path, file://),
// and in at most 1 GET + 3 POSTs
// whatever the number of paths (1 GET + 2 POSTs when nothing is asked for twice).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { getBackend } from '../../src/backend/index.js';
import { CredentialStore } from '../../src/fetch/http.js';
import { fetchTestData, type FetchTestDataOptions, type FetchTestDataResult } from '../../src/fetch/fetch-test-data.js';
import { SEGMENT_BYTES } from '../../src/pack/write.js';
import { xtestPack, xtestPackOk } from '../support/cli.js';
import { packTar, publishedCopy } from '../support/example-package.js';
import { emptyEnv } from '../support/fetch-client.js';
import { assertSameDirectory, assertSameFile, servedRepos, servedStarter, type ServedRepository } from '../support/fetch-served.js';
import { git } from '../support/git.js';
import { withConfig, on, type GitHttpServer } from '../support/git-http-server.js';
import { scratchDir, segmentedRepository } from '../support/repos.js';

const backend = getBackend();
const T = { timeout: 120_000 };
const serve = servedStarter();

function head(repo: ServedRepository, rev = 'HEAD'): string {
  return git(['rev-parse', rev], { cwd: repo.workTree }).toString().trim();
}

/** `xtest-pack export` in the author's work tree, into a new directory. */
function exported(repo: ServedRepository, rev: string, pathspecs: string[]): string {
  const out = join(scratchDir('xtest-pack-fetch-export-'), 'export');
  const r = xtestPack(['export', '--repo', repo.workTree, '--rev', rev, '--out', out, '--allow-dirty', ...pathspecs]);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

/** fetchTestData into a new pack directory, credentials from nowhere. */
async function fetched(options: Omit<FetchTestDataOptions, 'backend'>): Promise<{ out: string; r: FetchTestDataResult }> {
  const out = join(scratchDir('xtest-pack-fetch-out-'), 'fetched');
  const r = await fetchTestData({ out, credentials: new CredentialStore(emptyEnv()), ...options, backend });
  return { out, r };
}

/** The requests a fetch made: 1 GET and `posts` POSTs, all on one connection. */
function assertRequests(server: GitHttpServer, posts: number, r: FetchTestDataResult): void {
  const methods = server.requests.map((q) => q.method);
  assert.deepEqual(methods, ['GET', ...Array<string>(posts).fill('POST')], 'the requests made');
  assert.equal(new Set(server.requests.map((q) => q.connection)).size, 1, 'one keep-alive connection');
  assert.equal(r.requests, server.requests.length);
  assert.equal(r.bytesReceived, server.bytesSent);
}

describe('fetch writes what export writes (no package: a URL, a commit, pathspecs)', () => {
  const cases: { repo: () => ServedRepository; pathspecs: string[]; rev?: string; what: string }[] = [
    { repo: () => servedRepos().sha1, pathspecs: ['src', 'deep/er/still/leaf.txt', 'a.txt'], what: 'SHA-1, a file three levels down' },
    { repo: () => servedRepos().sha256, pathspecs: ['src/', 'data'], what: 'SHA-256' },
    {
      repo: () => servedRepos().main,
      pathspecs: ['fixtures/', 'other/*.json', 'noglob'],
      what: 'symlink, executable, .gitattributes at two levels, gitlinks, globs, unicode names',
    },
    { repo: () => servedRepos().main, pathspecs: ['fixtures'], rev: 'v1', what: 'an older commit (tag v1 peeled)' },
    { repo: () => servedRepos().main256, pathspecs: ['fixtures', 'other/x.txt'], what: 'SHA-256 with a symlink, an executable and a gitlink' },
  ];
  for (const c of cases) {
    test(`${c.what}: pack, idx and manifest equal; 1 GET + 2 POSTs`, T, async () => {
      const repo = c.repo();
      const server = await serve();
      const url = server.url(repo.name);
      // As a clone from the server would have it (export records the origin without a package.json).
      git(['config', 'remote.origin.url', url], { cwd: repo.workTree });
      const commit = head(repo, `${c.rev ?? 'HEAD'}^{commit}`);
      const expected = exported(repo, commit, c.pathspecs);
      const { out, r } = await fetched({ url, rev: commit, pathspecs: c.pathspecs });
      assertSameDirectory(out, expected, c.what);
      assertRequests(server, 2, r);
      assert.equal(r.filter, 'blob:none');
      assert.equal(r.commit, commit);
    });
  }

  test('the same from a local path and a file:// URL, with no request at all', T, async () => {
    const repo = servedRepos().main;
    const commit = head(repo);
    const pathspecs = ['fixtures/', 'other/*.json'];
    const expected = exported(repo, commit, pathspecs);
    for (const url of [repo.workTree, pathToFileURL(repo.workTree).href]) {
      const { out, r } = await fetched({ url, rev: commit, pathspecs });
      assertSameDirectory(out, expected, url);
      assert.equal(r.requests, 0);
      assert.equal(r.source.kind, 'local');
    }
    // A revision other than an id works locally.
    const { out } = await fetched({ url: repo.workTree, rev: 'main', pathspecs });
    assertSameDirectory(out, expected, 'rev main');
    // Any number of threads writes the same pack.
    for (const threads of [1, 3]) assertSameDirectory((await fetched({ url: repo.workTree, rev: commit, pathspecs, threads })).out, expected, `threads ${threads}`);
  });

  test('the number of requests does not grow with the number of paths: 40 files, 1 GET + 2 POSTs', T, async () => {
    const repo = servedRepos().main;
    const commit = head(repo);
    const files = git(['ls-tree', '-r', '-z', '--name-only', commit], { cwd: repo.workTree })
      .toString()
      .split('\0')
      .filter((p) => p !== '' && !p.startsWith('lib/vendor') && !p.startsWith('fixtures/sub/module'));
    assert.ok(files.length >= 20, `${files.length} files`);
    const server = await serve();
    const url = server.url(repo.name);
    git(['config', 'remote.origin.url', url], { cwd: repo.workTree });
    const { out, r } = await fetched({ url, rev: commit, pathspecs: files });
    assertSameDirectory(out, exported(repo, commit, files), 'every file listed');
    assertRequests(server, 2, r);
  });
});

describe('whatever filters the server offers, the same bytes', () => {
  const variants: { what: string; options: Parameters<typeof serve>[0]; filter: string; posts: (n: number) => boolean }[] = [
    { what: 'no uploadpack.allowFilter: the snapshot at depth 1, pruned', options: { allowFilter: false }, filter: 'none', posts: (n) => n === 1 },
    {
      what: 'blob:none refused (uploadpackfilter.blob:none.allow=false): tree:0, level by level',
      options: { config: { 'uploadpackfilter.blob:none.allow': 'false' } },
      filter: 'tree:0',
      posts: (n) => n > 3,
    },
    {
      what: 'every filter refused (uploadpackfilter.allow=false): the snapshot at depth 1',
      options: { config: { 'uploadpackfilter.allow': 'false' } },
      filter: 'none',
      posts: (n) => n === 3,
    },
  ];
  for (const v of variants) {
    for (const which of ['sha1', 'main'] as const) {
      test(`${which}: ${v.what}`, T, async () => {
        const repo = servedRepos()[which];
        const server = await serve(v.options);
        const url = server.url(repo.name);
        git(['config', 'remote.origin.url', url], { cwd: repo.workTree });
        const commit = head(repo);
        const pathspecs = which === 'sha1' ? ['src', 'deep/er/still/leaf.txt'] : ['fixtures/', 'other/*.json'];
        const { out, r } = await fetched({ url, rev: commit, pathspecs });
        assertSameDirectory(out, exported(repo, commit, pathspecs), v.what);
        assert.equal(r.filter, v.filter);
        const posts = server.requests.filter((q) => q.method === 'POST').length;
        assert.ok(v.posts(posts), `${posts} POSTs`);
      });
    }
  }

  test('a server that ignores the filter (sends every blob): the extra objects are dropped, same bytes', T, async () => {
    const repo = servedRepos().main;
    // The filter line is dropped before http-backend reads the request.
    const server = await serve({
      misbehave: on('POST', async (req, real) => {
        const body = Buffer.from(req.body.toString('latin1').replace('0015filter blob:none\n', ''), 'latin1');
        return real({ ...req, body, headers: { ...req.headers, 'content-length': String(body.length) } });
      }),
    });
    const url = server.url(repo.name);
    git(['config', 'remote.origin.url', url], { cwd: repo.workTree });
    const commit = head(repo);
    const { out, r } = await fetched({ url, rev: commit, pathspecs: ['noglob'] });
    assertSameDirectory(out, exported(repo, commit, ['noglob']), 'filter ignored');
    assert.ok(r.objectsReceived > r.objects + 10, `${r.objectsReceived} objects received, ${r.objects} kept`);
    assertRequests(server, 1, r);
  });

  test('uploadpack.allowFilter off while advertised (config differs by request): an empty 200, REMOTE_ERROR', T, async () => {
    const server = await serve({ misbehave: on('POST', withConfig({ 'uploadpack.allowFilter': 'false' })) });
    const repo = servedRepos().sha1;
    await assert.rejects(fetched({ url: server.url(repo.name), rev: head(repo), pathspecs: ['src'] }), { code: 'REMOTE_ERROR' });
  });
});

describe('fetch writes what pack writes (a package: its manifest, npm tarball or directory)', () => {
  for (const which of ['example', 'monorepo'] as const) {
    test(`${which === 'monorepo' ? 'a package in a subdirectory (packages/example-pkg)' : 'a package at the top'}: the .tar.gz equals pack's; the ids ride along in RT1`, T, async () => {
      const repo = servedRepos()[which];
      const root = which === 'monorepo' ? join(repo.workTree, 'packages', 'example-pkg') : repo.workTree;
      const published = publishedCopy(root);
      const expected = packTar(root);
      const server = await serve();
      const cwd = scratchDir('xtest-pack-fetch-cwd-');
      const r = await fetchTestData({ package: published, url: server.url(repo.name), cwd, credentials: new CredentialStore(emptyEnv()), backend });
      const name = 'example-pkg-1.0.0.xtest-pack.tar.gz';
      assert.equal(r.output.path, join(cwd, name), 'the artifact name, in the current directory');
      assert.deepEqual(readdirSync(cwd), [name], 'nothing else left there');
      assertSameFile(r.output.path, expected, 'the artifact');
      assertRequests(server, 2, r);
      // data/table.bin is a listed file: its blob came with the commit, in RT1.
      assert.ok(r.rounds[0]!.wants >= 2, 'RT1 wanted the commit and the listed ids');
    });
  }

  test('an npm tarball read in place (package/xtest-pack.json), to --out: the pack directory equals pack --out', T, async () => {
    const repo = servedRepos().monorepo;
    const root = join(repo.workTree, 'packages', 'example-pkg');
    const published = publishedCopy(root);
    const tgz = join(scratchDir('xtest-pack-fetch-tgz-'), 'example-pkg-1.0.0.tgz');
    const base = join(published, '..');
    const dirName = published.slice(base.length + 1);
    const t = spawnSync('tar', ['-czf', tgz, '--exclude=node_modules', '-C', base, `--transform=s,^${dirName},package,`, dirName]);
    assert.equal(t.status, 0, t.stderr.toString());
    const expected = join(scratchDir('xtest-pack-fetch-pack-'), 'pack');
    xtestPackOk(['pack', '--out', expected], { cwd: root });
    const server = await serve();
    const { out } = await fetched({ package: tgz, url: server.url(repo.name) });
    assertSameDirectory(out, expected, 'npm tarball');
    // The same from the local repository, no server.
    const local = await fetched({ package: tgz, url: repo.workTree });
    assertSameDirectory(local.out, expected, 'npm tarball, local repository');
  });

  test('pathspecs and --rev override the manifest: as export of those paths', T, async () => {
    const repo = servedRepos().example;
    const published = publishedCopy(repo.workTree);
    const server = await serve();
    const commit = head(repo);
    const { out, r } = await fetched({ package: published, url: server.url(repo.name), rev: commit, pathspecs: ['data/unlisted.txt'] });
    assert.deepEqual(
      r.manifest.files.map((f) => f.path),
      ['data/unlisted.txt'],
    );
    assert.ok(existsSync(out));
  });

  test('a --url that is not a repository: NOT_A_REPOSITORY, and nothing left in the current directory', T, async () => {
    const repo = servedRepos().example;
    const published = publishedCopy(repo.workTree);
    const cwd = scratchDir('xtest-pack-fetch-cwd-');
    mkdirSync(join(cwd, 'sub'));
    // (The manifest's own repository, https://example.org/…, is never asked: tests stay on loopback.)
    await assert.rejects(fetchTestData({ package: published, url: join(cwd, 'sub'), cwd, backend }), { code: 'NOT_A_REPOSITORY' });
    assert.deepEqual(readdirSync(cwd), ['sub']);
  });
});

describe('fetch and export: the same pack for any number of threads', () => {
  test('several MiB of files (several segments): fetch with 1 and 3 threads equals export --threads 2', T, async () => {
    const workTree = scratchDir('xtest-pack-fetch-threads-');
    // Texts and edited copies of them in other directories: delta pairs, over several segments.
    const bytes = segmentedRepository(workTree, 4242);
    assert.ok(bytes >= 3 * SEGMENT_BYTES, `${bytes} bytes: too few for several segments`);
    const commit = git(['rev-parse', 'HEAD'], { cwd: workTree }).toString().trim();
    const expected = join(scratchDir('xtest-pack-fetch-export-'), 'export');
    const e = xtestPack(['export', '--repo', workTree, '--rev', commit, '--out', expected, '--threads', '2', 'fixtures']);
    assert.equal(e.status, 0, e.stderr);
    for (const threads of [1, 3]) {
      const { out } = await fetched({ url: workTree, rev: commit, pathspecs: ['fixtures'], threads });
      assertSameDirectory(out, expected, `fetch with ${threads} thread(s)`);
    }
  });
});
