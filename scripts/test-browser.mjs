#!/usr/bin/env node
// npm run test:browser: the browser build in headless Chromium (test/browser/*.browser.ts, built
// to dist/test/browser/ by `npm run build`), driven by playwright-core (a devDependency) over
// its pipe to the browser; the pages are served from 127.0.0.1 only.
//
// Chromium is $XTEST_PACK_CHROMIUM, else /usr/bin/chromium; where neither is there and apt-get
// is (Debian, as root), Debian's chromium package is installed first. Without it, this fails
// with one line saying how to get it.
//
//   node scripts/test-browser.mjs [file-filter...]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const fail = (msg) => {
  process.stderr.write(`test:browser: ${msg}\n`);
  process.exit(1);
};
const sh = (cmd, args) => spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });

const chromium = process.env['XTEST_PACK_CHROMIUM'] || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  if (process.env['XTEST_PACK_CHROMIUM']) fail(`XTEST_PACK_CHROMIUM=${chromium}: no such file`);
  const how = 'install Debian\'s chromium (apt-get install chromium) or set XTEST_PACK_CHROMIUM to a Chromium executable';
  if (spawnSync('apt-get', ['--version']).status !== 0) fail(`Chromium is not at ${chromium} and there is no apt-get: ${how}`);
  if (process.getuid?.() !== 0) fail(`Chromium is not at ${chromium} and installing it needs root: ${how}`);
  process.stdout.write('# test:browser: apt-get install -y chromium\n');
  let r = sh('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
  if (r.status !== 0 && /Unable to locate package|has no installation candidate/.test(r.stderr)) {
    // A machine whose package lists were never downloaded.
    sh('apt-get', ['update']);
    r = sh('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
  }
  const why = r.stderr.split('\n').find((l) => /^E: /.test(l))?.trim() ?? `exit status ${r.status}`;
  if (r.status !== 0 || !existsSync(chromium)) fail(`Chromium is not at ${chromium} and apt-get install chromium failed (${why}): ${how}`);
}
const version = spawnSync(chromium, ['--version'], { encoding: 'utf8' }).stdout.trim();

try {
  await import('playwright-core');
} catch {
  fail('playwright-core is not installed: run npm ci');
}
const dir = join(root, 'dist', 'test', 'browser');
if (!existsSync(join(root, 'dist', 'bundle', 'browser', 'xtest-pack.js')) || !existsSync(dir)) fail('no browser build in dist/: run npm run build');
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((n) => n.endsWith('.browser.js') && (filters.length === 0 || filters.some((f) => n.includes(f))))
  .map((n) => join(dir, n));
if (files.length === 0) fail(`no *.browser.js under ${dir}`);

process.stdout.write(`# test:browser: ${version} (${chromium})\n`);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, XTEST_PACK_CHROMIUM: chromium },
});
process.exit(r.status ?? 1);
