#!/usr/bin/env node
// The `sonde` command: one import and one register line per subcommand.
import { Command } from 'commander';
import { registerKeys } from './keys.js';
import { registerServe } from './serve.js';
import { registerTargets } from './targets.js';

const program = new Command('sonde')
  .description('high-throughput probe-engine daemon')
  .showHelpAfterError();

registerServe(program);
registerKeys(program);
registerTargets(program);

await program.parseAsync(process.argv);
