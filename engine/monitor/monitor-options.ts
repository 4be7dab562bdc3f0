// Validation of the kind-specific options of a monitor (tcp, dns, http, model): each error names the
// field ("tcp.port", "http.expectStatus[2]") and says what to give.
import { isIP } from 'node:net';
import { SondeError } from '../errors.js';
import { buildProbePayload, PROBE_PAYLOAD_TYPES, type ProbePayload, type ProbePayloadType } from '../probes/payload.js';
import { EngineInputError } from '../types.js';
import {
  DNS_RECORD_TYPES, HTTP_METHODS,
  type DnsMonitorOptions, type DnsRecordType, type HttpMonitorOptions, type ModelMonitorOptions, type MonitorProbe, type TcpMonitorOptions,
} from './types.js';

export const OPTION_KINDS = ['tcp', 'dns', 'http', 'model'] as const;
/** A model monitor's payload at most (a ping stream's may be 16 MiB; a monitor sends it every interval). */
export const MAX_MODEL_PAYLOAD_BYTES = 1_048_576;
export const MAX_BODY_BYTES = 1_048_576;
export const DEFAULT_BODY_BYTES = 65_536;
export const DEFAULT_CERT_EXPIRY_DAYS = 14;
const DNS_NAME = /^(?=.{1,253}\.?$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
// header values: visible ASCII, spaces and tabs (no CR/LF: no header injection)
const HEADER_VALUE = /^[\t\x20-\x7e]{0,4096}$/;

function invalid(field: string, message: string): never {
  throw new SondeError('invalid', message, field);
}

function object(raw: unknown, field: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid(field, `${field} must be an object`);
  for (const k of Object.keys(raw)) {
    if (!keys.includes(k)) invalid(`${field}.${k}`, `${field}.${k} is not an option of ${field} (known: ${keys.join(', ')})`);
  }
  return raw as Record<string, unknown>;
}

function port(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) invalid(field, `${field} must be an integer port in 1..65535`);
  return v;
}

function bool(v: unknown, field: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') invalid(field, `${field} must be true or false`);
  return v;
}

function regex(v: unknown, field: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024) invalid(field, `${field} must be a regular expression of 1..1024 characters`);
  try {
    new RegExp(v);
  } catch (error) {
    invalid(field, `${field} is not a valid regular expression: ${(error as Error).message}`);
  }
  return v;
}

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function parseTcpOptions(raw: unknown): TcpMonitorOptions {
  const r = object(raw, 'tcp', ['port']);
  return defined({ port: port(r.port, 'tcp.port') });
}

export function parseDnsOptions(raw: unknown): DnsMonitorOptions {
  const r = object(raw, 'dns', ['name', 'type', 'server', 'port', 'expect']);
  if (r.name !== undefined && (typeof r.name !== 'string' || !DNS_NAME.test(r.name))) {
    invalid('dns.name', 'dns.name must be a DNS name such as "example.com"');
  }
  if (r.type !== undefined && !(DNS_RECORD_TYPES as readonly unknown[]).includes(r.type)) {
    invalid('dns.type', `dns.type must be one of ${DNS_RECORD_TYPES.join(', ')}`);
  }
  if (r.server !== undefined && (typeof r.server !== 'string' || isIP(r.server) === 0)) {
    invalid('dns.server', 'dns.server must be an IP address ("127.0.0.1", "::1"); the port goes in dns.port');
  }
  if (r.expect !== undefined && (typeof r.expect !== 'string' || r.expect.length === 0 || r.expect.length > 1024)) {
    invalid('dns.expect', 'dns.expect must be an answer of 1..1024 characters (an address, a name, "10 mx.example.com", TXT text)');
  }
  if (r.name === undefined && r.server === undefined) {
    invalid('dns.name', 'dns needs dns.name (the name asked of each target, a DNS server) or dns.server (the server asked for each target\'s name)');
  }
  return defined({
    name: r.name as string | undefined,
    type: r.type as DnsRecordType | undefined,
    server: r.server as string | undefined,
    port: port(r.port, 'dns.port'),
    expect: r.expect as string | undefined,
  });
}

export function parseHttpOptions(raw: unknown): HttpMonitorOptions {
  const r = object(raw, 'http', [
    'method', 'path', 'headers', 'expectStatus', 'bodyMatch', 'bodyNotMatch', 'maxBodyBytes', 'followRedirects', 'verifyTls', 'keepAlive', 'certExpiryDays',
  ]);
  if (r.method !== undefined && !(HTTP_METHODS as readonly unknown[]).includes(r.method)) {
    invalid('http.method', `http.method must be one of ${HTTP_METHODS.join(', ')}`);
  }
  if (r.path !== undefined && (typeof r.path !== 'string' || !/^\/[\x21-\x7e]{0,2047}$/.test(r.path))) {
    invalid('http.path', 'http.path must start with "/" and hold visible ASCII only (at most 2048 characters; percent-encode the rest)');
  }
  let headers: Record<string, string> | undefined;
  if (r.headers !== undefined) {
    const h = object(r.headers, 'http.headers', Object.keys(r.headers ?? {}));
    headers = {};
    for (const [k, v] of Object.entries(h)) {
      if (!HEADER_NAME.test(k)) invalid(`http.headers.${k}`, `http.headers: "${k}" is not a valid header name`);
      if (typeof v !== 'string' || !HEADER_VALUE.test(v)) invalid(`http.headers.${k}`, `http.headers.${k} must be a string of printable ASCII without line breaks`);
      headers[k] = v;
    }
  }
  let expectStatus: number[] | undefined;
  if (r.expectStatus !== undefined) {
    if (!Array.isArray(r.expectStatus) || r.expectStatus.length === 0 || r.expectStatus.length > 100) {
      invalid('http.expectStatus', 'http.expectStatus must be a list of 1..100 status codes');
    }
    expectStatus = (r.expectStatus as unknown[]).map((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 100 || v > 599) invalid(`http.expectStatus[${i}]`, `http.expectStatus[${i}] must be an HTTP status 100..599`);
      return v;
    });
  }
  let maxBodyBytes: number | undefined;
  if (r.maxBodyBytes !== undefined) {
    const v = r.maxBodyBytes;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_BODY_BYTES) invalid('http.maxBodyBytes', `http.maxBodyBytes must be an integer in 1..${MAX_BODY_BYTES}`);
    maxBodyBytes = v;
  }
  let certExpiryDays: number | undefined;
  if (r.certExpiryDays !== undefined) {
    const v = r.certExpiryDays;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 3650) invalid('http.certExpiryDays', 'http.certExpiryDays must be a number of days in 0..3650 (0: no warning)');
    certExpiryDays = v;
  }
  return defined({
    method: r.method as HttpMonitorOptions['method'],
    path: r.path as string | undefined,
    headers,
    expectStatus,
    bodyMatch: regex(r.bodyMatch, 'http.bodyMatch'),
    bodyNotMatch: regex(r.bodyNotMatch, 'http.bodyNotMatch'),
    maxBodyBytes,
    followRedirects: bool(r.followRedirects, 'http.followRedirects'),
    verifyTls: bool(r.verifyTls, 'http.verifyTls'),
    keepAlive: bool(r.keepAlive, 'http.keepAlive'),
    certExpiryDays,
  });
}

export function parseModelOptions(raw: unknown): ModelMonitorOptions {
  const r = object(raw, 'model', ['payloadType', 'payload', 'payloadSizeBytes', 'keepAlive', 'verifyTls']);
  if (r.payloadType !== undefined && !(PROBE_PAYLOAD_TYPES as readonly unknown[]).includes(r.payloadType)) {
    invalid('model.payloadType', `model.payloadType must be one of ${PROBE_PAYLOAD_TYPES.join(', ')}`);
  }
  if (r.payload !== undefined && (typeof r.payload !== 'string' || Buffer.byteLength(r.payload, 'utf8') > MAX_MODEL_PAYLOAD_BYTES)) {
    invalid('model.payload', `model.payload must be a string of at most ${MAX_MODEL_PAYLOAD_BYTES} bytes (UTF-8)`);
  }
  const size = r.payloadSizeBytes;
  if (size !== undefined && (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > MAX_MODEL_PAYLOAD_BYTES)) {
    invalid('model.payloadSizeBytes', `model.payloadSizeBytes must be an integer in 0..${MAX_MODEL_PAYLOAD_BYTES}`);
  }
  const options = defined({
    payloadType: r.payloadType as ProbePayloadType | undefined,
    payload: r.payload as string | undefined,
    payloadSizeBytes: size as number | undefined,
    keepAlive: bool(r.keepAlive, 'model.keepAlive'),
    verifyTls: bool(r.verifyTls, 'model.verifyTls'),
  });
  modelPayload(options); // the ping stream's rules: payload XOR size, JSON payloads parse
  return options;
}

/** The body of a model monitor's probes, built as a ping stream builds it (payload.ts). */
export function modelPayload(o: ModelMonitorOptions | undefined): ProbePayload {
  try {
    return buildProbePayload({ payloadType: o?.payloadType, payload: o?.payload, payloadSizeBytes: o?.payloadSizeBytes });
  } catch (error) {
    if (error instanceof EngineInputError) invalid(`model.${error.field}`, `model.${error.message}`);
    throw error;
  }
}

/** Options given for another kind than the monitor's probe are refused (naming them). */
export function checkOptionsKind(probe: MonitorProbe, m: { tcp?: unknown; dns?: unknown; http?: unknown; model?: unknown }): void {
  for (const kind of OPTION_KINDS) {
    if (m[kind] !== undefined && kind !== probe) invalid(kind, `${kind} options apply to ${kind} monitors only (this monitor's probe is ${probe})`);
  }
  if (probe === 'dns' && m.dns === undefined) invalid('dns', 'a dns monitor needs dns options: dns.name (asked of each target) or dns.server (asked for each target\'s name)');
}
