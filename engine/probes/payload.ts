// Request bodies for HTTP probes of model endpoints (contract D's EMBEDDER, RERANKER, LLM
// and HTTP targets): an explicit payload, or a synthetic one of an exact size.
//
// The body is the payload itself, byte for byte, so that bytesSent equals the payload size
// the client asked for (the seed's example: payloadSizeBytes 64 → bytesSent 64). The target's
// provider and model travel as request headers (modelHeaders), not inside the body.

import { EngineInputError } from '../types.js';

export const PROBE_PAYLOAD_TYPES = ['TEXT', 'JSON', 'BINARY'] as const;
export type ProbePayloadType = (typeof PROBE_PAYLOAD_TYPES)[number];

export interface ProbePayloadSpec {
  /** Default 'TEXT'. */
  payloadType?: ProbePayloadType;
  /** Explicit UTF-8 payload; mutually exclusive with payloadSizeBytes. */
  payload?: string;
  /** Synthetic payload of exactly this many bytes, 0..16 MiB. */
  payloadSizeBytes?: number;
}

export interface ProbePayload {
  body: Buffer;
  contentType: string;
}

export const MAX_SYNTHETIC_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** The body sent when the request names neither payload nor size. */
export const DEFAULT_PAYLOAD_TEXT = 'ping';

const CONTENT_TYPE: Record<ProbePayloadType, string> = {
  TEXT: 'text/plain; charset=utf-8',
  JSON: 'application/json',
  BINARY: 'application/octet-stream',
};

export function buildProbePayload(spec: ProbePayloadSpec): ProbePayload {
  const type = spec.payloadType ?? 'TEXT';
  if (!(type in CONTENT_TYPE)) {
    throw new EngineInputError('payloadType', `payloadType must be TEXT, JSON or BINARY (got ${JSON.stringify(type)})`);
  }
  if (spec.payload !== undefined && spec.payloadSizeBytes !== undefined) {
    throw new EngineInputError('payload', 'payload and payloadSizeBytes are mutually exclusive: send one of them');
  }
  const contentType = CONTENT_TYPE[type];

  if (spec.payload !== undefined) {
    if (typeof spec.payload !== 'string') throw new EngineInputError('payload', 'payload must be a string');
    if (type === 'JSON') {
      try {
        JSON.parse(spec.payload);
      } catch (error) {
        throw new EngineInputError('payload', `payload is not valid JSON (payloadType JSON): ${(error as Error).message}`);
      }
    }
    return { body: Buffer.from(spec.payload, 'utf8'), contentType };
  }

  if (spec.payloadSizeBytes === undefined) {
    const text = type === 'JSON' ? JSON.stringify(DEFAULT_PAYLOAD_TEXT) : DEFAULT_PAYLOAD_TEXT;
    return { body: Buffer.from(text, 'utf8'), contentType };
  }

  const size = spec.payloadSizeBytes;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > MAX_SYNTHETIC_PAYLOAD_BYTES) {
    throw new EngineInputError('payloadSizeBytes', `payloadSizeBytes must be an integer from 0 to ${MAX_SYNTHETIC_PAYLOAD_BYTES} (got ${String(size)})`);
  }
  return { body: syntheticBody(type, size), contentType };
}

/** Exactly `size` bytes: printable text, a JSON value, or a byte ramp. */
function syntheticBody(type: ProbePayloadType, size: number): Buffer {
  const body = Buffer.allocUnsafe(size);
  if (type === 'BINARY') {
    for (let i = 0; i < size; i++) body[i] = i & 0xff;
    return body;
  }
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; i < size; i++) body[i] = letters.charCodeAt(i % 26);
  if (type === 'JSON') {
    // A JSON string "aaa…" of the exact size; sizes below 2 get the one-byte number 0 or nothing.
    if (size === 1) body[0] = 0x30;
    else if (size >= 2) {
      body[0] = 0x22;
      body[size - 1] = 0x22;
    }
  }
  return body;
}

/** Request headers that carry a model target's metadata to the endpoint. */
export function modelHeaders(meta: { targetType?: string; provider?: string | null; modelIdentifier?: string | null }): Record<string, string> {
  const headers: Record<string, string> = {};
  if (meta.targetType) headers['x-sonde-target-type'] = meta.targetType;
  if (meta.provider) headers['x-sonde-provider'] = meta.provider;
  if (meta.modelIdentifier) headers['x-sonde-model'] = meta.modelIdentifier;
  return headers;
}

/** The headers of a model endpoint's health request (contract D, the ping stream's and a
 *  model monitor's): the payload's content type and the target's kind, provider and model. */
export function modelRequestHeaders(
  payload: ProbePayload, target: { kind: string; provider?: string | null; modelIdentifier?: string | null },
): Record<string, string> {
  return {
    'content-type': payload.contentType,
    ...modelHeaders({ targetType: target.kind, provider: target.provider, modelIdentifier: target.modelIdentifier }),
  };
}
