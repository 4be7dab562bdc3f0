// The least NATS permissions a `sonde agent` needs (docs/distributed.md#permissions): publish
// only its own results, registry keys and windows, subscribe only its own work and cancels.
// The controller creates the streams, buckets and its consumers; the agent only reads their
// info, creates its own durable work consumer and pulls from it.
import { ASSIGNMENT_BUCKET } from '../distributed/assignment-wire.js';
import { windowSubject } from '../distributed/window-stream.js';
import { agentKey, BUCKETS, STREAMS, subjects, workConsumerName } from './subjects.js';

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
}

export function agentPermissions(hostname: string): NatsPermissions {
  const consumer = workConsumerName(hostname);
  const key = agentKey(hostname);
  return {
    publish: [
      // JetStream API: account info, the shared streams' info, its own consumer
      '$JS.API.INFO',
      `$JS.API.STREAM.INFO.${STREAMS.work}`,
      `$JS.API.STREAM.INFO.${STREAMS.results}`,
      `$JS.API.STREAM.INFO.KV_${BUCKETS.agents}`,
      `$JS.API.STREAM.INFO.KV_${BUCKETS.heartbeats}`,
      `$JS.API.CONSUMER.INFO.${STREAMS.work}.${consumer}`,
      `$JS.API.CONSUMER.CREATE.${STREAMS.work}.${consumer}.>`,
      `$JS.API.CONSUMER.CREATE.${STREAMS.work}.${consumer}`,
      `$JS.API.CONSUMER.DURABLE.CREATE.${STREAMS.work}.${consumer}`,
      `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.work}.${consumer}`,
      `$JS.ACK.${STREAMS.work}.${consumer}.>`,
      // its registry record and heartbeat (put and delete; read at start: is the name taken?)
      `$KV.${BUCKETS.agents}.${key}`,
      `$KV.${BUCKETS.heartbeats}.${key}`,
      `$JS.API.DIRECT.GET.KV_${BUCKETS.agents}.$KV.${BUCKETS.agents}.${key}`,
      `$JS.API.DIRECT.GET.KV_${BUCKETS.heartbeats}.$KV.${BUCKETS.heartbeats}.${key}`,
      // the monitor definitions the controller assigns (read-only: a watch, an ordered consumer)
      `$JS.API.STREAM.INFO.KV_${ASSIGNMENT_BUCKET}`,
      `$JS.API.CONSUMER.CREATE.KV_${ASSIGNMENT_BUCKET}`,
      `$JS.API.CONSUMER.CREATE.KV_${ASSIGNMENT_BUCKET}.>`,
      `$JS.API.CONSUMER.DELETE.KV_${ASSIGNMENT_BUCKET}.>`,
      `$JS.FC.KV_${ASSIGNMENT_BUCKET}.>`,
      // its results and its sealed windows
      subjects.resultsOf(hostname),
      windowSubject(hostname),
    ],
    subscribe: [
      // replies to its requests (JetStream API, publish acks, pulled messages)
      '_INBOX.>',
      subjects.cancel(hostname),
    ],
  };
}
