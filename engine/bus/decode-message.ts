// A message or KV entry off the bus, checked like HTTP input: bounded, JSON, and matching its
// schema, or a reason to count and log (never a throw: bad input from the bus crashes nothing).
import { Ajv, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new Map<TSchema, ValidateFunction>();

export function decodeMessage<T>(schema: TSchema, data: Uint8Array, maxBytes: number): Decoded<T> {
  if (data.length > maxBytes) return { ok: false, reason: `oversized: ${data.length} bytes > ${maxBytes}` };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  let validate = compiled.get(schema);
  if (validate === undefined) compiled.set(schema, (validate = ajv.compile(schema)));
  if (!validate(value)) {
    const e = validate.errors?.[0];
    return { ok: false, reason: `invalid: ${e?.instancePath || '/'} ${e?.message ?? 'does not match the schema'}` };
  }
  return { ok: true, value: value as T };
}
