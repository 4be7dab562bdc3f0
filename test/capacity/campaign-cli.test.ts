// `sonde capacity …` as a user runs it: the built CLI (dist/cli/index.js) in child processes,
// campaigns against 127.0.0.1, the run stored in a temp data directory and read back here
// with the store itself: the exports equal what is stored, compare of a run with itself says
// "no change", bad specs and the safety cap exit with their statuses naming the field or the
// cap, and Ctrl-C (SIGINT) mid-step leaves a stored partial run marked stopped.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeCampaignHistogram, openCampaignStore, reportCsv, storedRunJson, toReportRun, type CampaignRun, type CampaignStepResult,
} from '../../engine/index.js';
import { canRaw4, NO_RAW } from '../engine/helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
const built = existsSync(CLI);
const NOT_BUILT = 'needs the build (npm run build): runs dist/cli/index.js';
const hasScript = spawnSync('script', ['--version']).status === 0;

let dir: string;
let data: string;

function sonde(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args, '--data', data], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
}

function stored(id: string): { run: CampaignRun; steps: CampaignStepResult[] } {
  const { store, close } = openCampaignStore(data);
  try {
    return { run: store.getRun(id)!, steps: store.getSteps(id) };
  } finally {
    close();
  }
}

function spec(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sonde-capacity-cli-'));
  data = join(dir, 'data');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!built)(`sonde capacity: bad input (${NOT_BUILT})`, () => {
  it('a spec with an unknown field exits 2 naming it; nothing is stored', () => {
    const file = spec('bad.yaml', 'name: x\ntargets: { addresses: [127.0.0.1] }\nprobe: { kind: icmp }\nsteps: [{ rat: 1 }]\n');
    const r = sonde(['capacity', 'run', file]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml: campaign spec steps\[0\]\.rat is not a known spec field/);
    expect(r.stdout).toBe('');
  });

  it('a DNS name as a target exits 2 naming the field (no name is looked up)', () => {
    const file = spec('dns.yaml', 'name: x\ntargets: { addresses: [127.0.0.1, example.invalid] }\nprobe: { kind: icmp }\nsteps: [{ rate: 1 }]\n');
    const r = sonde(['capacity', 'run', file]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/targets\.addresses\[1\] "example\.invalid" is not an IP address/);
  });

  it('a spec over the safety cap exits 3 saying which cap and how to raise it', () => {
    const file = spec('fast.yaml', 'name: fast\ntargets: { addresses: [127.0.0.1] }\nprobe: { kind: icmp }\nsteps: [{ rate: 5000 }]\n');
    const r = sonde(['capacity', 'run', file]);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/refused: campaign step 0 offers 5000 probes\/s in total, above the safety cap safety\.maxTotalPps = 2000 \(the default\): raise safety\.maxTotalPps/);
    const list = sonde(['capacity', 'list', '--json']);
    expect((JSON.parse(list.stdout) as { items: unknown[] }).items).toEqual([]);
  });

  it('an unreadable spec exits 2 naming the file; an unknown run id exits 1 saying where the ids are', () => {
    const r = sonde(['capacity', 'run', join(dir, 'missing.yaml')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read the campaign spec .*missing\.yaml/);
    const show = sonde(['capacity', 'show', '01a2ffff-0000-7000-8000-000000000000']);
    expect(show.status).toBe(1);
    expect(show.stderr).toMatch(/no campaign run .*sonde capacity list shows the ids/);
  });
});

describe.skipIf(!built || !canRaw4)(`sonde capacity on loopback (${!built ? NOT_BUILT : NO_RAW})`, () => {
  let id: string;
  let run: { run: CampaignRun; steps: CampaignStepResult[] };

  beforeAll(() => {
    const file = spec('ramp.yaml', `
name: cli ramp
targets: { addresses: [127.0.0.1, 127.0.0.2] }
probe: { kind: icmp, timeoutMs: 500 }
defaults: { durationS: 0.6, warmupS: 0.2 }
ramp: { param: rate, from: 100, to: 300, steps: 2 }
`);
    const r = sonde(['capacity', 'run', file, '--threads', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as { run: CampaignRun };
    id = printed.run.id;
    run = stored(id);
    // stderr is not a terminal here: plain progress lines, and one line per finished step
    expect(r.stderr).toContain(`campaign run ${id} "cli ramp": 2 step(s) over 2 target(s)`);
    expect(r.stderr).toMatch(/^step 1\/2 (warmup|measure) /m);
    expect(r.stderr).toMatch(/^step 2\/2 done: 300 probes\/s offered/m);
    expect(r.stderr).not.toContain('\x1b[');
  });

  it('stores every step with the outcomes counted', () => {
    expect(run.run.status).toBe('done');
    expect(run.steps.map((s) => s.offeredRate)).toEqual([100, 300]);
    for (const s of run.steps) {
      expect(s.sent).toBeGreaterThan(0);
      expect(s.received + s.lost + Object.values(s.errors).reduce((a, b) => a + b, 0)).toBe(s.sent);
      let n = 0;
      decodeCampaignHistogram(s.hdr, (_b, c) => { n += c; });
      expect(n).toBe(s.received);
    }
  });

  it('report --json and --csv equal what is stored', () => {
    const json = sonde(['capacity', 'report', id, '--json']);
    expect(json.status, json.stderr).toBe(0);
    expect(json.stdout).toBe(storedRunJson(run.run, run.steps));
    const exported = JSON.parse(json.stdout) as { run: CampaignRun; steps: (Omit<CampaignStepResult, 'hdr'> & { hdr: string })[] };
    exported.steps.forEach((s, i) => {
      expect(Buffer.from(s.hdr, 'base64').equals(Buffer.from(run.steps[i].hdr))).toBe(true);
      expect([s.sent, s.received, s.lost, s.achievedRate]).toEqual([run.steps[i].sent, run.steps[i].received, run.steps[i].lost, run.steps[i].achievedRate]);
    });

    const csvFile = join(dir, 'run.csv');
    const csv = sonde(['capacity', 'report', id.slice(0, 13), '--csv', csvFile]);
    expect(csv.status, csv.stderr).toBe(0);
    const text = readFileSync(csvFile, 'utf8');
    expect(text).toBe(reportCsv(toReportRun(run.run, run.steps)));
    const [header, ...rows] = text.trim().split('\r\n').map((l) => l.split(','));
    rows.forEach((cells, i) => {
      const cell = (name: string): string => cells[header.indexOf(name)];
      expect(Number(cell('sent'))).toBe(run.steps[i].sent);
      expect(Number(cell('received'))).toBe(run.steps[i].received);
      const bucketTotal = cell('rttBuckets').split(' ').reduce((n, pair) => n + Number(pair.split(':')[1]), 0);
      expect(bucketTotal).toBe(run.steps[i].received);
    });
  });

  it('report --html writes one self-contained page; without a format it exits 2', () => {
    const html = join(dir, 'report.html');
    const r = sonde(['capacity', 'report', id, '--html', html]);
    expect(r.status, r.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('id="sonde-report-data"');
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    const none = sonde(['capacity', 'report', id]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/give exactly one of --html, --json, --csv/);
  });

  it('compare of a run with itself says "no change", step by step; --html writes both runs', () => {
    const html = join(dir, 'compare.html');
    const r = sonde(['capacity', 'compare', id, id, '--html', html]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`${id} → ${id}: no change`);
    expect(lines[1]).toMatch(/^step 1 \(100 pps\): no change$/);
    expect(lines[2]).toMatch(/^step 2 \(300 pps\): no change$/);
    expect(lines[3]).toMatch(/Kolmogorov–Smirnov/);
    expect(readFileSync(html, 'utf8')).toContain('id="sonde-report-data"');
  });

  it('list and show name the run', () => {
    const list = sonde(['capacity', 'list']);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toMatch(/cli ramp .*done .*2\/2/);
    const show = sonde(['capacity', 'show', id]);
    expect(show.stdout).toContain(`campaign run ${id} "cli ramp": done; 2 of 2 step(s) stored`);
  });

  it('Ctrl-C (SIGINT) mid-step exits 130 and leaves the partial run stored as stopped', async () => {
    const file = spec('long.yaml', `
name: interrupted
targets: { addresses: [127.0.0.1] }
probe: { kind: icmp, timeoutMs: 500 }
defaults: { durationS: 60, warmupS: 0.2 }
steps: [{ rate: 200 }, { rate: 400 }]
`);
    const child = spawn(process.execPath, [CLI, 'capacity', 'run', file, '--threads', '1', '--data', data], { cwd: dir });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // the first step is measuring: probes counted past the warm-up
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/^step 1\/2 measure .* [1-9]\d* probes\/s/m.test(stderr)) resolve();
      });
      child.once('exit', () => reject(new Error(`exited before measuring: ${stderr}`)));
    });
    const runId = /campaign run (\S+) "interrupted"/.exec(stderr)![1];
    // read from this process, the run in progress in the child is running (its owner lives)
    expect(stored(runId).run.status).toBe('running');
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const { run: stopped, steps } = stored(runId);
    expect(stopped.status).toBe('stopped');
    expect(stopped.reason).toBe('stopped during step 1; its partial measurement is kept');
    expect(stopped.endedAt).not.toBeNull();
    expect(steps).toHaveLength(1);
    expect(steps[0].sent).toBeGreaterThan(0);
    expect(steps[0].sent).toBeLessThan(200 * 60);
    expect(stdout).toContain(`campaign run ${runId} "interrupted": stopped`);
  });

  it('a run whose process was killed (kill -9) mid-step is read as failed, saying so', async () => {
    const file = spec('killed.yaml', `
name: killed
targets: { addresses: [127.0.0.1] }
probe: { kind: icmp, timeoutMs: 500 }
defaults: { durationS: 60, warmupS: 0.2 }
steps: [{ rate: 100 }]
`);
    const child = spawn(process.execPath, [CLI, 'capacity', 'run', file, '--threads', '1', '--data', data], { cwd: dir });
    let stderr = '';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/^step 1\/1 (warmup|measure) /m.test(stderr)) resolve();
      });
      child.once('exit', () => reject(new Error(`exited before probing: ${stderr}`)));
    });
    const runId = /campaign run (\S+) "killed"/.exec(stderr)![1];
    expect(stored(runId).run.status).toBe('running');
    child.kill('SIGKILL');
    await exited;
    expect(stored(runId).run).toMatchObject({ status: 'failed', reason: 'the process running it ended before it finished' });
    const list = sonde(['capacity', 'list', '--json']);
    expect((JSON.parse(list.stdout) as { items: CampaignRun[] }).items.find((r) => r.id === runId)?.status).toBe('failed');
  });

  it.skipIf(!hasScript)('on a terminal the progress is one line rewritten in place (needs script(1), util-linux)', () => {
    const file = spec('tty.yaml', 'name: tty\ntargets: { addresses: [127.0.0.1] }\nprobe: { kind: icmp, timeoutMs: 500 }\ndefaults: { durationS: 1.5, warmupS: 0.2 }\nsteps: [{ rate: 100 }]\n');
    // script(1) runs the CLI on a pseudo-terminal; stdout and stderr both reach its output
    const command = [process.execPath, CLI, 'capacity', 'run', file, '--threads', '1', '--data', data].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\r\x1b\[2Kstep 1\/1 measure /);
    expect(r.stdout).toMatch(/step 1\/1 done: 100 probes\/s offered/);
  });
});
