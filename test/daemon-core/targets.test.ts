import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSonde, parseTargetCsv, SondeError, type Sonde } from '../../engine/index.js';
import { tempDataDir } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';

let sonde: Sonde;
let cleanup: () => void;
beforeEach(async () => {
  const t = tempDataDir();
  cleanup = t.cleanup;
  sonde = await openSonde({ dataDir: t.dir, mode: 'tool', agent: { resolver: localResolver } });
});
afterEach(async () => {
  await sonde.close();
  cleanup();
});

function errorOf(fn: () => unknown): SondeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SondeError) return err;
    throw err;
  }
  throw new Error('expected a SondeError');
}

describe('targets', () => {
  it('creates, reads, updates and deletes a target', () => {
    const t = sonde.targets.create({
      kind: 'LLM',
      address: 'http://127.0.0.1:9/v1/chat',
      name: 'local llm',
      provider: 'vllm',
      modelIdentifier: 'qwen',
      serviceId: 42,
      labels: { site: 'eu.paris', tier: 'gold' },
    });
    expect(t.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sonde.targets.get(t.id)).toEqual(t);
    expect(sonde.targets.getByServiceId(42)?.id).toBe(t.id);
    const u = sonde.targets.update(t.id, { name: 'renamed', labels: { site: 'us' } });
    expect(u).toMatchObject({ name: 'renamed', labels: { site: 'us' }, serviceId: 42, createdAtMs: t.createdAtMs });
    expect(sonde.targets.list({ labels: { site: 'eu' } }).total).toBe(0);
    expect(sonde.targets.list({ labels: { site: 'us' } }).items.map((x) => x.id)).toEqual([t.id]);
    expect(sonde.targets.delete(t.id)).toBe(true);
    expect(sonde.targets.get(t.id)).toBeNull();
    expect(sonde.targets.delete(t.id)).toBe(false);
    expect(sonde.targets.list({ labels: { site: 'us' } }).total).toBe(0);
  });

  it('names the field of invalid input', () => {
    expect(errorOf(() => sonde.targets.create({ kind: 'PING' as 'HOST', address: '127.0.0.1' }))).toMatchObject({ kind: 'invalid', field: 'kind' });
    expect(errorOf(() => sonde.targets.create({ kind: 'HOST', address: 'not a host!' }))).toMatchObject({ kind: 'invalid', field: 'address' });
    expect(errorOf(() => sonde.targets.create({ kind: 'HTTP', address: 'ftp://x' }))).toMatchObject({ field: 'address' });
    expect(errorOf(() => sonde.targets.create({ kind: 'TCP', address: '127.0.0.1' }))).toMatchObject({ field: 'port' });
    expect(errorOf(() => sonde.targets.create({ kind: 'TCP', address: '::1', port: 70000 }))).toMatchObject({ field: 'port' });
    expect(errorOf(() => sonde.targets.create({ kind: 'HOST', address: '::1', serviceId: 1.5 }))).toMatchObject({ field: 'serviceId' });
    expect(errorOf(() => sonde.targets.create({ kind: 'HOST', address: '::1', labels: { site: 'eu paris' } }))).toMatchObject({ field: 'labels.site' });
    expect(errorOf(() => sonde.targets.create({ kind: 'HOST', address: '::1', colour: 'red' } as never))).toMatchObject({ field: 'colour' });
    expect(errorOf(() => sonde.targets.create(null as never))).toMatchObject({ kind: 'invalid' });
    expect(errorOf(() => sonde.targets.update('nope', { name: 'x' }))).toMatchObject({ kind: 'not_found' });
    expect(errorOf(() => sonde.targets.list({ limit: 0 }))).toMatchObject({ field: 'limit' });
  });

  it('keeps serviceId unique and says which target holds it', () => {
    const a = sonde.targets.create({ kind: 'HOST', address: '127.0.0.1', serviceId: 7 });
    const b = sonde.targets.create({ kind: 'HOST', address: '127.0.0.2' });
    const e = errorOf(() => sonde.targets.create({ kind: 'HOST', address: '127.0.0.3', serviceId: 7 }));
    expect(e).toMatchObject({ kind: 'conflict', field: 'serviceId' });
    expect(e.message).toContain(a.id);
    expect(errorOf(() => sonde.targets.update(b.id, { serviceId: 7 }))).toMatchObject({ kind: 'conflict' });
    expect(sonde.targets.count()).toBe(2);
  });

  it('filters by label with dot-segment prefix matching, by kind, and pages', () => {
    const sites = ['eu.paris', 'eu.paris.3', 'eu', 'europe', 'us.east', 'eu.berlin'];
    const ids = sites.map((site, i) => sonde.targets.create({ kind: i % 2 ? 'HOST' : 'TCP', address: '127.0.0.1', port: 80, labels: { site } }).id);
    const sitesOf = (q: Parameters<Sonde['targets']['list']>[0]) => sonde.targets.list(q).items.map((t) => t.labels.site);
    expect(sitesOf({ labels: { site: 'eu' } })).toEqual(['eu.paris', 'eu.paris.3', 'eu', 'eu.berlin']);
    expect(sitesOf({ labels: { site: 'eu.paris' } })).toEqual(['eu.paris', 'eu.paris.3']);
    expect(sitesOf({ labels: { site: 'eu', zone: 'a' } })).toEqual([]);
    expect(sitesOf({ labels: { site: 'eu' }, kind: 'HOST' })).toEqual(['eu.paris.3', 'eu.berlin']);
    const page = sonde.targets.list({ limit: 2, offset: 2 });
    expect(page).toMatchObject({ total: 6, limit: 2, offset: 2 });
    expect(page.items.map((t) => t.id)).toEqual(ids.slice(2, 4));
  });

  it('bulk-imports valid rows and reports each rejected row by index', () => {
    const rows: unknown[] = [];
    for (let i = 0; i < 2500; i++) rows.push({ kind: 'HOST', address: `127.0.${i >> 8}.${i & 255}`, serviceId: i + 1, labels: { batch: 'b1' } });
    rows.push({ kind: 'HOST', address: '127.0.0.1', serviceId: 1 }); // duplicate serviceId
    rows.push({ kind: 'TCP', address: '127.0.0.1' }); // missing port
    rows.push('not an object');
    const r = sonde.targets.bulkImport(rows);
    expect(r.created).toBe(2500);
    expect(r.errors.map((e) => [e.index, e.field])).toEqual([
      [2500, 'serviceId'],
      [2501, 'port'],
      [2502, 'body'],
    ]);
    expect(sonde.targets.list({ labels: { batch: 'b1' }, limit: 1 }).total).toBe(2500);
    expect(sonde.targets.getByServiceId(2500)?.address).toBe('127.0.9.195');
  });

  it('parses CSV with quoting, label columns and a labels column', () => {
    const csv = 'kind,address,port,name,serviceId,label.site,labels\r\n' +
      'TCP,127.0.0.1,8080,"web, main",12,eu.paris,tier=gold;rack=r1\n' +
      'HOST,::1,,"say ""hi""",,us,\n';
    const rows = parseTargetCsv(csv);
    expect(rows).toEqual([
      { kind: 'TCP', address: '127.0.0.1', port: 8080, name: 'web, main', serviceId: 12, labels: { site: 'eu.paris', tier: 'gold', rack: 'r1' } },
      { kind: 'HOST', address: '::1', name: 'say "hi"', labels: { site: 'us' } },
    ]);
    expect(sonde.targets.bulkImport(rows)).toEqual({ created: 2, errors: [] });
    expect(() => parseTargetCsv('kind,address\nHOST,"127.0.0.1')).toThrow(/unterminated/);
    expect(() => parseTargetCsv('name\nx')).toThrow(/kind and address/);
    expect(() => parseTargetCsv('kind,address\nHOST')).toThrow(/record 2 has 1 fields/);
    expect(sonde.targets.bulkImport(parseTargetCsv('kind,address,port\nTCP,127.0.0.1,http')).errors[0]).toMatchObject({ field: 'port' });
  });
});
