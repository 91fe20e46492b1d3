/**
 * What a command's implementation gets from the program: where to write, the environment, the
 * directory it runs in, and the backend (loaded on first use); and the exit codes.
 */
import type { Backend } from '../backend/types.js';

/** Exit codes, as git and autopkgtest read them. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** autopkgtest's (and Automake's) code for "skipped". */
export const EXIT_SKIP = 77;

export interface CommandContext {
  readonly stdout: { write(s: string | Uint8Array): unknown };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  /** Standard input given whole in advance (tests); when absent, commands read file descriptor 0. */
  readonly stdin?: Uint8Array | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** The directory repositories are discovered from and relative paths start at. */
  readonly cwd: string;
  /** The backend `--backend` or `XTEST_PACK_BACKEND` picks. */
  backend(): Promise<Backend>;
}
