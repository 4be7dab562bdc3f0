// Every route, fed malformed paths, queries and bodies: always a 4xx (or 2xx), never a 5xx,
// and always in the route's error envelope when it is an error (native unless the route
// belongs to a contract with its own, checked against that envelope's schema).
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeNamed } from '../../server/index.js';
import { call, startTestServer, type TestServer } from './helpers.js';

const ajv = new Ajv({ strict: false });
const envelopeValidators = new Map<string, ValidateFunction>();
function envelopeValidator(name: string): ValidateFunction {
  let v = envelopeValidators.get(name);
  if (v === undefined) {
    const schema = envelopeNamed(name).schema;
    if (schema === undefined) throw new Error(`error envelope "${name}" has no schema to check its bodies against`);
    v = ajv.compile(schema);
    envelopeValidators.set(name, v);
  }
  return v;
}

const PARAM_VALUES = ['x', '%', '%E0%A4%A', '..', 'a'.repeat(300), '00000000-0000-0000-0000-000000000000', '%00', 'ü', '1e999'];
const QUERIES = ['limit=1e999', 'limit=-0', 'limit=1.5', 'offset=NaN', 'label=::::', 'label=a:b&label=', 'status[]=x', 'kind=', '%=%', 'limit=1&limit=2', 'x=' + 'y'.repeat(5000)];
const BODIES: (string | undefined)[] = [
  '', 'null', 'true', '0', '"str"', '[]', '[null]', '{}', '{"a":', '{"kind":null,"address":null}', '{"name":{"$gt":""}}',
  '{"targets":[1,2,3]}', '{"operation":"ping","targets":[null]}', '{"scopes":[null]}', '\u0000\u0001', '{"port":1e400}',
  '{"labels":{"a":{"b":1}}}', '{"__proto__":{"admin":true}}', '[' .repeat(5000) + ']'.repeat(5000),
];

describe('no 5xx for bad input', () => {
  let t: TestServer;
  beforeAll(async () => { t = await startTestServer(); });
  afterAll(async () => { await t.close(); });

  it('holds for every route, method, parameter, query and body tried', async () => {
    let requests = 0;
    for (const route of t.server.routes) {
      const paths = route.path.includes('{')
        ? PARAM_VALUES.map((v) => route.path.replace(/\{\w+\}/g, encodeURI(v).replace(/%25/g, '%')))
        : [route.path];
      const method = route.method.toUpperCase();
      for (const path of paths) {
        // Queries matter on GET routes; bodies on the others.
        for (const query of method === 'GET' ? [undefined, ...QUERIES] : [undefined]) {
          const url = `${t.url}${path}${query === undefined ? '' : `?${query}`}`;
          const bodies = method === 'GET' || method === 'DELETE' ? [undefined] : BODIES;
          for (const body of bodies) {
            const types = body === undefined ? [undefined] : body.length < 12 ? ['application/json', 'text/csv'] : ['application/json'];
            for (const contentType of types) {
              const r = await call(url, { method, key: t.adminKey, rawBody: body, contentType });
              requests++;
              expect(r.status, `${method} ${url} ${contentType ?? ''} ${body?.slice(0, 40) ?? ''}`).toBeLessThan(500);
              if (r.status >= 400 && route.envelope !== undefined && route.envelope !== 'native') {
                const validate = envelopeValidator(route.envelope);
                // A path the URL parser rewrites ("..") no longer names the route: the server's
                // catch-all answers it, in the envelope of the contract the rewritten path is under
                // (the contract's general one), or the native one outside every contract.
                const b = r.body as { error?: unknown; code?: unknown };
                const general = envelopeNamed(route.envelope).variantOf ?? route.envelope;
                const nativeCatchAll = typeof b?.error === 'string' && /^(no route for|method )/.test(b.error) && b.code === r.status;
                const caughtAll = (r.status === 404 || r.status === 405) && (nativeCatchAll || envelopeValidator(general)(r.body));
                expect(validate(r.body) || caughtAll, `${method} ${url} (${route.envelope} envelope): ${r.text.slice(0, 200)}`).toBe(true);
              } else if (r.status >= 400) {
                const b = r.body as { error?: unknown; code?: unknown };
                expect(typeof b?.error, `${method} ${url}: ${r.text.slice(0, 200)}`).toBe('string');
                expect(b.code).toBe(r.status);
              }
            }
          }
        }
      }
    }
    expect(requests).toBeGreaterThan(500);
  }, 120_000);
});
