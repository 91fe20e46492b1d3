// Loaded with `node --import` into a command-line child process by the collision tests: both
// backends, as getBackend caches them (and as the command line then gets them), report a
// SHA-1 collision for the ids XTEST_PACK_TEST_COLLISION lists. See collision.ts.
import { getBackend } from '../../src/backend/select.js';
import { COLLISION_ENV, injectCollision } from './collision.js';

const ids = (process.env[COLLISION_ENV] ?? '').split(',').filter((s) => s !== '');
if (ids.length > 0) for (const name of ['node', 'portable']) injectCollision(getBackend(name), ids);
