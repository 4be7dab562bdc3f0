// The thread behind PlainPoller (plain-poller.ts): GETs with node:http and a keep-alive agent,
// the body counted and dropped, so this isolate's heap stays small and no garbage collection
// of the bench's own big allocations (10 MB bodies decoded, parsed) pauses a timed request.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { setThreadNice } from '../../engine/thread-priority.js';
import type { PlainPollerInit, PlainResult } from './plain-poller.js';

const init = workerData as PlainPollerInit;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
if (init.nice !== 0) setThreadNice(init.nice);

function get(path: string): Promise<PlainResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const fail = (e: Error): void => resolve({ status: 0, error: e.message, ms: NaN, ttfbMs: NaN, bytes: 0 });
    const req = http.get(`${init.url}${path}`, { headers: init.headers, agent, timeout: 30_000 }, (res) => {
      const ttfbMs = performance.now() - t0;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => { bytes += chunk.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, error: null, ms: performance.now() - t0, ttfbMs, bytes }));
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', fail);
  });
}

parentPort!.on('message', (path: string) => {
  void get(path).then((r) => parentPort!.postMessage(r));
});
