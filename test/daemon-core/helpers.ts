// Shared helpers for the daemon-core tests: temp data directories and test agents.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent, PingRequest, PingSummary } from '../../engine/index.js';

export function tempDataDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-core-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An agent living in the test process. `ping` either answers from the summary function
 * given (e.g. one that runs the real engine), or never answers (`'never'`), which is how an
 * unreachable remote agent behaves.
 */
export class TestAgent implements Agent {
  readonly labels: Readonly<Record<string, string>>;
  up = true;
  pings = 0;

  constructor(
    readonly hostname: string,
    readonly serial: string,
    labels: Record<string, string> = {},
    private readonly answer: 'never' | ((request: PingRequest, signal: AbortSignal) => Promise<PingSummary>) = 'never',
  ) {
    this.labels = labels;
  }

  healthy(): boolean {
    return this.up;
  }

  facts(): Record<string, string> {
    return { hostname: this.hostname };
  }

  async resolveFact(key: string): Promise<string | undefined> {
    return this.facts()[key];
  }

  ping(request: PingRequest, signal: AbortSignal): Promise<PingSummary> {
    this.pings++;
    if (this.answer === 'never') return new Promise<PingSummary>(() => {});
    return this.answer(request, signal);
  }
}

/** Resolves after ms, or rejects when signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    }, { once: true });
  });
}
