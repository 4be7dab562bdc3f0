// Requests for every operation in the daemon's /openapi.json: path parameters that name things
// that exist (ids the campaign has seen) or not, query parameters from their schemas or
// garbage, bodies from the request schema (destinations on loopback, see destinations.ts)
// sent as they are or mutated (mutations.ts), with the admin key or a wrong one.
import fc from 'fast-check';
import { constrainedFields } from './destinations.js';
import { applyMutation, mutationArbitrary, type Mutation } from './mutations.js';
import { schemaArbitrary, type JsonSchema } from './schema-arbitrary.js';
import type { Outgoing } from './http-send.js';

export interface Operation {
  method: string;
  path: string;
  params: { name: string; in: 'path' | 'query'; schema: JsonSchema }[];
  /** Media types of the request body → schema (a string schema for raw types). */
  body: Record<string, JsonSchema> | undefined;
}

export function operationsOf(openapi: { paths: Record<string, Record<string, { parameters?: Operation['params']; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>> }): Operation[] {
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(openapi.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const body = op.requestBody === undefined ? undefined : Object.fromEntries(Object.entries(op.requestBody.content).map(([t, c]) => [t, c.schema]));
      out.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], body });
    }
  }
  return out;
}

/** Ids the daemon has handed out, by what they name; read when a request is materialized. */
export interface IdPool {
  targets: string[]; monitors: string[]; jobs: string[]; keys: string[]; serviceIds: string[]; serials: string[]; hostnames: string[];
}

type PoolName = keyof IdPool;

function poolFor(path: string, param: string): PoolName {
  if (param === 'service_id') return 'serviceIds';
  if (param === 'serial') return 'serials';
  if (param === 'hostname') return 'hostnames';
  if (param === 'task_id' || param === 'taskId') return 'jobs';
  if (path.startsWith('/v1/targets')) return 'targets';
  if (path.startsWith('/v1/monitors')) return 'monitors';
  if (path.startsWith('/v1/keys')) return 'keys';
  return 'jobs';
}

const BAD_PARAMS = ['x', '%', '%E0%A4%A', '..', '.', 'a'.repeat(300), '00000000-0000-0000-0000-000000000000', '%00', '%C3%BC', '1e999', '-1', '0', '9007199254740993', '%2F', '%20', 'null', '%FF%FE'];
const BAD_QUERIES = ['limit=1e999', 'limit=-0', 'limit=1.5', 'offset=NaN', 'label=::::', 'label=a:b&label=', 'status[]=x', 'kind=', '%=%', 'limit=1&limit=2', `x=${'y'.repeat(5000)}`, 'from=9999999999999999', 'to=-1', 'step=0', 'percentiles=1,2,,3', 'percentiles=101', 'minutes=1e9', '%FF=%FE', 'a', '&&&', '=', 'monitors=' + 'a,'.repeat(300)];
const ODD_METHODS = ['HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE', 'POST', 'GET', 'TRACE', 'PROPFIND'];

type ParamChoice = { kind: 'known'; n: number } | { kind: 'value'; v: string };

export interface RequestPlan {
  op: Operation;
  method: string;
  params: Record<string, ParamChoice>;
  query: string;
  bodyValue: unknown;
  bodyType: string | undefined;
  mutation: Mutation;
  auth: 'admin' | 'none' | 'bogus' | 'readOnly' | 'apiKeyHeader';
}

function paramValue(schema: JsonSchema): fc.Arbitrary<string> {
  return schemaArbitrary(schema, constrainedFields).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

function queryArbitrary(op: Operation): fc.Arbitrary<string> {
  const q = op.params.filter((p) => p.in === 'query');
  const fromSchema = q.length === 0
    ? fc.constant('')
    : fc.record(Object.fromEntries(q.map((p) => [p.name, paramValue(p.schema)])), { requiredKeys: [] })
      .map((r) => new URLSearchParams(r as Record<string, string>).toString());
  return fc.oneof({ weight: 6, arbitrary: fromSchema }, { weight: 2, arbitrary: fc.constantFrom(...BAD_QUERIES) }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => encodeURIComponent(s)) });
}

export function planArbitrary(ops: Operation[]): fc.Arbitrary<RequestPlan> {
  return fc.constantFrom(...ops).chain((op) => {
    const pathParams = op.params.filter((p) => p.in === 'path');
    const params = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, fc.oneof(
      { weight: 5, arbitrary: fc.nat().map((n): ParamChoice => ({ kind: 'known', n })) },
      { weight: 2, arbitrary: paramValue(p.schema).map((v): ParamChoice => ({ kind: 'value', v: encodeURIComponent(v) })) },
      { weight: 2, arbitrary: fc.constantFrom(...BAD_PARAMS).map((v): ParamChoice => ({ kind: 'value', v })) },
    )])));
    const types = op.body === undefined ? [] : Object.keys(op.body);
    const bodyType = types.length === 0 ? fc.constant(undefined) : fc.constantFrom(...types);
    return fc.record({
      op: fc.constant(op),
      method: fc.oneof({ weight: 30, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_METHODS) }),
      params,
      query: op.method === 'GET' ? queryArbitrary(op) : fc.oneof({ weight: 9, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(...BAD_QUERIES) }),
      bodyType,
      mutation: mutationArbitrary,
      auth: fc.oneof({ weight: 20, arbitrary: fc.constant<RequestPlan['auth']>('admin') }, { weight: 1, arbitrary: fc.constantFrom<RequestPlan['auth']>('none', 'bogus', 'readOnly', 'apiKeyHeader') }),
    }).chain((plan) => {
      const schema = plan.bodyType === undefined ? undefined : op.body![plan.bodyType];
      const value: fc.Arbitrary<unknown> = schema === undefined
        ? fc.constant(undefined)
        : plan.bodyType === 'text/csv' ? csvArbitrary : schemaArbitrary(schema, constrainedFields);
      return value.map((bodyValue) => ({ ...plan, bodyValue }));
    });
  });
}

/** CSV import bodies: a header and rows of loopback HOST/TCP targets (the value is the text). */
const csvArbitrary: fc.Arbitrary<unknown> = fc.array(
  fc.tuple(fc.constantFrom('HOST', 'TCP', 'host', 'LLM', ''), fc.constantFrom('127.0.0.1', '127.0.0.2', '::1', 'localhost', ''), fc.constantFrom('', 'site=eu', 'a=b;c=d', '"x=y"')),
  { maxLength: 4 },
).map((rows) => ['kind,address,labels', ...rows.map((r) => r.join(','))].join('\n'));

export interface Keys { admin: string; readOnly: string }

export function materialize(plan: RequestPlan, pool: IdPool, keys: Keys): Outgoing & { mutation: string; template: string } {
  let path = plan.op.path;
  for (const [name, choice] of Object.entries(plan.params)) {
    const list = pool[poolFor(plan.op.path, name)];
    const v = choice.kind === 'value' ? choice.v : list.length === 0 ? 'none' : encodeURIComponent(list[choice.n % list.length]);
    path = path.replace(`{${name}}`, v);
  }
  if (plan.query !== '') path += `?${plan.query}`;
  const headers: Record<string, string> = {};
  if (plan.auth === 'admin') headers.authorization = `Bearer ${keys.admin}`;
  else if (plan.auth === 'readOnly') headers.authorization = `Bearer ${keys.readOnly}`;
  else if (plan.auth === 'bogus') headers.authorization = 'Bearer sk_notakey_0000000000000000';
  else if (plan.auth === 'apiKeyHeader') headers['x-api-key'] = keys.admin;
  let body: Buffer | undefined;
  let mutation = 'none';
  if (plan.bodyType !== undefined) {
    const csv = plan.bodyType === 'text/csv';
    const b = csv && plan.mutation.kind === 'none'
      ? { bytes: Buffer.from(plan.bodyValue as string), contentType: 'text/csv', mutation: 'none' as const }
      : applyMutation(plan.bodyValue, plan.mutation, plan.bodyType);
    body = b.bytes;
    mutation = b.mutation;
    if (b.contentType !== undefined) headers['content-type'] = b.contentType;
  } else if (plan.mutation.kind !== 'none' && plan.mutation.pick % 4 === 0) {
    // a body where none is expected
    const b = applyMutation({ x: 1 }, plan.mutation);
    body = b.bytes;
    mutation = `unexpected body, ${b.mutation}`;
    if (b.contentType !== undefined) headers['content-type'] = b.contentType;
  }
  // A method the route does not have: its own connection, so a wrong answer cannot desync the next one.
  return { method: plan.method, path, headers, body, mutation, template: `${plan.op.method} ${plan.op.path}`, fresh: plan.method !== plan.op.method };
}
