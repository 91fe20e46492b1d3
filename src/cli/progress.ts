/**
 * A git-like progress line on stderr: shown only on a terminal (or when forced), redrawn at
 * most every 100 ms, finished with ", done.".
 *   Indexing objects:  45% (1234/2742), 1.2 MiB/s
 */
export interface ProgressSink {
  write(s: string): unknown;
}

export interface Progress {
  update(title: string, done: number, total: number): void;
  end(): void;
}

const NOOP: Progress = { update() {}, end() {} };

/**
 * A progress reporter; a no-op when `enabled` is false.
 * @example
 *   const p = createProgress(process.stderr, process.stderr.isTTY); p.update('Indexing objects', 1, 10);
 */
export function createProgress(sink: ProgressSink, enabled: boolean, now: () => number = Date.now): Progress {
  if (!enabled) return NOOP;
  let title = '';
  let last = 0;
  let started = 0;
  let line = '';
  let state = { done: 0, total: 0 };
  const render = (final: boolean) => {
    const { done, total } = state;
    const pct = total > 0 ? Math.floor((done * 100) / total) : 100;
    const secs = (now() - started) / 1000;
    const rate = secs > 0.5 ? `, ${Math.round(done / secs)} objects/s` : '';
    line = `${title}: ${String(pct).padStart(3)}% (${done}/${total})${rate}${final ? ', done.' : ''}`;
    sink.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
  };
  return {
    update(t, done, total) {
      const at = now();
      if (t !== title) {
        if (title) render(true);
        title = t;
        started = at;
        last = 0;
      }
      state = { done, total };
      if (at - last >= 100 || done === total) {
        last = at;
        render(false);
      }
    },
    end() {
      if (title) render(true);
      title = '';
    },
  };
}

/**
 * Progress on `stderr`: when forced on or off (`--progress`, `--no-progress`), else when it is
 * a terminal.
 * @example
 *   const progress = progressFor(process.stderr, opts.progress);
 */
export function progressFor(stderr: ProgressSink & { isTTY?: boolean }, forced: boolean | undefined): Progress {
  return createProgress(stderr, forced ?? stderr.isTTY === true);
}
