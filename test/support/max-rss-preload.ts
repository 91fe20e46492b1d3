// Loaded with `node --import` into a child process whose memory a test bounds: at exit, the
// process's peak resident set size (process.resourceUsage().maxRSS, in KiB) is written to the
// file XTEST_PACK_TEST_MAXRSS names. Portable where GNU time is not installed.
import { writeFileSync } from 'node:fs';

const file = process.env['XTEST_PACK_TEST_MAXRSS'];
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
