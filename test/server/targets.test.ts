// /v1/targets on a real server: success paths and every kind of bad input → 4xx, never 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, errorOf, startTestServer, type TestServer } from './helpers.js';

interface TargetBody { id: string; kind: string; address: string; port: number | null; serviceId: number | null; labels: Record<string, string> }
interface PageBody { items: TargetBody[]; total: number; limit: number; offset: number }

describe('/v1/targets', () => {
  let t: TestServer;
  let url: string;
  beforeAll(async () => {
    t = await startTestServer();
    url = `${t.url}/v1/targets`;
  });
  afterAll(async () => { await t.close(); });

  it('creates, gets, updates and deletes a target', async () => {
    const created = await call(url, { key: t.adminKey, body: { kind: 'TCP', address: '127.0.0.1', port: 22, name: 'ssh', labels: { site: 'eu.paris', tier: 'gold' } } });
    expect(created.status).toBe(201);
    const target = created.body as TargetBody;
    expect(target).toMatchObject({ kind: 'TCP', address: '127.0.0.1', port: 22, labels: { site: 'eu.paris', tier: 'gold' } });

    const got = await call(`${url}/${target.id}`, { key: t.adminKey });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(target);

    const patched = await call(`${url}/${target.id}`, { method: 'PATCH', key: t.adminKey, body: { port: 2222, labels: { site: 'us' } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ port: 2222, labels: { site: 'us' } });

    const deleted = await call(`${url}/${target.id}`, { method: 'DELETE', key: t.adminKey });
    expect(deleted.status).toBe(204);
    expect((await call(`${url}/${target.id}`, { key: t.adminKey })).status).toBe(404);
    expect((await call(`${url}/${target.id}`, { method: 'DELETE', key: t.adminKey })).status).toBe(404);
  });

  it('lists with label filters (dot-segment prefix), kind and paging', async () => {
    const rows = [
      { kind: 'HOST', address: '127.0.0.2', labels: { site: 'eu.paris', role: 'core' } },
      { kind: 'HOST', address: '127.0.0.3', labels: { site: 'eu.berlin', role: 'edge' } },
      { kind: 'HOST', address: '127.0.0.4', labels: { site: 'europe', role: 'core' } },
      { kind: 'HTTP', address: 'http://127.0.0.1:9/x', labels: { site: 'eu', role: 'core' } },
    ];
    for (const row of rows) expect((await call(url, { key: t.adminKey, body: row })).status).toBe(201);

    const eu = (await call(`${url}?label=site:eu&limit=100`, { key: t.adminKey })).body as PageBody;
    expect(eu.items.map((i) => i.address).sort()).toEqual(['127.0.0.2', '127.0.0.3', 'http://127.0.0.1:9/x']);

    const euCore = (await call(`${url}?label=site:eu&label=role:core`, { key: t.adminKey })).body as PageBody;
    expect(euCore.items.map((i) => i.address).sort()).toEqual(['127.0.0.2', 'http://127.0.0.1:9/x']);

    const hosts = (await call(`${url}?label=site:eu&kind=HOST`, { key: t.adminKey })).body as PageBody;
    expect(hosts.total).toBe(2);

    const page1 = (await call(`${url}?limit=2&offset=0`, { key: t.adminKey })).body as PageBody;
    const page2 = (await call(`${url}?limit=2&offset=2`, { key: t.adminKey })).body as PageBody;
    expect(page1.items).toHaveLength(2);
    expect(page1.limit).toBe(2);
    expect(page2.offset).toBe(2);
    expect(new Set([...page1.items, ...page2.items].map((i) => i.id)).size).toBe(page1.items.length + page2.items.length);
  });

  it('imports CSV and JSON; rejected rows are reported with their index', async () => {
    const csv = 'address,kind,port,name,labels,label.rack\n127.0.1.1,HOST,,a,site=eu.paris;tier=gold,r1\n127.0.1.2,TCP,443,b,,r2\nnot a host!,HOST,,c,,\n';
    const r = await call(`${url}/import`, { key: t.adminKey, rawBody: csv, contentType: 'text/csv' });
    expect(r.status).toBe(200);
    const result = r.body as { created: number; errors: { index: number; field?: string; message: string }[] };
    expect(result.created).toBe(2);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].index).toBe(2);
    expect(result.errors[0].message).toMatch(/address/);
    const imported = (await call(`${url}?label=rack:r1`, { key: t.adminKey })).body as PageBody;
    expect(imported.items[0]).toMatchObject({ address: '127.0.1.1', labels: { site: 'eu.paris', tier: 'gold', rack: 'r1' } });

    const json = await call(`${url}/import`, { key: t.adminKey, body: { targets: [{ kind: 'HOST', address: '127.0.2.1' }, { kind: 'HOST', address: '127.0.2.2', serviceId: 42 }] } });
    expect(json.status).toBe(200);
    expect(json.body).toEqual({ created: 2, errors: [] });
    const arr = await call(`${url}/import`, { key: t.adminKey, body: [{ kind: 'HOST', address: '127.0.2.3' }] });
    expect((arr.body as { created: number }).created).toBe(1);
    const colon = await call(`${url}:import`, { key: t.adminKey, rawBody: 'address,kind\n127.0.2.4,HOST\n', contentType: 'text/csv' });
    expect(colon.body).toEqual({ created: 1, errors: [] });
  });

  it('bad input → 400 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ kind: 'HOST' }, /address is required/],
      [{ kind: 'PLANE', address: '127.0.0.1' }, /kind/],
      [{ kind: 'TCP', address: '127.0.0.1', port: '80' }, /port must be integer/],
      [{ kind: 'TCP', address: '127.0.0.1', port: 70000 }, /port must be <= 65535/],
      [{ kind: 'HOST', address: '127.0.0.1', serviceId: 0 }, /serviceId must be >= 1/],
      [{ kind: 'HOST', address: '127.0.0.1', colour: 'red' }, /unknown field "colour"/],
      [{ kind: 'HOST', address: '127.0.0.1', labels: { 'bad key!': 'x' } }, /labels/],
      [{ kind: 'HOST', address: 'bad host name!' }, /address/],
      [{ kind: 'HOST', address: '999.1.1.1' }, /address must be an IPv4\/IPv6 address or a DNS name/],
      [{ kind: 'TCP', address: '10.0.0', port: 80 }, /address must be an IPv4\/IPv6 address or a DNS name/],
      [{ kind: 'HTTP', address: 'ftp://example.invalid/' }, /address/],
      [[1, 2], /request body must be object/],
    ];
    for (const [body, message] of cases) {
      const r = await call(url, { key: t.adminKey, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(r), JSON.stringify(body)).toMatch(message);
    }
  });

  it('malformed JSON, empty body, wrong content type, oversize body', async () => {
    const malformed = await call(url, { key: t.adminKey, rawBody: '{"kind": "HOST", "address": ' });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed)).toMatch(/malformed JSON/);

    const empty = await call(url, { key: t.adminKey, rawBody: '' });
    expect(empty.status).toBe(400);
    expect(errorOf(empty)).toMatch(/empty/);

    const xml = await call(url, { key: t.adminKey, rawBody: '<target/>', contentType: 'application/xml' });
    expect(xml.status).toBe(415);
    expect(errorOf(xml)).toMatch(/application\/xml/);

    const big = await call(url, { key: t.adminKey, body: { kind: 'HOST', address: '127.0.0.1', name: 'x'.repeat(70 * 1024) } });
    expect(big.status).toBe(413);
    expect(errorOf(big)).toMatch(/65536 bytes/);

    // The server still answers on new connections afterwards.
    expect((await call(`${t.url}/healthz`)).status).toBe(200);
  });

  it('unknown and malformed ids, bad query values, conflicts', async () => {
    const unknown = await call(`${url}/7f1c2a5e-1111-4222-8333-444455556666`, { key: t.adminKey });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown)).toMatch(/7f1c2a5e-1111-4222-8333-444455556666 not found/);

    const notUuid = await call(`${url}/12`, { key: t.adminKey });
    expect(notUuid.status).toBe(400);
    expect(errorOf(notUuid)).toMatch(/id must be a valid uuid/);

    for (const [query, message] of [
      ['limit=0', /limit must be >= 1/],
      ['limit=5000', /limit must be <= 1000/],
      ['limit=ten', /limit must be integer/],
      ['offset=-1', /offset must be >= 0/],
      ['label=nocolon', /label/],
      ['kind=PLANE', /kind/],
      ['sort=name', /unknown field "sort"/],
    ] as const) {
      const r = await call(`${url}?${query}`, { key: t.adminKey });
      expect(r.status, query).toBe(400);
      expect(errorOf(r), query).toMatch(message);
    }

    const a = await call(url, { key: t.adminKey, body: { kind: 'HOST', address: '127.0.3.1', serviceId: 777 } });
    expect(a.status).toBe(201);
    const b = await call(url, { key: t.adminKey, body: { kind: 'HOST', address: '127.0.3.2', serviceId: 777 } });
    expect(b.status).toBe(409);
    expect(errorOf(b)).toMatch(/777|serviceId/);

    const emptyPatch = await call(`${url}/${(a.body as TargetBody).id}`, { method: 'PATCH', key: t.adminKey, body: {} });
    expect(emptyPatch.status).toBe(400);

    const noKind = await call(`${url}/import`, { key: t.adminKey, rawBody: 'address\n127.0.0.1\n', contentType: 'text/csv' });
    expect(noKind.status).toBe(400);
    expect(errorOf(noKind)).toMatch(/kind and address/);
    const unterminated = await call(`${url}/import`, { key: t.adminKey, rawBody: 'kind,address\nHOST,"127.0.0.1\n', contentType: 'text/csv' });
    expect(unterminated.status).toBe(400);
    expect(errorOf(unterminated)).toMatch(/unterminated/);
    const unknownColumn = await call(`${url}/import`, { key: t.adminKey, rawBody: 'kind,address,colour\nHOST,127.0.0.1,red\n', contentType: 'text/csv' });
    expect(unknownColumn.status).toBe(200);
    expect((unknownColumn.body as { created: number; errors: { message: string }[] }).errors[0].message).toMatch(/colour/);
    const badJsonImport = await call(`${url}/import`, { key: t.adminKey, body: { nope: 1 } });
    expect(badJsonImport.status).toBe(400);
  });
});
