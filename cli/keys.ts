// `sonde keys create|list|revoke`: API key administration straight on the data directory
// (works whether or not a daemon is running on it).
import { Command, Option } from 'commander';
import { createTable } from './table.js';
import { SCOPES } from '../engine/index.js';
import { addDataOptions, withSonde } from './config-options.js';

interface DataFlags {
  config?: string;
  data?: string;
  json?: boolean;
}


const when = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

export function registerKeys(keys: Command): void {
  addDataOptions(keys.command('create').description('create an API key; prints the secret once'))
    .requiredOption('--name <name>', 'a name for the key (who or what uses it)')
    .requiredOption('--scopes <list>', `comma-separated scopes: ${SCOPES.join(', ')}`)
    .option('--json', 'print JSON')
    .action((flags: DataFlags & { name: string; scopes: string }) => withSonde(flags, (sonde) => {
      const scopes = flags.scopes.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const { key, secret } = sonde.keys.create(flags.name, scopes);
      if (flags.json === true) process.stdout.write(`${JSON.stringify({ key, secret })}\n`);
      else process.stdout.write(`created key ${key.id} "${key.name}" with scopes ${key.scopes.join(',')}\nsecret (shown once, store it now): ${secret}\n`);
    }));

  addDataOptions(keys.command('list').description('list API keys (never their secrets)'))
    .option('--json', 'print JSON')
    .action((flags: DataFlags) => withSonde(flags, (sonde) => {
      const list = sonde.keys.list();
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(list)}\n`);
        return;
      }
      const table = createTable({ head: ['id', 'name', 'prefix', 'scopes', 'created', 'last used', 'revoked'] });
      for (const k of list) table.push([k.id, k.name, k.prefix, k.scopes.join(','), when(k.createdAtMs), when(k.lastUsedAtMs), when(k.revokedAtMs)]);
      process.stdout.write(`${table.toString()}\n`);
    }));

  addDataOptions(keys.command('revoke').description('revoke an API key (a running daemon notices within a second)'))
    .argument('<id>', 'the key id (see `sonde keys list`)')
    .addOption(new Option('--json', 'print JSON'))
    .action((id: string, flags: DataFlags) => withSonde(flags, (sonde) => {
      const key = sonde.keys.revoke(id);
      if (flags.json === true) process.stdout.write(`${JSON.stringify(key)}\n`);
      else process.stdout.write(`revoked key ${key.id} "${key.name}"\n`);
    }));
}
