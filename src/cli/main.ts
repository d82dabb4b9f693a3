#!/usr/bin/env node
/** The `callwire` command line. Thin: every command calls library APIs. */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
