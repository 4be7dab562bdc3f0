#!/usr/bin/env node
// The `sonde` command. Only the command that runs is loaded (cli/commands.ts); invoked as
// `fping` (through a symlink) it is `sonde ping` with fping's output by default.
import { basename } from 'node:path';
import { Command, CommanderError } from 'commander';
import { COMMANDS, requestedCommand } from './commands.js';
import { EXIT_PING_USAGE } from './ping-exit.js';

/** Exit status for bad usage (unknown option, bad argument value, missing argument). */
const EXIT_USAGE = 2;

const asFping = basename(process.argv[1] ?? '') === 'fping';
const wanted = asFping ? undefined : requestedCommand(process.argv.slice(2));

const program = new Command(asFping ? 'fping' : 'sonde')
  .showHelpAfterError()
  // Usage errors throw instead of exiting, so commands can clean up; mapped below.
  .exitOverride();

if (asFping) {
  (await import('./ping.js')).registerPing(program, 'fping');
} else {
  program.description('high-throughput probe-engine daemon');
  for (const entry of COMMANDS) {
    const command = program.command(entry.name).description(entry.description);
    if (entry === wanted) (await entry.load())(command);
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Commander's own usage errors carry exit code 1; help and version carry 0. The ping
  // command follows fping, whose bad-usage status is 3.
  const usage = asFping || wanted?.name === 'ping' ? EXIT_PING_USAGE : EXIT_USAGE;
  process.exitCode = error.code.startsWith('commander.') && error.exitCode !== 0 ? usage : error.exitCode;
}
