// Parses the W3C Server-Timing response header and derives the server's receive and
// send times for a probe.
//
// Grammar (https://w3c.github.io/server-timing/):
//   Server-Timing = #server-timing-metric
//   server-timing-metric = metric-name *( OWS ";" OWS server-timing-param )
//   server-timing-param  = token OWS "=" OWS ( token / quoted-string )
// Unknown params are kept; a malformed metric is skipped, never fatal.
//
// Standard Server-Timing carries durations, not instants. Two ways to place the server's
// work on the client's timeline, the first one that applies wins:
//   1. Absolute instants (a sonde convention for endpoints that can give them): metrics
//      named `recv` and `send` (aliases `server-receive`/`server-send`) with a `ts` param
//      (or desc) holding Unix-epoch nanoseconds, e.g. `recv;ts=1712082301123456800`.
//   2. A duration: the `total` metric's dur (else the largest dur present) is the time the
//      server spent; it is centred in the client's request-sent → first-byte window, which
//      assumes the network delay is the same both ways (as NTP does). Marked `estimated`.

export interface ServerTimingMetric {
  name: string;
  /** Milliseconds, when the metric has a numeric `dur`. */
  dur?: number;
  desc?: string;
  /** Every param as sent (names lower-cased), including dur and desc. */
  params: Record<string, string>;
}

export interface ServerTimes {
  serverReceivedUnixNs: bigint;
  serverSendUnixNs: bigint;
  /** True when derived from a duration (method 2), false when the server sent instants. */
  estimated: boolean;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parses one or more Server-Timing header values (repeated headers may be passed as an array). */
export function parseServerTiming(header: string | readonly string[] | undefined): ServerTimingMetric[] {
  if (header === undefined) return [];
  const text = typeof header === 'string' ? header : header.join(',');
  const metrics: ServerTimingMetric[] = [];
  for (const raw of splitOutsideQuotes(text, ',')) {
    const parts = splitOutsideQuotes(raw, ';').map((p) => p.trim());
    const name = parts[0];
    if (!name || !TOKEN.test(name)) continue;
    const metric: ServerTimingMetric = { name, params: {} };
    for (const param of parts.slice(1)) {
      const eq = param.indexOf('=');
      const key = (eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase();
      if (!TOKEN.test(key) || key in metric.params) continue; // first occurrence wins, per the spec
      const value = eq < 0 ? '' : unquote(param.slice(eq + 1).trim());
      metric.params[key] = value;
      if (key === 'dur') {
        const dur = Number(value);
        if (value !== '' && Number.isFinite(dur) && dur >= 0) metric.dur = dur;
      } else if (key === 'desc') {
        metric.desc = value;
      }
    }
    metrics.push(metric);
  }
  return metrics;
}

/**
 * Server receive/send instants for a probe, or undefined when the header gives nothing
 * usable. `requestSentUnixNs` and `firstByteUnixNs` are the client's own instants.
 */
export function deriveServerTimes(
  metrics: readonly ServerTimingMetric[],
  requestSentUnixNs: bigint,
  firstByteUnixNs: bigint,
): ServerTimes | undefined {
  const recv = instantOf(metrics, ['recv', 'server-receive']);
  const send = instantOf(metrics, ['send', 'server-send']);
  if (recv !== undefined && send !== undefined && send >= recv) {
    return { serverReceivedUnixNs: recv, serverSendUnixNs: send, estimated: false };
  }

  const total = metrics.find((m) => m.name.toLowerCase() === 'total' && m.dur !== undefined);
  let durMs = total?.dur;
  if (durMs === undefined) {
    for (const m of metrics) if (m.dur !== undefined && (durMs === undefined || m.dur > durMs)) durMs = m.dur;
  }
  if (durMs === undefined) return undefined;

  const window = firstByteUnixNs - requestSentUnixNs;
  if (window < 0n) return undefined;
  // A server claiming more time than the whole exchange took is clamped to the window.
  const serverNs = BigInt(Math.min(Math.round(durMs * 1e6), Number(window)));
  const oneWay = (window - serverNs) / 2n;
  const serverReceivedUnixNs = requestSentUnixNs + oneWay;
  return { serverReceivedUnixNs, serverSendUnixNs: serverReceivedUnixNs + serverNs, estimated: true };
}

function instantOf(metrics: readonly ServerTimingMetric[], names: readonly string[]): bigint | undefined {
  const metric = metrics.find((m) => names.includes(m.name.toLowerCase()));
  if (!metric) return undefined;
  const text = metric.params['ts'] ?? metric.desc;
  if (text === undefined || !/^\d{1,20}$/.test(text)) return undefined;
  return BigInt(text);
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      current += c;
      if (c === '\\' && i + 1 < text.length) current += text[++i];
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
      current += c;
    } else if (c === separator) {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}
