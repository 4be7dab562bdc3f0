// The status of every target of a monitor, with hysteresis, evaluated once a second from
// the failure/success streaks and the loss of the last minutes (see TargetStatus in
// types.ts for the definition). A transition is reported through `changed`; everything
// else is typed-array work, so a pass over 50,000 rows costs well under a millisecond.
import type { LiveState } from './live-state.js';
import { LOSS_MINUTES } from './second-stats.js';
import { TARGET_STATUSES, type TargetStatus } from './types.js';

type Status = TargetStatus['status'];

/** Status codes as stored in LiveState.status: the index into TARGET_STATUSES. */
export const UP = TARGET_STATUSES.indexOf('up');
export const DEGRADED = TARGET_STATUSES.indexOf('degraded');
export const DOWN = TARGET_STATUSES.indexOf('down');
export const UNKNOWN = TARGET_STATUSES.indexOf('unknown');

export interface StatusSettings {
  /** Consecutive failed probes that make a target down (default 3). */
  downAfter: number;
  /** Consecutive answered probes that bring a degraded or down target back up (default 3). */
  upAfter: number;
  /** Loss % over the last LOSS_MINUTES minutes above which an up target is degraded (default 5). */
  degradedLossPercent: number;
}

export const DEFAULT_STATUS_SETTINGS: StatusSettings = { downAfter: 3, upAfter: 3, degradedLossPercent: 5 };

export type StatusChanged = (position: number, row: number, from: Status, to: Status, reason: string) => void;

/**
 * Evaluates rows[k] for every member position k; calls changed() for each transition
 * (a target's first status is reported only when it is not `up`).
 */
export function evaluateStatus(live: LiveState, rows: readonly number[], s: StatusSettings, changed: StatusChanged): void {
  const status = live.status;
  const fail = live.failStreak;
  const ok = live.okStreak;
  const at = live.lastAtMs;
  const lossSent = live.second.lossSent;
  const lossReceived = live.second.lossReceived;
  const cert = live.certExpiresAtMs;
  const certWarnMs = live.certWarnMs;
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k];
    const was = status[row];
    const f = fail[row];
    // a certificate expiring within http.certExpiryDays of the last probe holds a target degraded
    const certSoon = certWarnMs > 0 && cert[row] - at[row] < certWarnMs;
    let next = was;
    if (f >= s.downAfter) {
      next = DOWN;
    } else if (was === UNKNOWN) {
      if (Number.isNaN(at[row])) continue;
      next = f > 0 || certSoon ? DEGRADED : UP;
    } else if (was === DOWN) {
      if (ok[row] >= s.upAfter) next = UP;
    } else if (f > 0) {
      next = DEGRADED;
    } else {
      const sent = lossSent[row];
      const lossy = sent > 0 && (100 * (sent - lossReceived[row])) / sent > s.degradedLossPercent;
      if (was === DEGRADED && ok[row] >= s.upAfter && !lossy && !certSoon) next = UP;
      else if (was === UP && (lossy || certSoon)) next = DEGRADED;
    }
    if (next === was) continue;
    status[row] = next;
    // a target back from down starts a clean loss period: the outage is the down event
    if (was === DOWN) live.second.clearLoss(row);
    if (was === UNKNOWN && next === UP) continue;
    changed(k, row, TARGET_STATUSES[was], TARGET_STATUSES[next], reasonOf(live, row, next, s));
  }
}

function reasonOf(live: LiveState, row: number, next: number, s: StatusSettings): string {
  const f = live.failStreak[row];
  if (next === DOWN) return `${f} consecutive failed probes (down after ${s.downAfter})`;
  if (next === UP) return `${live.okStreak[row]} consecutive answered probes (up after ${s.upAfter})`;
  // degraded
  if (f > 0) return `${f} failed probe${f === 1 ? '' : 's'} in a row (down after ${s.downAfter})`;
  const sent = live.second.lossSent[row];
  const lossy = sent > 0 && (100 * (sent - live.second.lossReceived[row])) / sent > s.degradedLossPercent;
  if (!lossy && live.certWarnMs > 0) {
    const days = (live.certExpiresAtMs[row] - live.lastAtMs[row]) / 86_400_000;
    const limit = live.certWarnMs / 86_400_000;
    return days < 0
      ? `the TLS certificate expired ${(-days).toFixed(1)} days ago`
      : `the TLS certificate expires in ${days.toFixed(1)} days (< ${limit} days: http.certExpiryDays)`;
  }
  const loss = (100 * (sent - live.second.lossReceived[row])) / sent;
  return `loss ${loss.toFixed(1)} % over the last ${LOSS_MINUTES} minutes is above ${s.degradedLossPercent} %`;
}
