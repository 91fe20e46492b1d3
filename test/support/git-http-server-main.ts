// A git HTTP server (git-http-server.ts) in a process of its own, for tests whose code under test
// blocks the test process's event loop (the helper's synchronous fetch, spawnSync of the CLI):
// an in-process server could not answer then.
//
//   node git-http-server-main.js <root>
//
// Prints `{"origin": "http://127.0.0.1:<port>"}` once listening, then one line per request
// (`{"method": ..., "path": ...}`); stops when its stdin closes.
import { startGitHttpServer } from './git-http-server.js';

const root = process.argv[2];
if (root === undefined) {
  process.stderr.write('usage: git-http-server-main <root>\n');
  process.exit(2);
}
const server = await startGitHttpServer({ root });
process.stdout.write(`${JSON.stringify({ origin: server.origin })}\n`);
let seen = 0;
const report = setInterval(() => {
  for (; seen < server.requests.length; seen++) {
    const r = server.requests[seen]!;
    process.stdout.write(`${JSON.stringify({ method: r.method, path: r.path })}\n`);
  }
}, 20);
process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(report);
  void server.close().then(() => process.exit(0));
});
