// Longer fuzzing runs than CI's, after `npm run build`:
//
//   npm run fuzz -- --seconds N [--target name[,name...]] [--seed S] [--runs N]
//   npm run fuzz -- --target name --seed S --path P     replay fast-check's counterexample
//   npm run fuzz -- --target name --replay file          feed one saved input, in this process
//   npm run fuzz -- --list                                the targets
//
// --seconds is shared out among the targets run (default 60); --seed defaults to the time.
// Exits 1 when a target fails (the report names seed, target, kind and the saved input).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { buildCorpus } from './corpus.js';
import { formatFailure, runFuzz } from './engine.js';
import { TARGETS } from './targets.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  if (process.argv.includes('--list')) {
    for (const t of TARGETS) console.log(t.name);
    return 0;
  }
  const names = option('target')?.split(',') ?? TARGETS.map((t) => t.name);
  const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n));
  if (unknown.length > 0) {
    console.error(`fuzz: no target ${unknown.join(', ')} (--list names them)`);
    return 2;
  }
  const replay = option('replay');
  if (replay !== undefined) {
    const t = TARGETS.find((x) => x.name === names[0])!;
    const corpus = buildCorpus();
    const scratch = mkdtempSync(join(tmpdir(), 'xtest-pack-fuzz-replay-'));
    try {
      t.run(new Uint8Array(readFileSync(replay)), { backend: getBackend(), corpus, scratch: join(scratch, 'w') });
      console.log(`${t.name}: no failure (the input was accepted)`);
      return 0;
    } catch (e) {
      if (e instanceof XtestPackError) {
        console.log(`${t.name}: refused with ${e.code}: ${e.message}`);
        return 0;
      }
      console.error(e);
      return 1;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const seed = Number(option('seed') ?? Date.now() % 2 ** 31);
  const runs = option('runs');
  const seconds = Number(option('seconds') ?? (runs === undefined ? 60 : NaN));
  const path = option('path');
  console.log(`fuzz: seed ${seed}, backend ${getBackend().name}, targets ${names.join(', ')}`);
  const corpus = buildCorpus();
  let failed = false;
  for (const name of names) {
    const r = await runFuzz({
      target: name,
      seed,
      corpus,
      ...(runs !== undefined ? { runs: Number(runs) } : { seconds: seconds / names.length }),
      ...(path !== undefined ? { path } : {}),
    });
    if (r.failure) {
      failed = true;
      console.error(formatFailure(r));
    } else {
      const how = Object.entries(r.outcomes ?? {}).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
      console.log(`${name}: ${r.runs} inputs in ${(r.ms / 1000).toFixed(1)} s, no failure (${how})`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
