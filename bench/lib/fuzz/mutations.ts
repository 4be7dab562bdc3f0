// Turns a schema-valid JSON value into the bytes of a request body, as sent or mutated: a
// wrong type or an extreme at one place in the value, a key dropped or added, a huge or deep
// document, invalid UTF-8, a truncated or garbage body, a wrong content type. Every choice is
// drawn by fast-check, so a failing case shrinks and replays from its seed.
import fc from 'fast-check';

export type MutationKind =
  | 'none' | 'wrongType' | 'extreme' | 'dropKey' | 'extraKey' | 'huge' | 'deep' | 'invalidUtf8'
  | 'truncated' | 'garbage' | 'numberText' | 'duplicateKey' | 'contentType';

export interface Mutation {
  kind: MutationKind;
  /** Which node of the value (index into its nodes, modulo their count). */
  at: number;
  /** A position in the serialized text (modulo its length). */
  pos: number;
  pick: number;
}

export interface Body {
  bytes: Buffer;
  /** undefined: no Content-Type header. */
  contentType: string | undefined;
  mutation: MutationKind;
}

const WRONG_TYPES: unknown[] = [null, true, false, 0, -1, '', 'x', [], {}, [null], { a: 1 }, '0', 'true', 0.5];
const EXTREMES: unknown[] = [
  -1, 0, -0, 2 ** 31, 2 ** 32, 2 ** 53 + 2, -(2 ** 53) - 2, 1e308, -1e308, 5e-324, 1.5, 1e-7,
  '', ' ', 'a'.repeat(70_000), '\u0000', '\ud800', '\udfff\ud800', '😀'.repeat(1000), '\u202e\u202d', '%00', '../../etc/passwd',
  '${jndi:ldap://x}', '<script>', "'; DROP TABLE targets; --", 'null', '\n\r\t', 'ü'.repeat(300),
];
const CONTENT_TYPES: (string | undefined)[] = [
  undefined, '', 'text/plain', 'text/csv', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
  'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;;;', 'application/jsonx', 'application/*',
  'application/json, text/plain', 'application/merge-patch+json', 'application/octet-stream',
];
const INVALID_UTF8: number[][] = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80]];
const NUMBER_TEXTS = ['1e999', '-1e999', 'NaN', 'Infinity', '01', '-', '1.', '.5', '0x10', '1_000', '+1', '9'.repeat(400)];
const GARBAGE = ['{', '}', '[', '{"a":', 'nul', 'undefined', '\'{}\'', '{a:1}', '{"a":1,}', '[1,]', '\u0000', '\ufeff{}', '{}{}', '{} x', ' '.repeat(10_000)];

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.oneof(
    { weight: 6, arbitrary: fc.constant<MutationKind>('none') },
    { weight: 14, arbitrary: fc.constantFrom<MutationKind>('wrongType', 'extreme', 'dropKey', 'extraKey', 'huge', 'deep', 'invalidUtf8', 'truncated', 'garbage', 'numberText', 'duplicateKey', 'contentType') },
  ),
  at: fc.nat(),
  pos: fc.nat(),
  pick: fc.nat(),
});

interface Slot { parent: Record<string, unknown> | unknown[]; key: string | number }

function slots(value: unknown, out: Slot[] = []): Slot[] {
  if (Array.isArray(value)) value.forEach((v, i) => { out.push({ parent: value, key: i }); slots(v, out); });
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { out.push({ parent: value as Record<string, unknown>, key: k }); slots(v, out); }
  }
  return out;
}

function objects(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) value.forEach((v) => objects(v, out));
  else if (value !== null && typeof value === 'object') {
    out.push(value as Record<string, unknown>);
    Object.values(value).forEach((v) => objects(v, out));
  }
  return out;
}

const pickFrom = <T>(list: readonly T[], n: number): T => list[n % list.length];

/** The body for `value` under mutation `m` (value is copied, not changed). */
export function applyMutation(value: unknown, m: Mutation, json = 'application/json'): Body {
  const v = value === undefined ? undefined : structuredClone(value);
  const text = (x: unknown): Buffer => Buffer.from(JSON.stringify(x) ?? '', 'utf8');
  const body = (bytes: Buffer, contentType: string | undefined = json): Body => ({ bytes, contentType, mutation: m.kind });
  const all = slots(v);
  const slot = all.length > 0 ? all[m.at % all.length] : undefined;
  const set = (replacement: unknown): Body => {
    if (slot === undefined) return body(text(replacement));
    (slot.parent as Record<string | number, unknown>)[slot.key] = replacement;
    return body(text(v));
  };
  switch (m.kind) {
    case 'none': return body(text(v));
    case 'wrongType': return set(pickFrom(WRONG_TYPES, m.pick));
    case 'extreme': return set(pickFrom(EXTREMES, m.pick));
    case 'dropKey': {
      const objs = objects(v);
      const o = objs.length > 0 ? objs[m.at % objs.length] : undefined;
      const keys = o === undefined ? [] : Object.keys(o);
      if (o !== undefined && keys.length > 0) delete o[pickFrom(keys, m.pick)];
      return body(text(v));
    }
    case 'extraKey': {
      const objs = objects(v);
      const o = objs.length > 0 ? objs[m.at % objs.length] : undefined;
      const key = pickFrom(['__proto__', 'constructor', 'prototype', 'zz', '', 'a'.repeat(5000), '$where', 'toString'], m.pick);
      if (o === undefined) return body(Buffer.from(`{${JSON.stringify(key)}:1}`));
      if (o === v) {
        // as text: assigning __proto__ would set the prototype, which JSON.stringify drops
        const rest = (JSON.stringify(v) ?? '{}').slice(1);
        return body(Buffer.from(`{${JSON.stringify(key)}:{"admin":true}${rest === '}' ? '' : ','}${rest}`));
      }
      Object.defineProperty(o, key, { value: { admin: true }, enumerable: true, configurable: true, writable: true });
      return body(text(v));
    }
    case 'huge': {
      const kind = m.pick % 4;
      if (kind === 0) return set(Array.from({ length: 20_000 }, (_, i) => i));
      if (kind === 1) return set('x'.repeat(60_000 + (m.pos % 10_000)));
      if (kind === 2) return body(Buffer.alloc(70_000 + (m.pos % 2_000_000), 0x20));
      return set(Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i])));
    }
    case 'deep': {
      const depth = 100 + (m.pos % 20_000);
      const open = m.pick % 2 === 0 ? '['.repeat(depth) : '{"a":'.repeat(depth);
      const close = m.pick % 2 === 0 ? ']'.repeat(depth) : '}'.repeat(depth);
      return body(Buffer.from(`${open}${JSON.stringify(v) ?? 'null'}${close}`));
    }
    case 'invalidUtf8': {
      const t = text(v);
      const at = t.length === 0 ? 0 : m.pos % t.length;
      return body(Buffer.concat([t.subarray(0, at), Buffer.from(pickFrom(INVALID_UTF8, m.pick)), t.subarray(at)]));
    }
    case 'truncated': {
      const t = text(v);
      return body(t.subarray(0, t.length === 0 ? 0 : m.pos % t.length));
    }
    case 'garbage': return body(Buffer.from(pickFrom(GARBAGE, m.pick)));
    case 'numberText': {
      // a number literal JSON does not have, put where a value goes
      const marker = '"\u0001MARK\u0001"';
      set('\u0001MARK\u0001');
      return body(Buffer.from((JSON.stringify(slot === undefined ? '\u0001MARK\u0001' : v) ?? '').replace(marker, pickFrom(NUMBER_TEXTS, m.pick))));
    }
    case 'duplicateKey': {
      const t = JSON.stringify(v) ?? '{}';
      const keys = v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
      if (keys.length === 0 || !t.startsWith('{')) return body(Buffer.from(`{"a":1,"a":${t}}`));
      const k = pickFrom(keys, m.pick);
      return body(Buffer.from(`{${JSON.stringify(k)}:${JSON.stringify(pickFrom(WRONG_TYPES, m.at))},${t.slice(1)}`));
    }
    case 'contentType': return body(text(v), pickFrom(CONTENT_TYPES, m.pick));
  }
}
