#!/usr/bin/env node
// The `sonde` command: one import and one register line per subcommand.
import { Command, CommanderError } from 'commander';
import { registerKeys } from './keys.js';
import { registerMonitors } from './monitors.js';
import { registerNetsim } from './netsim.js';
import { registerPing } from './ping.js';
import { registerServe } from './serve.js';
import { registerTargets } from './targets.js';

/** Exit status for bad usage (unknown option, bad argument value, missing argument). */
const EXIT_USAGE = 2;

const program = new Command('sonde')
  .description('high-throughput probe-engine daemon')
  .showHelpAfterError()
  // Usage errors throw instead of exiting, so commands can clean up; mapped to 2 below.
  .exitOverride();

registerServe(program);
registerKeys(program);
registerTargets(program);
registerMonitors(program);
registerPing(program);
registerNetsim(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Commander's own usage errors carry exit code 1; help and version carry 0.
  process.exitCode = error.code.startsWith('commander.') && error.exitCode !== 0 ? EXIT_USAGE : error.exitCode;
}
