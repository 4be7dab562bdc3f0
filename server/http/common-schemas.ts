// Schemas shared by several native routes.
import { Type, type TSchema } from '@sinclair/typebox';

export const NativeError = Type.Object({
  error: Type.String({ description: 'What went wrong, naming the field or resource at fault.' }),
  details: Type.Optional(Type.String({ description: 'How to fix it, or more context.' })),
  code: Type.Integer({ description: 'The HTTP status code.' }),
  reason: Type.Optional(Type.String({ description: 'A machine-readable cause where a client acts on it: "csrf" (send X-CSRF-Token).' })),
}, { $id: 'NativeError' });

export const Uuid = Type.String({ format: 'uuid' });

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
};

export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ minimum: 0 }),
    limit: Type.Integer({ minimum: 1 }),
    offset: Type.Integer({ minimum: 0 }),
  });
}

export const Labels = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]+$' }), Type.String({ maxLength: 256 }), {
  description: 'key → value; keys and dot-separated value segments match [A-Za-z0-9_-]+',
});

/** A string enum as `{ type: string, enum }` (Ajv then says "must be one of …"). */
export function StringEnum<T extends string>(values: readonly T[], options: { description?: string; default?: T } = {}) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}
