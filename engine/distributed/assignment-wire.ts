// Monitor definitions on their way to remote agents: the KV bucket `sonde-monitors`, written
// by the controller, watched by every agent. Per monitor, a header `m.<monitorId>` (the
// definition, the hostnames that run it, a generation, the chunk count) and chunks
// `t.<monitorId>.<i>` of its targets (per target what its prober needs: id, address — an
// http target's URL —, kind and port; at most CHUNK_TARGETS and about CHUNK_BYTES each, so a
// chunk fits NATS's 1 MiB max_payload). The header carries the kind options of tcp, dns and
// http monitors as the API stored them. The generation is a hash of the whole content: an
// agent runs a definition only once the header and all its chunks carry the same one, and a
// rewrite of identical content changes nothing. A deleted header: no agent runs it.
// Validated like HTTP input (TypeBox + Ajv, then the API's own option rules): a bad entry is
// rejected with a reason, never thrown.
//
// Version 2 added the options and the target kind and port. An agent of another version
// rejects every entry with a reason naming both versions (a version-1 agent: "/v must be
// equal to constant") and keeps running what it applied before: a tcp monitor without its
// port or an http monitor without its targets would measure nothing true.
import { createHash } from 'node:crypto';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { decodeMessage, type Decoded } from '../bus/decode-message.js';
import { SondeError } from '../errors.js';
import { MAX_BODY_BYTES, checkOptionsKind, parseDnsOptions, parseHttpOptions, parseTcpOptions } from '../monitor/monitor-options.js';
import { DNS_RECORD_TYPES, HTTP_METHODS, MONITOR_PROBES } from '../monitor/types.js';
import { TARGET_KINDS } from '../store/types.js';

export const ASSIGNMENT_BUCKET = 'sonde-monitors';
export const ASSIGNMENT_WIRE_VERSION = 2;
export const CHUNK_TARGETS = 5_000;
/** A chunk is closed once its targets' JSON passes this (http URLs are up to 2048 bytes). */
export const CHUNK_BYTES = 512 * 1024;
/** Chunk indexes are 0..999 (parseAssignmentKey). */
export const MAX_CHUNKS = 1_000;
const MAX_ENTRY_BYTES = 1024 * 1024;

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const Gen = Type.String({ minLength: 1, maxLength: 64 });
const Port = Type.Integer({ minimum: 1, maximum: 65_535 });

// The shapes of monitor-options.ts (at least as wide: what the API accepted must pass); the
// rules a schema cannot say (a regular expression compiles, a DNS name's syntax) are checked
// by the same parse functions after the schema (checkOptions).
const TcpOptions = Type.Object({ port: Type.Optional(Port) }, { additionalProperties: false });
const DnsOptions = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
  type: Type.Optional(Type.Union(DNS_RECORD_TYPES.map((t) => Type.Literal(t)))),
  server: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  port: Type.Optional(Port),
  expect: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
}, { additionalProperties: false });
const Pattern = Type.String({ minLength: 1, maxLength: 1024 });
const HttpOptions = Type.Object({
  method: Type.Optional(Type.Union(HTTP_METHODS.map((m) => Type.Literal(m)))),
  path: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  headers: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.String({ maxLength: 4096 }))),
  expectStatus: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1, maxItems: 100 })),
  bodyMatch: Type.Optional(Pattern),
  bodyNotMatch: Type.Optional(Pattern),
  maxBodyBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BODY_BYTES })),
  followRedirects: Type.Optional(Type.Boolean()),
  verifyTls: Type.Optional(Type.Boolean()),
  keepAlive: Type.Optional(Type.Boolean()),
  certExpiryDays: Type.Optional(Type.Number({ minimum: 0, maximum: 3650 })),
}, { additionalProperties: false });

export const AssignmentHeaderSchema = Type.Object({
  v: Type.Literal(ASSIGNMENT_WIRE_VERSION),
  monitor: Type.Object({
    id: Id,
    probe: Type.Union(MONITOR_PROBES.map((p) => Type.Literal(p))),
    intervalMs: Type.Integer({ minimum: 100, maximum: 86_400_000 }),
    probes: Type.Integer({ minimum: 1, maximum: 100 }),
    timeoutMs: Type.Integer({ minimum: 1, maximum: 60_000 }),
    size: Type.Integer({ minimum: 0, maximum: 65_500 }),
    updatedAtMs: Type.Integer({ minimum: 0 }),
    /** The options of its kind (only the one of its probe; none for icmp). */
    tcp: Type.Optional(TcpOptions),
    dns: Type.Optional(DnsOptions),
    http: Type.Optional(HttpOptions),
  }, { additionalProperties: false }),
  /** The hostnames that run it now. */
  agents: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 10_000 }),
  gen: Gen,
  chunks: Type.Integer({ minimum: 0, maximum: MAX_CHUNKS }),
}, { additionalProperties: false });

export const AssignmentChunkSchema = Type.Object({
  v: Type.Literal(ASSIGNMENT_WIRE_VERSION),
  gen: Gen,
  /** [target id, address (an http target's URL), kind, port (null: none)] */
  targets: Type.Array(Type.Tuple([
    Id, Type.String({ minLength: 1, maxLength: 2048 }), Type.Union(TARGET_KINDS.map((k) => Type.Literal(k))), Type.Union([Port, Type.Null()]),
  ]), { maxItems: CHUNK_TARGETS }),
}, { additionalProperties: false });

export type AssignmentHeader = Static<typeof AssignmentHeaderSchema>;
export type AssignmentChunk = Static<typeof AssignmentChunkSchema>;
export type AssignedTarget = AssignmentChunk['targets'][number];

export const headerKey = (monitorId: string): string => `m.${monitorId}`;
export const chunkKey = (monitorId: string, index: number): string => `t.${monitorId}.${index}`;

/** What a key names: a header, a chunk, or nothing sonde writes. */
export function parseAssignmentKey(key: string): { kind: 'header'; monitorId: string } | { kind: 'chunk'; monitorId: string; index: number } | null {
  const parts = key.split('.');
  if (parts.length === 2 && parts[0] === 'm') return { kind: 'header', monitorId: parts[1] };
  if (parts.length === 3 && parts[0] === 't' && /^\d{1,3}$/.test(parts[2])) return { kind: 'chunk', monitorId: parts[1], index: Number(parts[2]) };
  return null;
}

/** The generation of a definition, its agents and its targets (in order). */
export function assignmentGen(monitor: AssignmentHeader['monitor'], agents: readonly string[], targets: readonly AssignedTarget[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(monitor));
  h.update(JSON.stringify(agents));
  for (const [id, address, kind, port] of targets) h.update(`${id} ${address} ${kind} ${port ?? ''}\n`);
  return h.digest('base64url').slice(0, 32);
}

export type DecodedEntry<T> = Decoded<T>;

/** An entry of another version says so (its other faults would only confuse). */
function versionReason(data: Uint8Array): string | null {
  try {
    const v = (JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8')) as { v?: unknown } | null)?.v;
    if (v === ASSIGNMENT_WIRE_VERSION) return null;
    return `assignment wire version ${JSON.stringify(v)}, this agent reads version ${ASSIGNMENT_WIRE_VERSION}: run the same sonde release on the controller and its agents`;
  } catch {
    return null;
  }
}

function decode<T>(schema: TSchema, data: Uint8Array): DecodedEntry<T> {
  const d = decodeMessage<T>(schema, data, MAX_ENTRY_BYTES);
  if (d.ok) return d;
  return { ok: false, reason: (d.reason.startsWith('invalid') ? versionReason(data) : null) ?? d.reason };
}

/** The rules of monitor-options.ts on the options of a header (the API applied them too). */
function checkOptions(m: AssignmentHeader['monitor']): string | null {
  try {
    checkOptionsKind(m.probe, m);
    if (m.tcp !== undefined) parseTcpOptions(m.tcp);
    if (m.dns !== undefined) parseDnsOptions(m.dns);
    if (m.http !== undefined) parseHttpOptions(m.http);
    return null;
  } catch (err) {
    if (!(err instanceof SondeError)) throw err;
    return `invalid: /monitor/${err.field ?? ''} ${err.message}`;
  }
}

export function decodeAssignmentHeader(data: Uint8Array): DecodedEntry<AssignmentHeader> {
  const d = decode<AssignmentHeader>(AssignmentHeaderSchema, data);
  if (!d.ok) return d;
  const reason = checkOptions(d.value.monitor);
  return reason === null ? d : { ok: false, reason };
}

export const decodeAssignmentChunk = (data: Uint8Array): DecodedEntry<AssignmentChunk> => decode(AssignmentChunkSchema, data);

/** Targets cut into chunks of at most CHUNK_TARGETS and about CHUNK_BYTES of JSON each. */
export function chunkTargets(targets: readonly AssignedTarget[]): AssignedTarget[][] {
  const out: AssignedTarget[][] = [];
  let chunk: AssignedTarget[] = [];
  let bytes = 0;
  for (const t of targets) {
    // its bytes in the chunk's JSON (escapes and multi-byte characters counted), and a comma
    const size = Buffer.byteLength(JSON.stringify(t)) + 1;
    if (chunk.length === CHUNK_TARGETS || (chunk.length > 0 && bytes + size > CHUNK_BYTES)) {
      out.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(t);
    bytes += size;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

export function encodeAssignment(value: AssignmentHeader | AssignmentChunk): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
