// WebSocket /v1/live on uWS pub/sub. Authenticated at the upgrade like every /v1 route (API
// key in Authorization: Bearer or X-API-Key, the per-key rate limit, scope network:read).
// A client subscribes (query string at the upgrade, or {"subscribe": …} messages) to
// monitors, label selectors or target ids; each subscription is a uWS topic shared by every
// client asking the same thing:
//   monitor:<id>      every member of the monitor
//   labels:<k=v,…>    HOST targets whose labels all match (re-resolved every 5 s)
//   targets:<hash>    exactly these target ids
//   fleet:<id>        the dashboard's fleet view of a monitor (fleet-topic.ts): a fleet-index
//                     message, then binary frames of what changed
//   campaign:<id>     a capacity campaign's progress: {"type":"campaign"} messages as the runner
//                     reports it (about twice a second), the current state first on subscribing
// Once a second, for each topic that has subscribers, ONE frame with every target of the
// topic (frames.ts; binary for fleet topics), then state changes as {"type":"state"} messages.
// A browser authenticates with its session cookie instead of a key header (the same access
// step); an upgrade whose Origin is another site's is refused.
//
// Slow clients: before each second's frames, a client still holding more than
// maxBufferedBytes unsent (it did not take the last second's data within a second) is
// closed with code 4008 and a reason. uWS never queues more than maxBackpressure per socket
// (and closes a socket that would). So memory per client is bounded by about
// maxBufferedBytes plus one second of frames.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { CampaignProgress, CampaignService, LiveMonitorSecond, LiveSecond, MonitorService, Sonde, StateChange, WindowBatch } from '../../engine/index.js';
import { admit, auditAnswer, type Admission, type Credentials } from '../http/access.js';
import { nativeEnvelope } from '../http/envelopes.js';
import { HttpError } from '../http/errors.js';
import { isForeignOrigin } from '../http/origin.js';
import { toHttpError } from '../http/pipeline.js';
import { sessionTokenFrom } from '../http/session-cookie.js';
import { writeResponse } from '../http/respond.js';
import type { TemplatedApp, WebSocket } from '../uws.js';
import { FleetTopic } from './fleet-topic.js';
import { FrameWriter } from './frame-writer.js';
import { campaignMessage, errorMessage, stateMessage } from './frames.js';
import { vantageFrame } from './vantage-frames.js';
import { LiveInputError, parseMessage, subscriptionFromQuery, type Subscription } from './subscription.js';

export interface LiveOptions {
  /** The daemon serves TLS: its own origin is https://<Host> (else http://<Host>). */
  tls?: boolean;
  /** A client holding more than this unsent when the next frames are due is dropped (default 8 MiB). */
  maxBufferedBytes?: number;
  /** uWS's hard cap of queued bytes per socket (default 64 MiB). */
  maxBackpressure?: number;
  /** How often the sessions of cookie-authenticated feeds are checked (default 30 s): an open
   *  feed keeps its session from idling out, and a feed whose session ended is closed. */
  sessionCheckMs?: number;
  /** Remote agents' stored windows and state changes (`sonde serve --nats`): frames with the agent as a dimension. */
  vantage?: VantageSource;
}

/** What the controller's window ingest tells the feed (engine VantageFeed). */
export interface VantageSource {
  onBatch(listener: (batch: WindowBatch) => void): () => void;
  onStateChanges(listener: (changes: readonly StateChange[]) => void): () => void;
}

export const SLOW_CLIENT_CODE = 4008;
/** A browser's feed closed because its session ended (signed out, expired, key revoked). */
export const SESSION_ENDED_CODE = 4001;
const LABEL_REFRESH_MS = 5000;
const MAX_TOPICS_PER_CLIENT = 200;

interface Topic {
  name: string;
  kind: 'monitor' | 'labels' | 'targets' | 'fleet' | 'campaign';
  monitorId?: string;
  campaignId?: string;
  labels?: Record<string, string>;
  ids: Set<string>;
  clients: number;
  resolvedAt: number;
  /** The fleet state of a fleet topic. */
  fleet?: FleetTopic<Client>;
}

interface ClientData {
  keyName: string;
  initial: Subscription | null;
  topics: Set<string>;
  /** The session token of a browser signed in with a cookie (null with a key header). */
  session: string | null;
}

type Client = WebSocket<ClientData>;

export class LiveFeed {
  private readonly topics = new Map<string, Topic>();
  private readonly clients = new Set<Client>();
  private readonly maxBufferedBytes: number;
  private readonly maxBackpressure: number;
  private readonly tls: boolean;
  private readonly sessionCheckMs: number;
  private readonly vantage: VantageSource | undefined;
  private sessionTimer: NodeJS.Timeout | null = null;
  /** Every app serving /v1/live: one, or more after TLS reloads (old connections stay on theirs). */
  private readonly apps: TemplatedApp[] = [];
  private detach: (() => void)[] = [];
  private closed = false;
  private readonly writer = new FrameWriter();
  /** Each running monitor's member ids as of its last second (a new fleet topic takes them
   *  instead of evaluating the selection again). */
  private readonly lastIds = new Map<string, readonly string[]>();
  /** targetId → member position, per membership (a runner's ids array changes only with it). */
  private readonly positions = new WeakMap<readonly string[], Map<string, number>>();
  /** Clients closed by the slow-client policy. */
  dropped = 0;
  /** Event-loop time of the last second's frames, ms. */
  lastPublishMs = 0;

  constructor(
    private readonly sonde: Sonde, private readonly monitors: MonitorService, private readonly logger: Logger, options: LiveOptions = {},
    /** The daemon's campaigns (topic campaign:<id>); null: none are served. */
    private readonly campaigns: CampaignService | null = null,
  ) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.vantage = options.vantage;
    this.maxBackpressure = options.maxBackpressure ?? 64 * 1024 * 1024;
    this.tls = options.tls ?? false;
    this.sessionCheckMs = options.sessionCheckMs ?? 30_000;
  }

  register(app: TemplatedApp): void {
    this.apps.push(app);
    app.ws<ClientData>('/v1/live', {
      maxPayloadLength: 1024 * 1024,
      maxBackpressure: this.maxBackpressure,
      closeOnBackpressureLimit: 1,
      idleTimeout: 120,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        const start = performance.now();
        const secWebSocketKey = req.getHeader('sec-websocket-key');
        const protocol = req.getHeader('sec-websocket-protocol');
        const extensions = req.getHeader('sec-websocket-extensions');
        const xApiKey = req.getHeader('x-api-key');
        const authorization = xApiKey === '' ? req.getHeader('authorization') : '';
        const cookie = xApiKey === '' && authorization === '' ? req.getHeader('cookie') : '';
        const origin = req.getHeader('origin');
        const host = req.getHeader('host');
        const query = req.getQuery() ?? '';
        const admission: Admission = { key: null, rate: null };
        try {
          if (secWebSocketKey === '') throw new HttpError(400, 'GET /v1/live is a WebSocket: send an Upgrade: websocket request', 'see the README, "Live feed"');
          // A page of another site may open a WebSocket here with this browser's cookie
          // (cross-site WebSocket hijacking): only the daemon's own pages may.
          if (isForeignOrigin(origin, host, this.tls)) {
            throw new HttpError(403, `WebSocket upgrade refused: Origin ${origin} is not this daemon's origin (${this.tls ? 'https' : 'http'}://${host})`,
              'open the dashboard from the daemon itself; API clients send no Origin header');
          }
          const credentials: Credentials = { authorization, xApiKey, cookie, csrfToken: '', write: false };
          const key = admit(this.sonde, credentials, 'network:read', admission);
          const initial = query === '' ? null : this.validated(subscriptionFromQuery(new URLSearchParams(query)));
          const session = xApiKey === '' && authorization === '' ? sessionTokenFrom(cookie) || null : null;
          res.upgrade<ClientData>({ keyName: key.name, initial, topics: new Set(), session }, secWebSocketKey, protocol, extensions, context);
          this.audit(admission, 101, start);
        } catch (error) {
          const http = error instanceof LiveInputError ? new HttpError(400, error.message, `field: ${error.field}`) : toHttpError(error);
          writeResponse(res, {
            status: http.status, headers: http.headers,
            body: nativeEnvelope.render({ status: http.status, kind: http.kind, message: http.message, details: http.details, reason: http.reason }),
          });
          this.audit(admission, http.status, start);
        }
      },
      open: (ws) => {
        this.listen();
        this.clients.add(ws);
        const initial = ws.getUserData().initial;
        if (initial !== null) this.apply(ws, 'subscribe', initial);
      },
      message: (ws, message) => {
        let text: string;
        try {
          text = Buffer.from(message).toString('utf8');
          const { op, subscription } = parseMessage(text);
          this.apply(ws, op, this.validated(subscription, op));
        } catch (error) {
          const e = error instanceof LiveInputError ? error : new LiveInputError('message', `the message could not be handled: ${(error as Error).message}`);
          ws.send(errorMessage(e.field, e.message));
        }
      },
      close: (ws) => {
        this.clients.delete(ws);
        for (const name of ws.getUserData().topics) {
          this.topics.get(name)?.fleet?.forget(ws);
          this.release(name);
        }
      },
    });
  }

  /** Listens to the monitor service from the first client on (so that opening the server
   *  neither opens a monitor service nor depends on when the daemon attaches its own). */
  private listen(): void {
    if (this.detach.length > 0 || this.closed) return;
    this.sessionTimer = setInterval(() => this.checkSessions(), this.sessionCheckMs);
    this.sessionTimer.unref();
    this.detach = [
      this.monitors.onSecond((second) => this.publishSecond(second)),
      this.monitors.onStateChanges((changes) => this.publishChanges(changes)),
      ...(this.campaigns !== null ? [this.campaigns.onProgress((p) => this.publishCampaign(p))] : []),
    ];
    if (this.vantage !== undefined) {
      this.detach.push(
        this.vantage.onBatch((batch) => this.publishVantage(batch)),
        this.vantage.onStateChanges((changes) => this.publishChanges(changes)),
      );
    }
  }

  /** Stops publishing (the app's close ends the sockets). */
  close(): void {
    this.closed = true;
    if (this.sessionTimer !== null) clearInterval(this.sessionTimer);
    for (const d of this.detach) d();
    this.detach = [];
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Throws LiveInputError when a monitor or target does not exist. */
  private validated(s: Subscription, field = 'query'): Subscription {
    const service = this.monitors;
    s.monitors.forEach((id, i) => {
      if (service.get(id) === null) throw new LiveInputError(`${field}.monitors[${i}]`, `monitor ${id} not found`);
    });
    s.fleet.forEach((id, i) => {
      if (service.get(id) === null) throw new LiveInputError(`${field}.fleet[${i}]`, `monitor ${id} not found`);
    });
    s.targets.forEach((id, i) => {
      if (this.sonde.targets.get(id) === null) throw new LiveInputError(`${field}.targets[${i}]`, `target ${id} not found`);
    });
    s.campaigns.forEach((id, i) => {
      if (this.campaigns === null) throw new LiveInputError(`${field}.campaigns[${i}]`, 'this daemon serves no campaigns');
      if (this.campaigns.find(id.toLowerCase()) === null) throw new LiveInputError(`${field}.campaigns[${i}]`, `campaign run ${id} not found (GET /v1/campaigns lists them)`);
    });
    return s;
  }

  private apply(ws: Client, op: 'subscribe' | 'unsubscribe', s: Subscription): void {
    const data = ws.getUserData();
    const wanted = this.topicsOf(s);
    if (op === 'subscribe') {
      const added = wanted.filter((t) => !data.topics.has(t.name));
      if (data.topics.size + added.length > MAX_TOPICS_PER_CLIENT) {
        throw new LiveInputError('subscribe', `at most ${MAX_TOPICS_PER_CLIENT} subscriptions per connection (this one has ${data.topics.size})`);
      }
      const joined: Topic[] = [];
      for (const t of added) {
        const topic = this.acquire(t);
        data.topics.add(topic.name);
        // a fleet subscriber joins the topic at the next second, after its full frame
        if (topic.fleet !== undefined) joined.push(topic);
        else ws.subscribe(topic.name);
      }
      this.reply(ws, op);
      for (const topic of joined) topic.fleet!.join(ws);
      for (const t of added) if (t.kind === 'campaign') this.sendCampaignState(ws, t.name, t.campaignId!);
      return;
    }
    for (const t of wanted) {
      if (!data.topics.delete(t.name)) continue;
      const topic = this.topics.get(t.name);
      topic?.fleet?.forget(ws);
      ws.unsubscribe(t.name);
      this.release(t.name);
    }
    this.reply(ws, op);
  }

  private reply(ws: Client, op: 'subscribe' | 'unsubscribe'): void {
    const topics = [...ws.getUserData().topics].map((name) => {
      const t = this.topics.get(name)!;
      const targets = t.kind === 'monitor' ? this.monitors.members(t.monitorId!).length
        : t.kind === 'campaign' ? (this.campaigns?.find(t.campaignId!)?.targets.length ?? 0)
          : t.fleet !== undefined ? t.fleet.size : t.ids.size;
      return { topic: name, kind: t.kind, targets };
    });
    ws.send(JSON.stringify({ type: op === 'subscribe' ? 'subscribed' : 'unsubscribed', topics }));
  }

  private topicsOf(s: Subscription): Omit<Topic, 'clients' | 'resolvedAt'>[] {
    const out: Omit<Topic, 'clients' | 'resolvedAt'>[] = [];
    for (const id of s.monitors) out.push({ name: `monitor:${id.toLowerCase()}`, kind: 'monitor', monitorId: id.toLowerCase(), ids: new Set() });
    for (const id of s.fleet) out.push({ name: `fleet:${id.toLowerCase()}`, kind: 'fleet', monitorId: id.toLowerCase(), ids: new Set() });
    for (const id of s.campaigns) out.push({ name: `campaign:${id.toLowerCase()}`, kind: 'campaign', campaignId: id.toLowerCase(), ids: new Set() });
    for (const labels of s.labels) {
      const canonical = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(',');
      out.push({ name: `labels:${canonical}`, kind: 'labels', labels, ids: new Set() });
    }
    if (s.targets.length > 0) {
      const ids = [...new Set(s.targets.map((id) => id.toLowerCase()))].sort();
      const hash = createHash('sha1').update(ids.join(',')).digest('hex').slice(0, 16);
      out.push({ name: `targets:${hash}`, kind: 'targets', ids: new Set(ids) });
    }
    return out;
  }

  private acquire(t: Omit<Topic, 'clients' | 'resolvedAt'>): Topic {
    let topic = this.topics.get(t.name);
    if (topic === undefined) {
      topic = { ...t, clients: 0, resolvedAt: 0 };
      if (topic.kind === 'labels') this.resolve(topic, performance.now());
      if (topic.kind === 'fleet') {
        const ids = this.lastIds.get(topic.monitorId!) ?? this.monitors.members(topic.monitorId!);
        topic.fleet = new FleetTopic(topic.name, topic.monitorId!, this.sonde.targets, ids);
      }
      this.topics.set(t.name, topic);
    }
    topic.clients++;
    return topic;
  }

  private release(name: string): void {
    const topic = this.topics.get(name);
    if (topic !== undefined && --topic.clients <= 0) this.topics.delete(name);
  }

  private resolve(topic: Topic, now: number): void {
    topic.ids = new Set(this.monitors.targetsMatching(topic.labels!));
    topic.resolvedAt = now;
  }

  /** A browser watching the feed is using its session (a wall screen must not idle out), and
   *  a feed whose session has ended stops. */
  private checkSessions(): void {
    for (const ws of this.clients) {
      const token = ws.getUserData().session;
      if (token === null || this.sonde.sessions.verify(token) !== null) continue;
      ws.end(SESSION_ENDED_CODE, 'the dashboard session has ended (signed out, expired or its API key revoked): sign in again');
    }
  }

  /** Subscribers of a topic over every app. */
  private subscribers(name: string): number {
    let n = 0;
    for (const app of this.apps) n += app.numSubscribers(name);
    return n;
  }

  private publish(name: string, message: string | Uint8Array, binary: boolean): void {
    for (const app of this.apps) app.publish(name, message, binary, false);
  }

  private publishSecond(second: LiveSecond): void {
    if (this.apps.length === 0) return;
    const t0 = performance.now();
    for (const ws of this.clients) {
      const buffered = ws.getBufferedAmount();
      if (buffered > this.maxBufferedBytes) {
        this.dropped++;
        this.logger.warn({ key: ws.getUserData().keyName, buffered }, 'live feed: slow client dropped');
        ws.end(SLOW_CLIENT_CODE, `slow client: ${buffered} bytes not taken within a second (limit ${this.maxBufferedBytes})`);
      }
    }
    const byMonitor = new Map<string, LiveMonitorSecond>();
    this.lastIds.clear();
    for (const m of second.monitors) {
      byMonitor.set(m.monitorId, m);
      this.lastIds.set(m.monitorId, m.ids);
    }
    const w = this.writer;
    for (const topic of this.topics.values()) {
      if (topic.kind === 'campaign') continue; // its messages follow the runner, not the second
      if (topic.fleet !== undefined) {
        const m = byMonitor.get(topic.monitorId!);
        if (m !== undefined) topic.fleet.second(m, second.startMs, this.subscribers(topic.name) > 0, (name, message, binary) => this.publish(name, message, binary));
        continue;
      }
      if (this.subscribers(topic.name) === 0) continue;
      const m = topic.kind === 'monitor' ? byMonitor.get(topic.monitorId!) : undefined;
      // a monitor not running this second (starting, paused, restarting) has no frame: an
      // empty one would read as "no members"
      if (topic.kind === 'monitor' && m === undefined) continue;
      w.start(topic.name, second.startMs);
      if (m !== undefined) {
        for (let k = 0; k < m.rows.length; k++) w.entry(m, k);
      } else {
        if (topic.kind === 'labels' && t0 - topic.resolvedAt >= LABEL_REFRESH_MS) this.resolve(topic, t0);
        for (const m of second.monitors) {
          const positions = this.positionsOf(m.ids);
          for (const id of topic.ids) {
            const k = positions.get(id);
            if (k !== undefined) w.entry(m, k);
          }
        }
      }
      this.publish(topic.name, w.end(), false);
    }
    this.lastPublishMs = performance.now() - t0;
  }

  private positionsOf(ids: readonly string[]): Map<string, number> {
    let map = this.positions.get(ids);
    if (map === undefined) {
      map = new Map();
      for (let k = 0; k < ids.length; k++) map.set(ids[k], k);
      this.positions.set(ids, map);
    }
    return map;
  }

  /** A new subscriber's first message: the running campaign's progress, or the stored run's end. */
  private sendCampaignState(ws: Client, topic: string, id: string): void {
    const progress = this.campaigns?.progress(id) ?? null;
    if (progress !== null) {
      ws.send(campaignMessage(topic, progress));
      return;
    }
    const run = this.campaigns?.find(id) ?? null;
    if (run === null) return;
    ws.send(campaignMessage(topic, {
      runId: run.id, status: run.status, step: Math.max(0, run.plan.length - 1), steps: run.plan.length, phase: run.status === 'running' ? 'measure' : 'finished',
      elapsedMs: (run.endedAt ?? Date.now()) - run.startedAt, currentRate: 0, lossPercent: 0, p99Ms: null,
    }));
  }

  private publishCampaign(progress: CampaignProgress): void {
    const name = `campaign:${progress.runId}`;
    if (!this.topics.has(name) || this.subscribers(name) === 0) return;
    this.publish(name, campaignMessage(name, progress), false);
  }

  /** A batch of a remote agent's windows: one frame per monitor, label or target topic holding some. */
  private publishVantage(batch: WindowBatch): void {
    if (this.apps.length === 0 || this.topics.size === 0) return;
    for (const topic of this.topics.values()) {
      if (topic.kind === 'fleet' || topic.kind === 'campaign' || this.subscribers(topic.name) === 0) continue;
      if (topic.kind === 'monitor' && topic.monitorId !== batch.monitorId) continue;
      const frame = vantageFrame(topic.name, batch, topic.kind === 'monitor' ? null : (id) => topic.ids.has(id));
      if (frame !== null) this.publish(topic.name, frame, false);
    }
  }

  private publishChanges(changes: readonly StateChange[]): void {
    if (this.apps.length === 0 || this.topics.size === 0) return;
    const out = new Map<string, StateChange[]>();
    const add = (name: string, c: StateChange): void => {
      let list = out.get(name);
      if (list === undefined) out.set(name, (list = []));
      list.push(c);
    };
    for (const c of changes) {
      const name = `monitor:${c.monitorId}`;
      if (this.topics.has(name)) add(name, c);
    }
    for (const topic of this.topics.values()) {
      if (topic.kind === 'monitor' || topic.kind === 'campaign') continue;
      if (topic.kind === 'fleet') {
        for (const c of changes) if (c.monitorId === topic.monitorId) add(topic.name, c);
        continue;
      }
      for (const c of changes) if (topic.ids.has(c.targetId)) add(topic.name, c);
    }
    for (const [name, list] of out) this.publish(name, stateMessage(name, list), false);
  }

  private audit(admission: Admission, status: number, start: number): void {
    auditAnswer(this.sonde, this.logger, admission.key, 'GET', '/v1/live', status, performance.now() - start);
  }
}


