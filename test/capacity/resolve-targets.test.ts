// A campaign spec's targets resolved against a real target registry (SQLite in a temp dir):
// ids, label selectors, files (a list, the import CSV, relative to the spec's folder) and
// literal addresses; IP literals only, mistakes naming the field.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignSpecError, openSonde, parseSelector, resolveCampaignTargets, validateCampaignSpec, type CampaignSpec, type Sonde } from '../../engine/index.js';
import { localResolver } from '../setup/local-resolver.js';

let dir: string;
let sonde: Sonde;

const specWith = (targets: CampaignSpec['targets']): CampaignSpec =>
  validateCampaignSpec({ name: 't', targets, probe: { kind: 'icmp' }, steps: [{ rate: 1 }] });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sonde-campaign-targets-'));
  sonde = await openSonde({ dataDir: join(dir, 'data'), mode: 'tool', agent: { resolver: localResolver } });
});
afterAll(async () => {
  await sonde.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('campaign targets', () => {
  it('resolves ids, selectors, files and addresses to IP literals, in order', () => {
    const a = sonde.targets.create({ kind: 'HOST', address: '127.0.0.3', labels: { site: 'eu.paris', role: 'edge' } });
    const b = sonde.targets.create({ kind: 'HOST', address: '127.0.0.4', labels: { site: 'eu.berlin', role: 'edge' } });
    sonde.targets.create({ kind: 'HOST', address: '127.0.0.5', labels: { site: 'us', role: 'edge' } });
    const repo = { targets: sonde.targets };
    expect(resolveCampaignTargets(specWith({ ids: [b.id, a.id] }), repo)).toEqual(['127.0.0.4', '127.0.0.3']);
    expect(resolveCampaignTargets(specWith({ selector: 'site=eu, role:edge' }), repo).sort()).toEqual(['127.0.0.3', '127.0.0.4']);
    expect(parseSelector('site=eu,role:edge')).toEqual({ site: 'eu', role: 'edge' });

    writeFileSync(join(dir, 'list.txt'), '# lab hosts\n127.0.0.1\n\n::1   # v6\n127.0.0.2\n');
    writeFileSync(join(dir, 'hosts.csv'), 'kind,address,name\nHOST,127.0.0.7,a\nHOST,127.0.0.8,b\n');
    expect(resolveCampaignTargets(specWith({ file: 'list.txt' }), { ...repo, baseDir: dir })).toEqual(['127.0.0.1', '::1', '127.0.0.2']);
    expect(resolveCampaignTargets(specWith({ file: join(dir, 'hosts.csv') }), repo)).toEqual(['127.0.0.7', '127.0.0.8']);
    expect(resolveCampaignTargets(specWith({ addresses: ['127.0.0.1', '::1'] }), repo)).toEqual(['127.0.0.1', '::1']);
  });

  it('names the field of every mistake', () => {
    const repo = { targets: sonde.targets };
    const tcp = sonde.targets.create({ kind: 'TCP', address: '127.0.0.1', port: 22 });
    const fails = (targets: CampaignSpec['targets'], field: string, message: RegExp, baseDir?: string): void => {
      let error: unknown;
      try {
        resolveCampaignTargets(specWith(targets), { ...repo, ...(baseDir !== undefined ? { baseDir } : {}) });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CampaignSpecError);
      expect((error as CampaignSpecError).field).toBe(field);
      expect((error as Error).message).toMatch(message);
    };
    fails({ ids: [tcp.id] }, 'targets.ids[0]', /is TCP; an icmp campaign probes HOST targets/);
    fails({ selector: 'site' }, 'targets.selector', /pair "site" must be key=value/);
    fails({ selector: 'site=mars' }, 'targets.selector', /selects no HOST target/);
    fails({ file: 'missing.txt' }, 'targets.file', /cannot read .*missing\.txt: ENOENT/, dir);
    writeFileSync(join(dir, 'empty.txt'), '# nothing\n');
    fails({ file: 'empty.txt' }, 'targets.file', /holds no address/, dir);
    fails({ addresses: ['127.0.0.1', 'localhost'] }, 'targets.addresses[1]', /"localhost" is not an IP address/);
  });
});
