// Frames of remote agents' windows on /v1/live (docs/distributed.md, "Reading vantage
// points"): when the controller stores a batch of an agent's windows, each monitor, label or
// target topic with subscribers that holds some of them gets one frame, the agent as a
// dimension:
//   {"type":"frame","topic":"monitor:<id>","agent":"near","t":<window start>,"spanMs":1000,"targets":[
//     {"t":<ms>,"targetId":"…","monitorId":"…","agent":"near","sent":10,"received":9,"rttMinMs":2.1,"rttMeanMs":2.4,"rttMaxMs":3.0}, …]}
// A window's figures, not a second's: agents send sealed windows (monitoring.windowSeconds).
import type { WindowBatch } from '../../engine/index.js';

type Window = WindowBatch['windows'][number];

const ms = (ns: number | null): string => (ns === null ? 'null' : String(ns / 1e6));

function entry(batch: WindowBatch, agentJson: string, monitorJson: string, w: Window): string {
  const mean = w.received > 0 ? String(w.sumNs / w.received / 1e6) : 'null';
  return `{"t":${w.startMs},"targetId":${JSON.stringify(w.targetId)},"monitorId":${monitorJson},"agent":${agentJson},"sent":${w.sent},"received":${w.received},`
    + `"rttMinMs":${ms(w.minNs)},"rttMeanMs":${mean},"rttMaxMs":${ms(w.maxNs)}}`;
}

/** One frame of a batch's windows for a topic; `keep` picks the windows (null: every one). Null when none is kept. */
export function vantageFrame(topic: string, batch: WindowBatch, keep: ((targetId: string) => boolean) | null): string | null {
  const agentJson = JSON.stringify(batch.agent);
  const monitorJson = JSON.stringify(batch.monitorId);
  const parts: string[] = [];
  for (const w of batch.windows) if (keep === null || keep(w.targetId)) parts.push(entry(batch, agentJson, monitorJson, w));
  if (parts.length === 0) return null;
  const t = batch.windows[0].startMs;
  return `{"type":"frame","topic":${JSON.stringify(topic)},"agent":${agentJson},"t":${t},"spanMs":${batch.spanMs},"targets":[${parts.join(',')}]}`;
}
