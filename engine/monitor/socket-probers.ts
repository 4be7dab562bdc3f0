// The socket prober of a monitor's kind for one job's targets (socket-job.ts runs it).
import type { StoredMonitor } from './monitor-repo.js';
import type { Member } from './selection.js';
import type { SocketProber } from './socket-job.js';
import { modelRequestHeaders } from '../probes/payload.js';
import { DnsProber } from './dns-prober.js';
import { HttpProber } from './http-prober.js';
import { modelPayload } from './monitor-options.js';
import { TcpProber } from './tcp-prober.js';
import type { HttpMonitorOptions } from './types.js';

/** A model probe is answered by a 2xx, as a ping stream's (probes/http.ts). */
const MODEL_OK_STATUSES = Array.from({ length: 100 }, (_, i) => 200 + i);

/** hosts[t]: the IP address job target t is probed at; members[t]: its target. */
export function createSocketProber(def: StoredMonitor, hosts: readonly string[], members: readonly Member[]): SocketProber {
  switch (def.probe) {
    case 'tcp':
      return new TcpProber(hosts, Int32Array.from(members, (m) => def.tcp?.port ?? m.port ?? 0));
    case 'dns': {
      const o = def.dns!;
      const targets = hosts.map((server, t) => ({ server, port: o.port ?? 53, name: o.name ?? members[t].address }));
      return new DnsProber(targets, o.type ?? 'A', o.expect, def.timeoutMs);
    }
    case 'http':
      return new HttpProber(hosts.map((address, t) => ({ url: new URL(members[t].address), address })), def.http ?? {});
    case 'model': {
      // the ping stream's health request (contract D), on the http monitor's machinery
      const payload = modelPayload(def.model);
      const o: HttpMonitorOptions = { method: 'POST', expectStatus: MODEL_OK_STATUSES, keepAlive: def.model?.keepAlive, verifyTls: def.model?.verifyTls };
      const targets = hosts.map((address, t) => {
        const m = members[t];
        const headers = modelRequestHeaders(payload, { kind: m.kind ?? '', provider: m.provider, modelIdentifier: m.modelIdentifier });
        return { url: new URL(m.address), address, headers };
      });
      return new HttpProber(targets, o, payload.body);
    }
    default:
      throw new Error(`${def.probe} monitors do not probe through a socket job`);
  }
}
