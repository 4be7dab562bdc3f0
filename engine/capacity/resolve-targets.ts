// The addresses a campaign spec's `targets` names: stored target ids, a label selector over
// the stored HOST targets, a file (one address a line, or the CSV of `sonde targets import`),
// or literal addresses. Every address must be an IP literal: a campaign sends at a known rate
// to known hosts and resolves no names. Mistakes are CampaignSpecErrors naming the field.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { parseTargetCsv } from '../store/target-csv.js';
import type { TargetRepo } from '../store/types.js';
import { CampaignSpecError } from './spec.js';
import type { CampaignSpec } from './types.js';

export const MAX_CAMPAIGN_TARGETS = 1_000_000;
/** A million addresses of up to 39 characters and their line ends. */
const MAX_TARGETS_FILE_BYTES = 64 * 1024 * 1024;

export interface TargetSources {
  targets: TargetRepo;
  /** Where a relative `targets.file` is read from (the spec file's folder); absent: only an
   *  absolute path is accepted (a spec POSTed to the daemon has no folder). */
  baseDir?: string;
}

/** `where` names the line of a file: its text is left out (a file's content is not repeated to an HTTP client). */
function checkedAddress(address: string, field: string, where?: string): string {
  if (!ipaddr.isValid(address)) {
    const what = where === undefined ? `${field} "${address.slice(0, 100)}"` : `${field} (${where})`;
    throw new CampaignSpecError(field, `campaign spec ${what} is not an IP address: a campaign probes IP literals only (no DNS names)`);
  }
  return address;
}

/** "site=eu,tier=1" or "site:eu tier:1" → { site: 'eu', tier: '1' }. */
export function parseSelector(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(/[,\s]+/).filter((p) => p !== '')) {
    const at = pair.search(/[=:]/);
    if (at <= 0 || at === pair.length - 1) {
      throw new CampaignSpecError('targets.selector', `campaign spec targets.selector pair "${pair}" must be key=value (or key:value), pairs separated by commas`);
    }
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  if (Object.keys(labels).length === 0) throw new CampaignSpecError('targets.selector', 'campaign spec targets.selector is empty: give key=value pairs');
  return labels;
}

function fromSelector(repo: TargetRepo, text: string): string[] {
  const labels = parseSelector(text);
  const out: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = repo.list({ labels, kind: 'HOST', limit: 1000, offset });
    for (const t of page.items) out.push(checkedAddress(t.address, 'targets.selector', `target ${t.id}, address ${t.address}`));
    if (page.items.length < 1000 || out.length > MAX_CAMPAIGN_TARGETS) break;
  }
  if (out.length === 0) throw new CampaignSpecError('targets.selector', `campaign spec targets.selector "${text}" selects no HOST target: list them with sonde targets list --label key:value`);
  return out;
}

function fromIds(repo: TargetRepo, ids: readonly string[]): string[] {
  return ids.map((id, i) => {
    const t = repo.get(id);
    if (t === null) throw new CampaignSpecError(`targets.ids[${i}]`, `campaign spec targets.ids[${i}]: no target ${id} (sonde targets list shows the ids)`);
    if (t.kind !== 'HOST') throw new CampaignSpecError(`targets.ids[${i}]`, `campaign spec targets.ids[${i}]: target ${id} is ${t.kind}; an icmp campaign probes HOST targets`);
    return checkedAddress(t.address, `targets.ids[${i}]`);
  });
}

function fromFile(file: string, baseDir: string | undefined): string[] {
  if (!isAbsolute(file) && baseDir === undefined) {
    throw new CampaignSpecError('targets.file', `campaign spec targets.file "${file}" is relative, and a spec sent to the daemon has no folder: give an absolute path`);
  }
  const path = baseDir === undefined ? file : resolve(baseDir, file);
  let text: string;
  try {
    // a device or a FIFO (/dev/zero, /dev/stdin) would be read without end
    const stat = statSync(path);
    if (!stat.isFile()) throw new CampaignSpecError('targets.file', `campaign spec targets.file ${path} is not a regular file`);
    if (stat.size > MAX_TARGETS_FILE_BYTES) throw new CampaignSpecError('targets.file', `campaign spec targets.file ${path} has ${stat.size} bytes; at most ${MAX_TARGETS_FILE_BYTES}`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof CampaignSpecError) throw error;
    throw new CampaignSpecError('targets.file', `campaign spec targets.file: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (path.toLowerCase().endsWith('.csv')) {
    return parseTargetCsv(text).map((row, i) => checkedAddress(String(row.address ?? ''), 'targets.file', `${path} row ${i + 1}`));
  }
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line !== '') out.push(checkedAddress(line, 'targets.file', `${path} line ${i + 1}`));
  });
  if (out.length === 0) throw new CampaignSpecError('targets.file', `campaign spec targets.file ${path} holds no address (one a line, # comments)`);
  return out;
}

export function resolveCampaignTargets(spec: CampaignSpec, sources: TargetSources): string[] {
  const t = spec.targets;
  let addresses: string[];
  if (t.ids !== undefined) addresses = fromIds(sources.targets, t.ids);
  else if (t.selector !== undefined) addresses = fromSelector(sources.targets, t.selector);
  else if (t.file !== undefined) addresses = fromFile(t.file, sources.baseDir);
  else addresses = (t.addresses ?? []).map((a, i) => checkedAddress(a, `targets.addresses[${i}]`));
  if (addresses.length > MAX_CAMPAIGN_TARGETS) {
    throw new CampaignSpecError('targets', `campaign spec targets resolve to ${addresses.length} addresses; at most ${MAX_CAMPAIGN_TARGETS}`);
  }
  return addresses;
}
