// Monitor definitions on their way to remote agents: the KV bucket `sonde-monitors`, written
// by the controller, watched by every agent. Per monitor, a header `m.<monitorId>` (the
// definition, the hostnames that run it, a generation, the chunk count) and chunks
// `t.<monitorId>.<i>` of its targets (ids and addresses, at most CHUNK_TARGETS each, so a
// 50,000-target monitor fits NATS's 1 MiB max_payload). The generation is a hash of the whole
// content: an agent runs a definition only once the header and all its chunks carry the same
// one, and a rewrite of identical content changes nothing. A deleted header: no agent runs it.
// Validated like HTTP input (TypeBox + Ajv): a bad entry is rejected with a reason, never thrown.
import { createHash } from 'node:crypto';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { decodeMessage, type Decoded } from '../bus/decode-message.js';
import { MONITOR_PROBES } from '../monitor/types.js';

export const ASSIGNMENT_BUCKET = 'sonde-monitors';
export const ASSIGNMENT_WIRE_VERSION = 1;
export const CHUNK_TARGETS = 5_000;
const MAX_ENTRY_BYTES = 1024 * 1024;

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const Gen = Type.String({ minLength: 1, maxLength: 64 });

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
  }, { additionalProperties: false }),
  /** The hostnames that run it now. */
  agents: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 10_000 }),
  gen: Gen,
  chunks: Type.Integer({ minimum: 0, maximum: 100 }),
}, { additionalProperties: false });

export const AssignmentChunkSchema = Type.Object({
  v: Type.Literal(ASSIGNMENT_WIRE_VERSION),
  gen: Gen,
  /** [target id, address] */
  targets: Type.Array(Type.Tuple([Id, Type.String({ minLength: 1, maxLength: 300 })]), { maxItems: CHUNK_TARGETS }),
}, { additionalProperties: false });

export type AssignmentHeader = Static<typeof AssignmentHeaderSchema>;
export type AssignmentChunk = Static<typeof AssignmentChunkSchema>;
export type AssignedTarget = [id: string, address: string];

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
  for (const [id, address] of targets) h.update(`${id} ${address}\n`);
  return h.digest('base64url').slice(0, 32);
}

export type DecodedEntry<T> = Decoded<T>;

const decode = <T>(schema: TSchema, data: Uint8Array): DecodedEntry<T> => decodeMessage<T>(schema, data, MAX_ENTRY_BYTES);

export const decodeAssignmentHeader = (data: Uint8Array): DecodedEntry<AssignmentHeader> => decode(AssignmentHeaderSchema, data);
export const decodeAssignmentChunk = (data: Uint8Array): DecodedEntry<AssignmentChunk> => decode(AssignmentChunkSchema, data);

export function encodeAssignment(value: AssignmentHeader | AssignmentChunk): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
