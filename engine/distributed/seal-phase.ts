// When a `sonde agent` seals its windows. Every agent's windows start on the same grid (a
// window of one start is the same period from every vantage point), so without a phase all
// agents seal — and publish their batches — at the same instant, and the controller gets
// every agent's batches of a window start in one burst to store one after another. Each agent
// seals on its own clock instead, a fixed phase after the window's probes settled, taken from
// its hostname (no coordination: a new agent picks its own): the window starts stay aligned,
// only the publish moment moves, by at most MAX_SEAL_PHASE_MS (and a quarter of the window).
import { createHash } from 'node:crypto';

/** The bound of the phase: it delays each window's arrival at the controller by up to this. */
export const MAX_SEAL_PHASE_MS = 2_000;

/** This agent's phase, ms in [0, min(MAX_SEAL_PHASE_MS, windowMs / 4)): the same on every start. */
export function agentSealPhaseMs(hostname: string, windowMs: number): number {
  // a cryptographic hash, once per start: hostnames one character apart (web-01, web-02)
  // land anywhere in the span, not next to each other as with a short multiplicative hash
  const h = createHash('sha256').update(hostname, 'utf8').digest().readUInt32BE(0);
  const span = Math.min(MAX_SEAL_PHASE_MS, Math.floor(windowMs / 4));
  return Math.floor((h / 2 ** 32) * span);
}
