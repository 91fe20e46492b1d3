#!/usr/bin/env node
import { createProgram } from './program.js';

const { run } = createProgram({ stdout: process.stdout, stderr: process.stderr, env: process.env });
process.exitCode = await run(process.argv.slice(2));
