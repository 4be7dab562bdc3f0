// GET /openapi.json: a valid OpenAPI 3.1 document that lists every route the server serves,
// with schemas Ajv can compile; unknown routes and methods get 404/405 in the envelope.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, errorOf, startTestServer, type TestServer } from './helpers.js';

type Json = Record<string, unknown>;

describe('/openapi.json', () => {
  let t: TestServer;
  beforeAll(async () => { t = await startTestServer(); });
  afterAll(async () => { await t.close(); });

  it('is OpenAPI 3.1 with every route, valid schemas and security on authenticated routes', async () => {
    const r = await call(`${t.url}/openapi.json`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    const doc = r.body as { openapi: string; info: Json; paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(typeof doc.info.title).toBe('string');
    expect(typeof doc.info.version).toBe('string');

    for (const route of t.server.routes.filter((x) => x.hidden !== true)) {
      const op = doc.paths[route.path]?.[route.method];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(Object.keys(op.responses as Json).length).toBeGreaterThan(0);
      if (route.scope !== null) {
        expect(op.security).toBeDefined();
        expect((op.responses as Json)['401']).toBeDefined();
      }
      const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters as { name: string; in: string }[]).filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared.sort()).toEqual(pathParams.sort());
    }
    // the WebSocket feed, served outside the RouteSpecs, is described too
    const live = doc.paths['/v1/live']?.get as { responses: Json; 'x-required-scope': string; parameters: { name: string }[] };
    expect(Object.keys(live.responses)).toEqual(expect.arrayContaining(['101', '401', '403']));
    expect(live['x-required-scope']).toBe('network:read');
    expect(live.parameters.map((p) => p.name)).toEqual(['monitors', 'labels', 'targets', 'fleet', 'campaigns']);
    const operationIds = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(new Set(operationIds).size).toBe(operationIds.length);

    // Every schema in the document compiles as JSON Schema 2020-12 (OpenAPI 3.1's dialect).
    const ajv = new Ajv2020({ strict: false });
    ajv.addFormat('uuid', true);
    expect(() => ajv.compile(doc.components.schemas.NativeError)).not.toThrow();
    expect((doc.paths['/v1/targets/import'].post.requestBody as { content: Record<string, unknown> }).content).toHaveProperty(['application/json']);
    const schemas: Json[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node !== null && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === 'schema' && v !== null && typeof v === 'object' && !('$ref' in v)) schemas.push(v as Json);
          else walk(v);
        }
      }
    };
    walk(doc.paths);
    expect(schemas.length).toBeGreaterThan(10);
    for (const s of schemas) expect(() => ajv.compile(s)).not.toThrow();
  });

  it('unknown route → 404, wrong method → 405 with Allow, both in the native envelope', async () => {
    const missing = await call(`${t.url}/v2/nothing`);
    expect(missing.status).toBe(404);
    expect(errorOf(missing)).toMatch(/no route for GET \/v2\/nothing/);
    const wrong = await call(`${t.url}/v1/agents`, { method: 'PUT', key: t.adminKey });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD'); // HEAD is allowed wherever GET is (RFC 9110)
  });
});
