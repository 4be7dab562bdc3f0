// The traceroute test's rawOutput (contract C) in BSD traceroute's numeric (-n) layout,
// and its `output` object (sonde-defined: test/contracts/schemas/troubleshooting-api.ts).
//   traceroute to <destination> (<ip>), <maxHops> hops max, <bytes> byte packets
//    1  10.0.0.1  0.321 ms  0.210 ms  0.198 ms
//    2  * * *
// Per hop: "%2d " then, per probe, the address when it differs from the previous probe's,
// "  %.3f ms" for an answer and " *" for none — as BSD traceroute prints it.

export interface TracerouteProbe {
  /** Who answered (a router's time-exceeded, or the destination); absent when nothing came back. */
  address?: string;
  rttNs?: number | bigint;
}

export interface TracerouteHop {
  ttl: number;
  probes: readonly TracerouteProbe[];
}

export interface TracerouteRun {
  destination: string;
  address: string;
  maxHops: number;
  /** Bytes per probe packet (IP header included, as BSD traceroute counts). */
  packetBytes: number;
  hops: readonly TracerouteHop[];
  /** Whether the destination itself answered. */
  reached: boolean;
}

export interface TracerouteOutput {
  destination: string;
  resolvedIp: string;
  maxHops: string;
  destinationReached: boolean;
  hops: Array<{ hopNumber: string; address: string; roundTripTimesMilliseconds: string[] }>;
}

function ms(rttNs: number | bigint): string {
  return (Number(rttNs) / 1e6).toFixed(3);
}

export function formatTracerouteText(run: TracerouteRun): string {
  const lines = ['', `COMMAND=traceroute ${run.destination}`, `traceroute to ${run.destination} (${run.address}), ${run.maxHops} hops max, ${run.packetBytes} byte packets`];
  for (const hop of run.hops) {
    let line = `${String(hop.ttl).padStart(2)} `;
    let last: string | undefined;
    for (const probe of hop.probes) {
      if (probe.address === undefined || probe.rttNs === undefined) {
        line += ' *';
        continue;
      }
      if (probe.address !== last) {
        line += ` ${probe.address}`;
        last = probe.address;
      }
      line += `  ${ms(probe.rttNs)} ms`;
    }
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

export function tracerouteOutput(run: TracerouteRun): TracerouteOutput {
  return {
    destination: run.destination,
    resolvedIp: run.address,
    maxHops: String(run.maxHops),
    destinationReached: run.reached,
    hops: run.hops.map((hop) => ({
      hopNumber: String(hop.ttl),
      address: hop.probes.find((p) => p.address !== undefined)?.address ?? '*',
      roundTripTimesMilliseconds: hop.probes.map((p) => (p.address !== undefined && p.rttNs !== undefined ? ms(p.rttNs) : '*')),
    })),
  };
}
