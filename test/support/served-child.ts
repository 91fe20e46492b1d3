// git-http-server-main.js run as a child process: for tests whose code under test blocks this
// process (the helper's synchronous fetch, spawnSync of the command line).
import { spawn } from 'node:child_process';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

export interface ChildServer {
  url(name: string): string;
  /** The requests served so far (those the child has reported after a short settle). */
  requests(): Promise<number>;
  close(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./git-http-server-main.js', import.meta.url));

/** Start a server over `root` in a child process; closed after the test file at the latest. */
export async function serveInChild(root: string): Promise<ChildServer> {
  const child = spawn(process.execPath, [MAIN, root], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buffered = '';
  let origin: string | undefined;
  let count = 0;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (origin === undefined ? reject(new Error(`git-http-server-main exited ${code}`)) : undefined));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl)) as { origin?: string };
        buffered = buffered.slice(nl + 1);
        if (line.origin !== undefined) {
          origin = line.origin;
          resolve();
        } else count++;
      }
    });
  });
  await ready;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    child.stdin.end();
    await exited;
  };
  after(close);
  return {
    url: (name) => `${origin}/${name}`,
    requests: async () => {
      await new Promise((r) => setTimeout(r, 150));
      return count;
    },
    close,
  };
}
