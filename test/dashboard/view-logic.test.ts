// Pure parts of the monitors, tools, events and campaigns views: the monitor form and its API
// body, the NDJSON splitter of the ping stream, the events filter, a campaign as text.
import { describe, expect, it } from 'vitest';
import { durationText, kneeText, plannedSeconds, progressText, runDuration, stepsText } from '../../ui/views/campaigns/campaign-text.js';
import { filterEvents, readEventsFilter } from '../../ui/views/events/events-filter.js';
import { bodyFromForm, describeSelection, emptyForm, formFromMonitor, parseLabels, type Monitor } from '../../ui/views/monitors/monitor-form.js';
import { NdjsonSplitter } from '../../ui/views/tools/ndjson.js';
import type { StateChange } from '../../ui/views/target/state-timeline.js';

const ID = '0b7f3c1e-8a2d-4c5e-9f10-1a2b3c4d5e6f';

describe('monitor form', () => {
  it('turns a label selection into the create body', () => {
    const f = { ...emptyForm(), name: ' edge ', labels: 'site=eu.paris, tier:1', intervalMs: '500', timeoutMs: '400', probes: '3' };
    expect(bodyFromForm(f)).toEqual({
      body: { name: 'edge', selection: { labels: { site: 'eu.paris', tier: '1' } }, intervalMs: 500, timeoutMs: 400, probes: 3, size: 56, enabled: true },
      errors: {},
    });
  });

  it('takes ids one per line or comma-separated, duplicates once; leaves the timeout to the daemon when empty', () => {
    const { body } = bodyFromForm({ ...emptyForm(), name: 'x', mode: 'ids', ids: `${ID}\n${ID}, ${ID.replace('0b', '1b')}` });
    expect(body?.selection).toEqual({ ids: [ID, ID.replace('0b', '1b')] });
    expect(body).not.toHaveProperty('timeoutMs');
  });

  it('names every field at fault', () => {
    const { body, errors } = bodyFromForm({ ...emptyForm(), name: '', mode: 'ids', ids: 'not-an-id', intervalMs: '50', timeoutMs: 'x', probes: '0', size: '-1' });
    expect(body).toBeNull();
    expect(errors.name).toMatch(/Name/);
    expect(errors.ids).toMatch(/"not-an-id" is not a target id/);
    expect(errors.intervalMs).toMatch(/from 100/);
    expect(errors.timeoutMs).toMatch(/whole number/);
    expect(errors.probes).toMatch(/from 1 to 100/);
    expect(errors.size).toMatch(/whole number/);
    expect(bodyFromForm({ ...emptyForm(), name: 'x', labels: 'site=eu', intervalMs: '1000', timeoutMs: '2000' }).errors.timeoutMs).toMatch(/must not exceed the interval/);
    expect(parseLabels('site=eu..x').error).toMatch(/"site=eu..x" is not a label/);
    expect(bodyFromForm({ ...emptyForm(), name: 'x' }).errors.labels).toMatch(/at least one label/);
  });

  it('reads a monitor back into the form it was made from', () => {
    const m: Monitor = { id: ID, name: 'n', selection: { labels: { site: 'eu' } }, probe: 'icmp', intervalMs: 1000, probes: 2, timeoutMs: 800, size: 64, enabled: false, createdAtMs: 0, updatedAtMs: 0 };
    const f = formFromMonitor(m);
    expect(bodyFromForm(f).body).toEqual({ name: 'n', selection: { labels: { site: 'eu' } }, intervalMs: 1000, timeoutMs: 800, probes: 2, size: 64, enabled: false });
    expect(describeSelection(m.selection)).toBe('site=eu');
    expect(describeSelection({ ids: [ID, ID] })).toBe('2 targets by id');
  });
});

describe('NDJSON splitter', () => {
  it('yields each complete line as it arrives, joins split lines, reports bad ones', () => {
    const got: unknown[] = [];
    const bad: string[] = [];
    const s = new NdjsonSplitter({ onObject: (v) => got.push(v), onBadLine: (l) => bad.push(l) });
    s.push('{"result":{"seq":1}}\n{"resu');
    expect(got).toEqual([{ result: { seq: 1 } }]);
    s.push('lt":{"seq":2}}\n\nnot json\n');
    s.push('{"summary":{}}');
    expect(got).toHaveLength(2);
    s.end();
    expect(got).toEqual([{ result: { seq: 1 } }, { result: { seq: 2 } }, { summary: {} }]);
    expect(bad).toEqual(['not json']);
  });
});

describe('events filter', () => {
  const c = (id: number, monitorId: string, to: StateChange['to'], address: string, atMs: number): StateChange => ({ id, monitorId, targetId: `t${id}`, address, from: 'up', to, atMs, reason: `to ${to}` });
  const all = [c(1, 'a', 'down', '127.0.0.1', 10), c(2, 'b', 'up', '127.0.0.2', 20), c(3, 'a', 'degraded', '127.0.0.3', 30)];

  it('reads the query string with defaults', () => {
    expect(readEventsFilter(new URLSearchParams('status=down,bogus&hours=6&q=edge&monitor=a'))).toEqual({ monitor: 'a', statuses: ['down'], text: 'edge', hours: 6, toMs: null });
    expect(readEventsFilter(new URLSearchParams('hours=5')).hours).toBe(24);
  });

  it('filters by monitor, status and text (address, name, reason), newest first', () => {
    expect(filterEvents(all, readEventsFilter(new URLSearchParams(''))).map((e) => e.id)).toEqual([3, 2, 1]);
    expect(filterEvents(all, readEventsFilter(new URLSearchParams('monitor=a'))).map((e) => e.id)).toEqual([3, 1]);
    expect(filterEvents(all, readEventsFilter(new URLSearchParams('status=down,up'))).map((e) => e.id)).toEqual([2, 1]);
    expect(filterEvents(all, readEventsFilter(new URLSearchParams('q=0.0.2'))).map((e) => e.id)).toEqual([2]);
    expect(filterEvents(all, readEventsFilter(new URLSearchParams('q=gateway')), new Map([['t3', 'Gateway Paris']])).map((e) => e.id)).toEqual([3]);
  });
});

describe('a campaign as text', () => {
  it('names the knee once found, "none" once a run ended without one, nothing while it may come', () => {
    expect(kneeText({ kneeStep: 2, kneeLabel: '300 pps, 1000 B', status: 'done' })).toBe('step 3 · 300 pps, 1000 B');
    expect(kneeText({ kneeStep: 0, kneeLabel: null, status: 'running' })).toBe('step 1');
    expect(kneeText({ kneeStep: null, kneeLabel: null, status: 'done' })).toBe('none');
    expect(kneeText({ kneeStep: null, kneeLabel: null, status: 'running' })).toBe('');
    expect(stepsText(2, 3)).toBe('2 of 3');
  });

  it('says durations in s, min and h; a running campaign lasts until now', () => {
    expect([durationText(0), durationText(44_600), durationText(184_000), durationText(7_500_000), durationText(-1)]).toEqual(['0 s', '45 s', '3 min 04 s', '2 h 05 min', '–']);
    expect(runDuration({ startedAt: 1000, endedAt: 6000 }, 99_000)).toBe(5000);
    expect(runDuration({ startedAt: 1000, endedAt: null }, 9000)).toBe(8000);
    expect(plannedSeconds([{ index: 0, totalRate: 1, packetSize: 56, concurrency: 1, targets: 1, durationS: 2, warmupS: 0.5 }, { index: 1, totalRate: 2, packetSize: 56, concurrency: 1, targets: 1, durationS: 3, warmupS: 0.5 }])).toBe(6);
  });

  it('reads the progress: step i of n and, while measuring, rate, loss and p99', () => {
    const p = { runId: 'r', status: 'running' as const, step: 1, steps: 3, phase: 'measure' as const, elapsedMs: 4000, currentRate: 98.7654, lossPercent: 0, p99Ms: 0.081234 };
    expect(progressText(p)).toBe('step 2 of 3, measuring: 98.77 probes/s, loss 0.00 %, p99 0.0812 ms');
    expect(progressText({ ...p, phase: 'warmup' })).toBe('step 2 of 3, warming up');
    expect(progressText({ ...p, p99Ms: null })).toMatch(/p99 –$/);
    expect(progressText({ ...p, phase: 'finished', status: 'stopped' })).toBe('finished (stopped)');
  });
});
