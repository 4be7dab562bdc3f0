// A fast-check arbitrary for the JSON Schema subset sonde's routes and config use (type and
// type lists, const, enum, anyOf, properties/required/additionalProperties, patternProperties,
// string/number/array bounds, format uuid). The one maintained-looking converter on the
// registry (json-schema-fast-check 0.0.x) needs fast-check 1.x, hence this small one.
// `override` lets the caller replace the arbitrary of a field by its key (destinations and
// probe counts are constrained there: see destinations.ts).
import fc from 'fast-check';

export type JsonSchema = Record<string, unknown>;
export type Override = (key: string, schema: JsonSchema) => fc.Arbitrary<unknown> | undefined;

/** Arrays never get more items than this from the generator (mutations make big ones). */
const MAX_ITEMS = 4;
const KEY_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-';

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  if (s.format === 'uuid') return fc.uuid();
  const minLength = num(s.minLength) ?? 0;
  const maxLength = Math.min(num(s.maxLength) ?? 40, Math.max(minLength, 40));
  if (typeof s.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length >= minLength && x.length <= (num(s.maxLength) ?? Infinity));
    } catch {
      // a pattern JS cannot compile: plain strings
    }
  }
  return fc.string({ minLength, maxLength, unit: 'grapheme' });
}

function labelKey(): fc.Arbitrary<string> {
  return fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...KEY_CHARS) });
}

function integerArb(s: JsonSchema): fc.Arbitrary<number> {
  const min = num(s.minimum) ?? (num(s.exclusiveMinimum) !== undefined ? num(s.exclusiveMinimum)! + 1 : -1_000_000);
  const max = num(s.maximum) ?? (num(s.exclusiveMaximum) !== undefined ? num(s.exclusiveMaximum)! - 1 : 1_000_000);
  const lo = Math.max(min, Number.MIN_SAFE_INTEGER);
  const hi = Math.min(max, Number.MAX_SAFE_INTEGER);
  return fc.oneof(fc.constantFrom(lo, hi), fc.integer({ min: Math.max(lo, -(2 ** 31)), max: Math.min(hi, 2 ** 31 - 1) }));
}

function numberArb(s: JsonSchema): fc.Arbitrary<number> {
  const min = num(s.minimum) ?? num(s.exclusiveMinimum) ?? -1e6;
  const max = num(s.maximum) ?? num(s.exclusiveMaximum) ?? 1e6;
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true, minExcluded: s.exclusiveMinimum !== undefined, maxExcluded: s.exclusiveMaximum !== undefined });
}

function objectArb(s: JsonSchema, override: Override): fc.Arbitrary<unknown> {
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  const entries: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, sub] of Object.entries(props)) entries[k] = override(k, sub) ?? schemaArbitrary(sub, override);
  const requiredKeys = Object.keys(props).filter((k) => required.has(k));
  const record = Object.keys(props).length > 0
    ? fc.record(entries, { requiredKeys })
    : fc.constant({} as Record<string, unknown>);
  const pattern = s.patternProperties as Record<string, JsonSchema> | undefined;
  const min = num(s.minProperties) ?? 0;
  const withPatterned = pattern === undefined
    ? record
    : fc.tuple(record, fc.dictionary(labelKey(), schemaArbitrary(Object.values(pattern)[0] ?? {}, override), { maxKeys: MAX_ITEMS }))
      .map(([a, b]) => ({ ...b, ...(a as object) }));
  return min > 0 ? withPatterned.filter((o) => Object.keys(o as object).length >= min) : withPatterned;
}

/** An arbitrary of values valid against `s` (within the subset above). */
export function schemaArbitrary(s: JsonSchema, override: Override = () => undefined): fc.Arbitrary<unknown> {
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if (Array.isArray(s.anyOf)) return fc.oneof(...(s.anyOf as JsonSchema[]).map((x) => schemaArbitrary(x, override)));
  if (Array.isArray(s.oneOf)) return fc.oneof(...(s.oneOf as JsonSchema[]).map((x) => schemaArbitrary(x, override)));
  const type = s.type;
  if (Array.isArray(type)) return fc.oneof(...(type as string[]).map((t) => schemaArbitrary({ ...s, type: t }, override)));
  switch (type) {
    case 'string': return stringArb(s);
    case 'integer': return integerArb(s);
    case 'number': return numberArb(s);
    case 'boolean': return fc.boolean();
    case 'null': return fc.constant(null);
    case 'array': {
      const items = (s.items ?? {}) as JsonSchema;
      const minLength = num(s.minItems) ?? 0;
      const maxLength = Math.max(minLength, Math.min(num(s.maxItems) ?? MAX_ITEMS, MAX_ITEMS));
      const arb = schemaArbitrary(items, override);
      return s.uniqueItems === true ? fc.uniqueArray(arb, { minLength, maxLength, selector: (v) => JSON.stringify(v) }) : fc.array(arb, { minLength, maxLength });
    }
    case 'object': return objectArb(s, override);
    default: return fc.jsonValue({ maxDepth: 2 });
  }
}
