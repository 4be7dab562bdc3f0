// Validation of target input: one place, so the API, the CLI and bulk import agree.

import { isIP } from 'node:net';
import { SondeError } from '../errors.js';
import { TARGET_KINDS, type TargetInput, type TargetKind } from './types.js';
import { validateLabels } from './labels.js';

const FIELDS = new Set(['kind', 'address', 'port', 'name', 'serviceId', 'provider', 'modelIdentifier', 'labels']);
const NUMERIC_LAST_LABEL = /(^|\.)[0-9]+\.?$/;
const HOSTNAME = /^(?=.{1,253}\.?$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const URL_KINDS: ReadonlySet<TargetKind> = new Set(['HTTP', 'EMBEDDER', 'RERANKER', 'LLM']);
const MAX_TEXT = 256;

function invalid(field: string, message: string): never {
  throw new SondeError('invalid', message, field);
}

function optionalText(raw: Record<string, unknown>, field: string): string | null | undefined {
  const v = raw[field];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'string') invalid(field, `${field} must be a string`);
  if (v.length > MAX_TEXT) invalid(field, `${field} must be at most ${MAX_TEXT} characters`);
  return v;
}

function optionalInteger(raw: Record<string, unknown>, field: string, min: number, max: number): number | null | undefined {
  const v = raw[field];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    invalid(field, `${field} must be an integer in ${min}..${max}`);
  }
  return v;
}

export function parseKind(v: unknown): TargetKind {
  const kind = typeof v === 'string' ? v.toUpperCase() : v;
  if (typeof kind !== 'string' || !(TARGET_KINDS as readonly string[]).includes(kind)) {
    invalid('kind', `kind must be one of ${TARGET_KINDS.join(', ')}`);
  }
  return kind as TargetKind;
}

function checkAddress(kind: TargetKind, address: string): void {
  if (URL_KINDS.has(kind)) {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      invalid('address', `address must be an http:// or https:// URL for a ${kind} target`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      invalid('address', `address must be an http:// or https:// URL for a ${kind} target`);
    }
  } else if (isIP(address) === 0 && (!HOSTNAME.test(address) || NUMERIC_LAST_LABEL.test(address))) {
    // 999.1.1.1 fits the label syntax but is neither an IPv4 address nor a host name (a top
    // label is never all digits): refused here rather than looked up in DNS at every probe.
    invalid('address', `address must be an IPv4/IPv6 address or a DNS name for a ${kind} target`);
  }
}

/**
 * Validates a full target (create) or a patch (update: only given fields, checked against
 * the merged result by the caller). Returns a normalized copy.
 */
export function parseTargetInput(raw: unknown, partial = false): Partial<TargetInput> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid('body', 'a target must be a JSON object');
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!FIELDS.has(key)) invalid(key, `unknown field ${key}; allowed: ${[...FIELDS].join(', ')}`);
  }
  const out: Partial<TargetInput> = {};
  if (obj.kind !== undefined || !partial) out.kind = parseKind(obj.kind);
  if (obj.address !== undefined || !partial) {
    if (typeof obj.address !== 'string' || obj.address.length === 0 || obj.address.length > 2048) {
      invalid('address', 'address must be a non-empty string of at most 2048 characters');
    }
    out.address = obj.address;
  }
  const port = optionalInteger(obj, 'port', 1, 65535);
  if (port !== undefined) out.port = port;
  const serviceId = optionalInteger(obj, 'serviceId', 1, Number.MAX_SAFE_INTEGER);
  if (serviceId !== undefined) out.serviceId = serviceId;
  for (const f of ['name', 'provider', 'modelIdentifier'] as const) {
    const v = optionalText(obj, f);
    if (v !== undefined) out[f] = v;
  }
  if (obj.labels !== undefined) out.labels = validateLabels(obj.labels);
  return out;
}

/** Cross-field checks on a complete target. */
export function checkTarget(t: TargetInput): void {
  checkAddress(t.kind, t.address);
  if (t.kind === 'TCP' && (t.port === undefined || t.port === null)) invalid('port', 'port is required for a TCP target');
}
