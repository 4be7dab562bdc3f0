// npm run fuzz — the long fuzz campaign (bench/lib/fuzz/; seeded short runs: test/fuzz/, in npm test):
// --cases generated and mutated requests over every route of /openapi.json, a fifth as many
// badly framed requests over raw sockets, /v1/live connections with mutated messages, and
// config files through the loader, all against one `sonde serve` child on loopback. Prints
// cases, distinct routes, statuses with counts, 5xx, the slowest answer and the machine, and
// writes bench/results/fuzz-*.json. A failure prints the seed and the shrunk case and exits 1.
//
//   node dist/bench/fuzz.js [--cases 50000] [--seed N] [--no-save]
import { Command, InvalidArgumentError } from 'commander';
import { runConfigCampaign } from './lib/fuzz/config-campaign.js';
import { startFuzzDaemon } from './lib/fuzz/fuzz-daemon.js';
import { runHttpCampaign, type HttpCampaignStats } from './lib/fuzz/http-campaign.js';
import { closeAgent } from './lib/fuzz/http-send.js';
import { runLiveCampaign } from './lib/fuzz/live-campaign.js';
import { runRawCampaign } from './lib/fuzz/raw-campaign.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { memory } from './lib/proc-stat.js';
import { saveResult } from './lib/results.js';

function whole(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number ≥ 1');
  return n;
}

const opts = new Command('fuzz')
  .description('property-based fuzzing of every route, raw framing, /v1/live and the config file against sonde serve')
  .option('--cases <n>', 'HTTP requests over the routes (raw framing: a fifth, live connections: a fiftieth, config files: a tenth)', whole, 50_000)
  .option('--seed <n>', 'fast-check seed (default: from the clock, printed)', whole)
  .option('--no-save', 'do not write bench/results/fuzz-*.json')
  .parse()
  .opts<{ cases: number; seed?: number; save: boolean }>();

const seed = opts.seed ?? (Date.now() % 2 ** 31);
const sorted = (m: Map<string, number>): Record<string, number> => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
const machine = describeMachine();
printMachine(machine);
console.log(`fuzz: seed ${seed}, ${opts.cases} HTTP cases (replay: npm run fuzz -- --seed ${seed} --cases ${opts.cases})\n`);

const fd = await startFuzzDaemon();
const t0 = Date.now();
let rssStart = 0;
let rssPeak = 0;
const sampler = setInterval(() => {
  try {
    const rss = memory(fd.pid).rssBytes;
    rssPeak = Math.max(rssPeak, rss);
    if (rssStart === 0) rssStart = rss;
  } catch {
    // the process is gone: the campaign reports it
  }
}, 1000);
let exitCode = 0;
try {
  let lastPrint = Date.now();
  const http = await runHttpCampaign(fd, {
    seed, cases: opts.cases,
    onProgress: (s: HttpCampaignStats) => {
      if (Date.now() - lastPrint < 10_000) return;
      lastPrint = Date.now();
      console.log(`  http: ${s.cases} cases, ${s.routes.size}/${s.operations} routes, 5xx ${s.fiveXx}, slowest ${s.slowest.ms.toFixed(0)} ms, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    },
  });
  const httpSeconds = (Date.now() - t0) / 1000;
  const raw = await runRawCampaign(fd, { seed, cases: Math.ceil(opts.cases / 5) });
  const live = await runLiveCampaign(fd, { seed, connections: Math.ceil(opts.cases / 50) });
  const config = runConfigCampaign({ seed, cases: Math.ceil(opts.cases / 10) });
  const seconds = (Date.now() - t0) / 1000;
  const alive = fd.alive();
  const health = await fd.health();
  const rssEnd = memory(fd.pid).rssBytes;

  console.log(`\nHTTP routes: ${http.cases} cases in ${httpSeconds.toFixed(0)} s, ${http.routes.size} of ${http.operations} operations reached, 5xx: ${http.fiveXx}`);
  console.log(`  statuses: ${Object.entries(sorted(http.statuses)).map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  console.log(`  mutations: ${Object.entries(sorted(http.mutations)).map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  console.log(`  slowest answer: ${http.slowest.ms.toFixed(1)} ms (${http.slowest.status}) for ${http.slowest.request}`);
  console.log(`  all-4xx batches whose store digest was compared: ${http.rejectedBatchesChecked} (all unchanged); bodies the network guard replaced: ${http.guarded}`);
  console.log(`  kept-alive connections the server had closed (request sent again): ${http.staleRetries}${http.closedAfter.size > 0 ? `, after: ${Object.entries(sorted(http.closedAfter)).slice(0, 5).map(([k, v]) => `${k} ×${v}`).join('; ')}` : ''}`);
  console.log(`raw framing: ${raw.cases} cases, 5xx: ${raw.fiveXx} (+ uWS's own 505 to request lines it does not read as HTTP/1.1: ${raw.versionNotSupported}), HEAD answers with a body: ${raw.headWithBody}, slowest ${raw.slowestMs.toFixed(0)} ms`);
  console.log(`  outcomes: ${Object.entries(sorted(raw.statuses)).map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  console.log(`/v1/live: ${live.connections} connections, ${live.messages} messages; upgrades ${Object.entries(sorted(live.upgradeStatuses)).map(([k, v]) => `${k} ×${v}`).join(', ')}; replies ${Object.entries(sorted(live.replies)).map(([k, v]) => `${k} ×${v}`).join(', ')}; closes ${Object.entries(sorted(live.closes)).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'}; slowest reply ${live.slowestMs.toFixed(0)} ms`);
  console.log(`config: ${config.cases} files, ${config.accepted} accepted, ${config.rejected} rejected with a ConfigError, nothing else`);
  console.log(`daemon: alive ${alive}, /healthz ${health}, RSS ${(rssStart / 2 ** 20).toFixed(0)} → peak ${(rssPeak / 2 ** 20).toFixed(0)} → end ${(rssEnd / 2 ** 20).toFixed(0)} MB; ${seconds.toFixed(0)} s in all`);
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`);
  if (opts.save) {
    console.log(`saved ${saveResult('fuzz', {
      machine, seed, seconds,
      http: { cases: http.cases, seconds: httpSeconds, routes: http.routes.size, operations: http.operations, fiveXx: http.fiveXx, statuses: sorted(http.statuses), mutations: sorted(http.mutations), slowest: http.slowest, rejectedBatchesChecked: http.rejectedBatchesChecked, guarded: http.guarded, staleRetries: http.staleRetries, closedAfter: sorted(http.closedAfter) },
      raw: { ...raw, statuses: sorted(raw.statuses) },
      live: { ...live, upgradeStatuses: sorted(live.upgradeStatuses), replies: sorted(live.replies), closes: sorted(live.closes) },
      config,
      daemon: { alive, health, rssStartBytes: rssStart, rssPeakBytes: rssPeak, rssEndBytes: rssEnd },
    })}`);
  }
} catch (error) {
  // fast-check's message carries the seed, the path and the shrunk counterexample
  const cause = (error as Error).cause;
  console.error(`\nFUZZ FAILURE (seed ${seed}):\n${(error as Error).message}${cause instanceof Error ? `\ncaused by: ${cause.message}` : ''}`);
  exitCode = 1;
} finally {
  clearInterval(sampler);
  closeAgent();
  await fd.stop();
}
process.exit(exitCode);
