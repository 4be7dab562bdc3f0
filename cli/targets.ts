// `sonde targets import|list`: the target registry straight on the data directory.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import { createTable } from './table.js';
import { parseTargetCsv, targetsFromJson, type TargetKind } from '../engine/index.js';
import { addDataOptions, withSonde } from './config-options.js';

interface DataFlags {
  config?: string;
  data?: string;
  json?: boolean;
}


function readRows(file: string, format: string | undefined): unknown[] {
  const kind = format ?? (extname(file).toLowerCase() === '.json' ? 'json' : extname(file).toLowerCase() === '.csv' ? 'csv' : undefined);
  if (kind === undefined) throw new Error(`cannot tell the format of ${file} from its extension; pass --format csv or --format json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (kind === 'csv') return parseTargetCsv(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return targetsFromJson(value);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerTargets(targets: Command): void {

  addDataOptions(targets.command('import').description('bulk import targets from a CSV (header row) or JSON file'))
    .argument('<file>', 'CSV header row with kind and address, optionally port, name, serviceId, provider, modelIdentifier, labels ("k=v;k2=v2"), label.<key>; JSON: an array of targets or { "targets": [...] }')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['csv', 'json']))
    .option('--json', 'print the result as JSON')
    .action((file: string, flags: DataFlags & { format?: string }) => withSonde(flags, (sonde) => {
      const result = sonde.targets.bulkImport(readRows(file, flags.format));
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } else {
        process.stdout.write(`imported ${result.created} target(s) from ${file}; ${result.errors.length} rejected\n`);
        for (const e of result.errors.slice(0, 50)) process.stdout.write(`  row ${e.index + 1}${e.field !== undefined ? ` (${e.field})` : ''}: ${e.message}\n`);
        if (result.errors.length > 50) process.stdout.write(`  … and ${result.errors.length - 50} more (use --json for all)\n`);
      }
      if (result.errors.length > 0) process.exitCode = 1;
    }));

  addDataOptions(targets.command('list').description('list targets, optionally filtered by labels'))
    .option('--label <key:value>', 'label selector, repeatable (all must match; site:eu matches site=eu.paris)', collect, [])
    .addOption(new Option('--kind <kind>', 'only this kind').choices(['HOST', 'TCP', 'HTTP', 'EMBEDDER', 'RERANKER', 'LLM']))
    .option('--limit <n>', 'at most this many (1..1000)', '100')
    .option('--offset <n>', 'skip this many', '0')
    .option('--json', 'print JSON')
    .action((flags: DataFlags & { label: string[]; kind?: TargetKind; limit: string; offset: string }) => withSonde(flags, (sonde) => {
      const labels: Record<string, string> = {};
      for (const selector of flags.label) {
        const colon = selector.indexOf(':');
        if (colon <= 0) throw new Error(`--label must look like key:value, got "${selector}"`);
        labels[selector.slice(0, colon)] = selector.slice(colon + 1);
      }
      const limit = Number(flags.limit);
      const offset = Number(flags.offset);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error(`--limit must be an integer in 1..1000, got "${flags.limit}"`);
      if (!Number.isInteger(offset) || offset < 0) throw new Error(`--offset must be a non-negative integer, got "${flags.offset}"`);
      const page = sonde.targets.list({ labels, kind: flags.kind, limit, offset });
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(page)}\n`);
        return;
      }
      const table = createTable({ head: ['id', 'kind', 'address', 'port', 'name', 'serviceId', 'labels'] });
      for (const t of page.items) {
        table.push([t.id, t.kind, t.address, t.port ?? '', t.name ?? '', t.serviceId ?? '', Object.entries(t.labels).map(([k, v]) => `${k}=${v}`).join(';')]);
      }
      process.stdout.write(`${table.toString()}\n${page.items.length} of ${page.total} target(s) (offset ${page.offset})\n`);
    }));
}
