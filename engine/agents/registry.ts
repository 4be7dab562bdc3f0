// Agents by hostname and serial, selector routing, and fan-out with a deadline.

import { SondeError } from '../errors.js';
import type { Agent, AgentInfo, AgentRegistry, AgentRunItem } from './types.js';
import { labelValueMatches } from '../store/labels.js';
import { notFound, parseSelector, validateAgentHostname } from './selector.js';

export const AGENT_TIMEOUT_ERROR = 'timeout: agent did not respond';

function byHostname(a: Agent, b: Agent): number {
  return a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0;
}

export class InProcessAgentRegistry implements AgentRegistry {
  private readonly agents = new Map<string, Agent>(); // by lower-case hostname
  private sorted: Agent[] = [];
  private anyCursor = 0;

  /**
   * `includeLocal: false` (a controller started with --no-local-agent): the local agent is
   * kept for what only it can do but is neither listed nor routed to.
   */
  constructor(readonly local: Agent, options: { includeLocal?: boolean } = {}) {
    if (options.includeLocal !== false) this.register(local);
  }

  list(): AgentInfo[] {
    return this.sorted.map((a) => {
      const info: AgentInfo = {
        hostname: a.hostname,
        serial: a.serial,
        labels: { ...a.labels },
        healthy: a.healthy(),
        local: a === this.local,
        facts: a.facts(),
      };
      const status = a.status?.();
      if (status !== undefined) {
        info.version = status.version;
        info.lastHeartbeatAt = status.lastHeartbeatAt === null ? null : new Date(status.lastHeartbeatAt).toISOString();
        info.engineThreads = status.engineThreads;
        info.load = status.load;
        info.running = status.running;
      }
      return info;
    });
  }

  get(hostname: string): Agent | null {
    return typeof hostname === 'string' ? (this.agents.get(hostname.toLowerCase()) ?? null) : null;
  }

  getBySerial(serial: string): Agent | null {
    for (const a of this.sorted) if (a.serial === serial) return a;
    return null;
  }

  register(agent: Agent): void {
    validateAgentHostname(agent.hostname);
    const key = agent.hostname.toLowerCase();
    if (this.agents.has(key)) throw new SondeError('conflict', `an agent with hostname ${agent.hostname} is already registered`, 'hostname');
    if (this.getBySerial(agent.serial)) throw new SondeError('conflict', `an agent with serial ${agent.serial} is already registered`, 'serial');
    this.agents.set(key, agent);
    this.sorted = [...this.agents.values()].sort(byHostname);
  }

  unregister(hostname: string): boolean {
    const a = this.get(hostname);
    if (!a || a === this.local) return false;
    this.agents.delete(a.hostname.toLowerCase());
    this.sorted = this.sorted.filter((x) => x !== a);
    return true;
  }

  route(selector: string): Agent[] {
    const s = parseSelector(selector);
    switch (s.kind) {
      case 'hostname': {
        const a = this.get(s.hostname);
        if (!a) throw notFound(selector);
        return [a];
      }
      case 'any': {
        const healthy = this.sorted.filter((a) => a.healthy());
        if (healthy.length === 0) throw notFound(selector);
        const a = healthy[this.anyCursor % healthy.length];
        this.anyCursor = (this.anyCursor + 1) % 0x7fffffff;
        return [a];
      }
      case 'all': {
        const healthy = this.sorted.filter((a) => a.healthy());
        if (healthy.length === 0) throw notFound(selector);
        return healthy;
      }
      case 'label': {
        const matched = this.sorted.filter((a) => {
          const v = a.labels[s.key];
          return v !== undefined && a.healthy() && labelValueMatches(v, s.value);
        });
        if (matched.length === 0) throw notFound(selector);
        return matched;
      }
    }
  }

  async runOnAgents<T>(
    agents: readonly Agent[],
    op: (agent: Agent, signal: AbortSignal) => Promise<T>,
    options: { timeoutMs: number; signal?: AbortSignal; onItem?: (item: AgentRunItem<T>) => void },
  ): Promise<AgentRunItem<T>[]> {
    const { timeoutMs, signal, onItem } = options;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new SondeError('invalid', `timeoutMs must be a positive number of milliseconds (got ${timeoutMs})`, 'timeoutMs');
    }
    const items = await Promise.all(agents.map((agent) => runOne(agent, op, timeoutMs, signal, onItem)));
    return items.sort((a, b) => byHostname(a.agent, b.agent));
  }
}

function runOne<T>(
  agent: Agent,
  op: (agent: Agent, signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  outer: AbortSignal | undefined,
  onItem: ((item: AgentRunItem<T>) => void) | undefined,
): Promise<AgentRunItem<T>> {
  const started = performance.now();
  const controller = new AbortController();
  return new Promise<AgentRunItem<T>>((resolve) => {
    let settled = false;
    const finish = (item: AgentRunItem<T>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
      if (onItem) {
        try {
          onItem(item);
        } catch {
          // a listener's failure must not lose the item
        }
      }
      resolve(item);
    };
    const fail = (error: string, timedOut: boolean): void =>
      finish({ agent, ok: false, error, timedOut, durationMs: performance.now() - started });
    const onAbort = (): void => {
      controller.abort(outer?.reason);
      fail('cancelled', false);
    };
    const timer = setTimeout(() => {
      controller.abort(new Error(AGENT_TIMEOUT_ERROR));
      fail(AGENT_TIMEOUT_ERROR, true);
    }, timeoutMs);
    if (outer?.aborted) {
      onAbort();
      return;
    }
    outer?.addEventListener('abort', onAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(op(agent, controller.signal));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (value) => finish({ agent, ok: true, value, durationMs: performance.now() - started }),
      (err: unknown) => fail(err instanceof Error ? err.message : String(err), false),
    );
  });
}
