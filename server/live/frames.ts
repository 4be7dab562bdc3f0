// The /v1/live wire format. Frames (one per topic per second) are written as bytes by
// frame-writer.ts:
//   {"type":"frame","topic":"monitor:<id>","t":<ms>,"targets":[
//     {"t":<ms>,"targetId":"…","monitorId":"…","sent":1,"received":1,"rttP50Ms":0.021,"rttMaxMs":0.021,"status":"up"}, …]}
// and the other messages here:
//   {"type":"state","topic":"…","changes":[StateChange…]}
//   {"type":"error","field":"subscribe.monitors[0]","message":"…"}
//   {"type":"campaign","topic":"campaign:<id>","t":<ms>,"progress":CampaignProgress}  (about twice a second while it runs)
import type { CampaignProgress, StateChange } from '../../engine/index.js';

export function stateMessage(topic: string, changes: readonly StateChange[]): string {
  return `{"type":"state","topic":${JSON.stringify(topic)},"changes":${JSON.stringify(changes)}}`;
}

export function errorMessage(field: string, message: string): string {
  return JSON.stringify({ type: 'error', field, message });
}

export function campaignMessage(topic: string, progress: CampaignProgress): string {
  return JSON.stringify({ type: 'campaign', topic, t: Date.now(), progress });
}
