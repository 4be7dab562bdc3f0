// The probe-kind flags of `sonde monitors create`, mapped onto the MonitorInput the HTTP API
// takes (so the engine validates both alike), and a validation error's field named as a flag.
import { Command, Option } from 'commander';
import {
  DNS_RECORD_TYPES, HTTP_METHODS, MONITOR_PROBES, PROBE_PAYLOAD_TYPES,
  type DnsMonitorOptions, type HttpMonitorOptions, type ModelMonitorOptions, type MonitorInput, type MonitorProbe, type TcpMonitorOptions,
} from '../engine/index.js';

export interface ProbeFlags {
  probe?: MonitorProbe;
  port?: string;
  dnsName?: string;
  dnsType?: DnsMonitorOptions['type'];
  dnsServer?: string;
  dnsPort?: string;
  dnsExpect?: string;
  method?: HttpMonitorOptions['method'];
  path?: string;
  header: string[];
  expectStatus?: string;
  bodyMatch?: string;
  bodyNotMatch?: string;
  maxBodyBytes?: string;
  followRedirects?: boolean;
  /** false with --no-tls-verify (commander's negated flag: true otherwise). */
  tlsVerify: boolean;
  freshConnection?: boolean;
  keepAlive?: boolean;
  certExpiryDays?: string;
  payloadType?: ModelMonitorOptions['payloadType'];
  payload?: string;
  payloadSize?: string;
}

/** MonitorInput field → the flag that sets it (the longest prefix wins). */
const FLAG_OF = new Map<string, string>(Object.entries({
  probe: '--probe',
  tcp: '--port',
  'tcp.port': '--port',
  dns: '--dns-name or --dns-server',
  'dns.name': '--dns-name',
  'dns.type': '--dns-type',
  'dns.server': '--dns-server',
  'dns.port': '--dns-port',
  'dns.expect': '--dns-expect',
  http: '--method, --path, --header, --expect-status, --body-match, --no-tls-verify, …',
  'http.method': '--method',
  'http.path': '--path',
  'http.headers': '--header',
  'http.expectStatus': '--expect-status',
  'http.bodyMatch': '--body-match',
  'http.bodyNotMatch': '--body-not-match',
  'http.maxBodyBytes': '--max-body-bytes',
  'http.followRedirects': '--follow-redirects',
  'http.verifyTls': '--no-tls-verify',
  'http.keepAlive': '--fresh-connection / --keep-alive',
  'http.certExpiryDays': '--cert-expiry-days',
  model: '--payload-type, --payload, --payload-size',
  'model.payloadType': '--payload-type',
  'model.payload': '--payload',
  'model.payloadSizeBytes': '--payload-size',
  'model.verifyTls': '--no-tls-verify',
  'model.keepAlive': '--fresh-connection / --keep-alive',
  intervalMs: '--interval',
  probes: '--probes',
  timeoutMs: '--timeout',
  size: '--size',
  name: '--name',
  selection: '--label / --ids',
  'selection.labels': '--label',
  'selection.ids': '--ids',
}));

/** The flag of a validation error's field ("http.expectStatus[2]" → --expect-status), if any. */
export function flagOf(field: string | undefined): string | undefined {
  let f = field ?? '';
  while (f !== '') {
    const flag = FLAG_OF.get(f);
    if (flag !== undefined) return flag;
    const shorter = f.replace(/(\.[^.[]+|\[\d+\])$/, '');
    if (shorter === f) return undefined;
    f = shorter;
  }
  return undefined;
}

export function addProbeOptions(command: Command, collect: (value: string, previous: string[]) => string[]): Command {
  return command
    .addOption(new Option('--probe <kind>', 'what each probe is (default icmp)').choices(MONITOR_PROBES))
    .addOption(new Option('--port <port>', 'tcp: the port connected to (default: the target\'s; HOST targets need it)'))
    .addOption(new Option('--dns-name <name>', 'dns: the name asked of each target (a DNS server)'))
    .addOption(new Option('--dns-type <type>', 'dns: the record type (default A)').choices(DNS_RECORD_TYPES))
    .addOption(new Option('--dns-server <ip>', 'dns: the server asked, for each target\'s address as the name'))
    .addOption(new Option('--dns-port <port>', 'dns: the server\'s UDP port (default 53)'))
    .addOption(new Option('--dns-expect <answer>', 'dns: an answer that must be among the answers (else error kind wrong-answer)'))
    .addOption(new Option('--method <method>', 'http: the request method (default GET)').choices(HTTP_METHODS))
    .addOption(new Option('--path <path>', 'http: replaces the URL\'s path and query ("/healthz?full=1")'))
    .addOption(new Option('--header <name:value>', 'http: a request header, repeatable').argParser(collect).default([]))
    .addOption(new Option('--expect-status <codes>', 'http: statuses that count as answered, comma-separated (default 200..399)'))
    .addOption(new Option('--body-match <regex>', 'http: a regular expression the body must match (else error kind body)'))
    .addOption(new Option('--body-not-match <regex>', 'http: a regular expression the body must not match'))
    .addOption(new Option('--max-body-bytes <n>', 'http: body bytes read for the patterns (default 65536)'))
    .addOption(new Option('--follow-redirects', 'http: follow 3xx Location (up to 5; default: a 3xx is the answer)'))
    .addOption(new Option('--no-tls-verify', 'http, model: do not verify the server\'s certificate'))
    .addOption(new Option('--fresh-connection', 'http, model: a new connection (and TLS handshake) every probe').conflicts('keepAlive'))
    .addOption(new Option('--keep-alive', 'http, model: reuse a kept-alive connection per target (the default)'))
    .addOption(new Option('--cert-expiry-days <days>', 'http: a certificate expiring in fewer days makes the target degraded (default 14; 0: never)'))
    .addOption(new Option('--payload-type <type>', 'model: the payload\'s content type (default TEXT)').choices(PROBE_PAYLOAD_TYPES))
    .addOption(new Option('--payload <text>', 'model: the body of each probe (default "ping")'))
    .addOption(new Option('--payload-size <bytes>', 'model: a synthetic body of exactly this many bytes (not with --payload)'));
}

/** A number flag as given (validation says what is wrong with it, naming its field). */
function num(raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : Number(raw);
}

function defined<T extends object>(o: T): T | undefined {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return Object.keys(o).length === 0 ? undefined : o;
}

function headers(list: string[]): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const h of list) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new Error(`--header must look like name:value, got "${h}"`);
    out[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  return out;
}

/** The probe kind and its options as given by the flags. A flag of another kind than --probe
 *  is passed on all the same: the validation refuses it, naming the kind. */
export function probeInput(f: ProbeFlags): Pick<MonitorInput, 'probe' | 'tcp' | 'dns' | 'http' | 'model'> {
  const out: Pick<MonitorInput, 'probe' | 'tcp' | 'dns' | 'http' | 'model'> = {};
  if (f.probe !== undefined) out.probe = f.probe;
  const keepAlive = f.freshConnection === true ? false : f.keepAlive === true ? true : undefined;
  const verifyTls = f.tlsVerify === false ? false : undefined;
  const tcp = defined<TcpMonitorOptions>({ port: num(f.port) });
  const dns = defined<DnsMonitorOptions>({
    name: f.dnsName, type: f.dnsType, server: f.dnsServer, port: num(f.dnsPort), expect: f.dnsExpect,
  });
  const shared = f.probe === 'model' ? {} : { verifyTls, keepAlive };
  const http = defined<HttpMonitorOptions>({
    method: f.method,
    path: f.path,
    headers: headers(f.header),
    expectStatus: f.expectStatus?.split(',').map((s) => Number(s.trim())),
    bodyMatch: f.bodyMatch,
    bodyNotMatch: f.bodyNotMatch,
    maxBodyBytes: num(f.maxBodyBytes),
    followRedirects: f.followRedirects,
    certExpiryDays: num(f.certExpiryDays),
    ...shared,
  });
  const model = defined<ModelMonitorOptions>({
    payloadType: f.payloadType,
    payload: f.payload,
    payloadSizeBytes: num(f.payloadSize),
    ...(f.probe === 'model' ? { verifyTls, keepAlive } : {}),
  });
  if (tcp !== undefined) out.tcp = tcp;
  if (dns !== undefined) out.dns = dns;
  if (http !== undefined) out.http = http;
  if (model !== undefined) out.model = model;
  return out;
}
