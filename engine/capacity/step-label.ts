// A step named by what it offers: "400 pps", plus the parameters that vary across the plan
// ("400 pps, 1000 B"). The report's legends and step table, and the knee in a run's summary.
import type { ResolvedStep } from './types.js';

export function stepLabel(offeredRate: number, p: ResolvedStep, plan: readonly ResolvedStep[]): string {
  // Name what varies across the plan; the rate always.
  const varies = (k: 'packetSize' | 'concurrency' | 'targets'): boolean => plan.some((q) => q[k] !== plan[0][k]);
  const parts = [`${Number(offeredRate.toPrecision(6))} pps`];
  if (varies('packetSize')) parts.push(`${p.packetSize} B`);
  if (varies('concurrency')) parts.push(`×${p.concurrency} in flight`);
  if (varies('targets')) parts.push(`${p.targets} targets`);
  return parts.join(', ');
}
