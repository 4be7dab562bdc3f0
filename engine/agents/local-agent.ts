// The agent that runs in this process: pings through the probe engine and runs allowlisted
// commands (engine/exec).

import { arch, hostname as osHostname, release } from 'node:os';
import type { Engine, PingRequest, PingSummary } from '../types.js';
import { execRefusal } from '../exec/policy.js';
import type { ExecGroupLedger } from '../exec/exec-groups.js';
import { runCommand } from '../exec/run-command.js';
import type { ExecAgent, ExecPolicy, ExecRequest, ExecResult } from '../exec/types.js';
import { primaryInterface, resolveFqdn } from './facts.js';
import type { HostResolver } from './types.js';

export interface LocalAgentOptions {
  hostname?: string;
  serial: string;
  labels?: Record<string, string>;
  customFacts?: Record<string, string>;
  engine: Engine | null;
  /** Command exec allowlist and output limit; absent or empty: exec is refused. */
  exec?: ExecPolicy;
  /** Where running commands' process groups are recorded (openSonde: the database). */
  execGroups?: ExecGroupLedger;
  /** Resolves the fqdn fact (default: the system's resolver). */
  resolver?: HostResolver;
  /** The fqdn fact as configured (agent.fqdn): given, no DNS query is made for it. */
  fqdn?: string;
}

export class LocalAgent implements ExecAgent {
  readonly hostname: string;
  readonly serial: string;
  readonly labels: Readonly<Record<string, string>>;
  private readonly factValues: Record<string, string>;
  private readonly fqdn: Promise<string>;
  private readonly engine: Engine | null;
  private readonly policy: ExecPolicy;
  private readonly execGroups: ExecGroupLedger | undefined;
  private closed = false;

  constructor(options: LocalAgentOptions) {
    this.hostname = options.hostname ?? osHostname();
    this.serial = options.serial;
    this.labels = Object.freeze({ ...(options.labels ?? {}) });
    this.engine = options.engine;
    this.execGroups = options.execGroups;
    this.policy = Object.freeze({ ...options.exec, allow: Object.freeze([...(options.exec?.allow ?? [])]) });
    this.factValues = {
      hostname: this.hostname,
      fqdn: this.hostname,
      arch: arch(),
      kernel: release(),
      'interface.primary': primaryInterface(),
    };
    for (const [k, v] of Object.entries(options.customFacts ?? {})) this.factValues[`custom.${k}`] = String(v);
    // Resolved in the background: start-up does not wait for DNS.
    this.fqdn = options.fqdn !== undefined
      ? Promise.resolve((this.factValues.fqdn = options.fqdn))
      : resolveFqdn(this.hostname, undefined, options.resolver).then((name) => (this.factValues.fqdn = name));
  }

  healthy(): boolean {
    return !this.closed;
  }

  facts(): Record<string, string> {
    return { ...this.factValues };
  }

  async resolveFact(key: string): Promise<string | undefined> {
    if (key === 'fqdn') return this.fqdn;
    return Object.prototype.hasOwnProperty.call(this.factValues, key) ? this.factValues[key] : undefined;
  }

  async ping(request: PingRequest, signal: AbortSignal): Promise<PingSummary> {
    if (this.closed) throw new Error(`agent ${this.hostname} is shutting down`);
    if (!this.engine) {
      throw new Error(`agent ${this.hostname} has no probe engine: start sonde with the engine enabled (openSonde({ engine }))`);
    }
    return this.engine.ping({ ...request, signal });
  }

  /** The exec allowlist and output cap (a remote agent's record carries the allowlist). */
  execPolicy(): ExecPolicy {
    return this.policy;
  }

  execRefusal(command: string): string | null {
    return execRefusal(this.policy, command, this.hostname);
  }

  async exec(request: ExecRequest, signal: AbortSignal): Promise<ExecResult> {
    if (this.closed) throw new Error(`agent ${this.hostname} is shutting down`);
    // Checked again here: the allowlist holds whoever calls the agent.
    const refusal = this.execRefusal(request.command);
    if (refusal !== null) throw new Error(refusal);
    return runCommand(request, { maxOutputBytes: this.policy.maxOutputBytes, signal, groups: this.execGroups });
  }

  close(): void {
    this.closed = true;
  }
}
