// The test network rule, enforced in the process: a DNS query for any name but `localhost`
// (or one sent to a DNS server on loopback that the test set up itself), and any TCP/UDP
// connection or datagram to an address outside loopback and the simulator's ranges, throws
// before anything is sent. Every breach is also recorded (in memory and, when
// SONDE_NETWORK_GUARD_LOG names a file, appended to it) so the vitest setup fails the test
// that made it even when the code under test swallows the error.
//
// Names under .invalid are answered here, at once, with ENOTFOUND, as RFC 6761 (6.4) asks of
// name resolution APIs: tests use them for "a name that does not resolve", and no query for
// them leaves the process.
//
// Raw ICMP from the native addon does not go through node:net/dgram and is not covered.
import { appendFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { BlockList, isIP } from 'node:net';
import type * as DnsModule from 'node:dns';
import type * as DgramModule from 'node:dgram';
import type * as NetModule from 'node:net';
import type * as TlsModule from 'node:tls';
import { threadId } from 'node:worker_threads';

export const NETWORK_RULE =
  'test network rule (RULES.md): packets only to 127.0.0.0/8, ::1, 198.18.0.0/15, 2001:db8::/32; DNS only for "localhost"';

export const GUARD_LOG_ENV = 'SONDE_NETWORK_GUARD_LOG';

export interface Breach {
  pid: number;
  threadId: number;
  /** The guarded call, e.g. 'dns.lookup' or 'net.Socket.connect'. */
  call: string;
  /** The name or address it was given. */
  target: string;
}

export class NetworkRuleError extends Error {
  readonly code = 'ERR_SONDE_TEST_NETWORK_RULE';
  constructor(readonly breach: Breach) {
    super(`${NETWORK_RULE}: blocked ${breach.call}(${JSON.stringify(breach.target)}); ` +
      'give the code under test a local answer (an injected resolver, an IP on loopback or in the simulator)');
    this.name = 'NetworkRuleError';
  }
}

/** By its code: the guard a preload installed comes from dist/, a different class than this file's. */
export function isNetworkRuleError(error: unknown): error is NetworkRuleError {
  return (error as { code?: unknown } | null)?.code === 'ERR_SONDE_TEST_NETWORK_RULE';
}

interface GuardState {
  breaches: Breach[];
  /** Resolvers whose servers the test itself set to loopback. */
  loopbackResolvers: WeakSet<object>;
  defaultServersOnLoopback: boolean;
}

const STATE_KEY = Symbol.for('sonde.test.networkGuard');
type GuardGlobal = typeof globalThis & { [STATE_KEY]?: GuardState };

const allowed = new BlockList();
allowed.addSubnet('127.0.0.0', 8, 'ipv4');
allowed.addSubnet('198.18.0.0', 15, 'ipv4');
allowed.addAddress('0.0.0.0', 'ipv4'); // "this host": Linux connects it over loopback
allowed.addAddress('::1', 'ipv6');
allowed.addAddress('::', 'ipv6');
allowed.addSubnet('2001:db8::', 32, 'ipv6');

/** True for an IP literal the tests may send to. */
export function isAllowedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped ? mapped[1] : address;
  const family = isIP(plain);
  if (family === 0) return false;
  return allowed.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

/** True for a host (name or literal) a connection may be opened to without a DNS query outside the rule. */
function isAllowedHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(h) !== 0) return isAllowedAddress(h);
  // a .invalid name goes on to dns.lookup, which answers ENOTFOUND (above)
  return h.toLowerCase() === 'localhost' || isInvalidName(h);
}

function isAllowedName(name: unknown): boolean {
  if (typeof name !== 'string') return true; // node's own validation rejects it
  return isIP(name) !== 0 || name.toLowerCase() === 'localhost';
}

/** A name under the .invalid TLD (RFC 6761): never resolves, answered without a query. */
function isInvalidName(name: unknown): name is string {
  return typeof name === 'string' && /(^|\.)invalid\.?$/i.test(name);
}

/** The error getaddrinfo / c-ares give for a name that does not exist. */
function notFound(syscall: string, name: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${syscall} ENOTFOUND ${name}`), { errno: -3008, code: 'ENOTFOUND', syscall, hostname: name });
}

const QUERY_SYSCALL: Record<string, string> = {
  resolve: 'queryA', resolve4: 'queryA', resolve6: 'queryAaaa', resolveAny: 'queryAny', resolveCaa: 'queryCaa',
  resolveCname: 'queryCname', resolveMx: 'queryMx', resolveNaptr: 'queryNaptr', resolveNs: 'queryNs',
  resolvePtr: 'queryPtr', resolveSoa: 'querySoa', resolveSrv: 'querySrv', resolveTxt: 'queryTxt',
};

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** True when every server ('1.2.3.4', '1.2.3.4:53', '[::1]:53', '::1') is on loopback: the test's own DNS server. */
function serversOnLoopback(servers: readonly string[]): boolean {
  return servers.length > 0 && servers.every((server) => {
    const host = server.startsWith('[') ? server.slice(1, server.indexOf(']')) : isIP(server) !== 0 ? server : server.replace(/:\d+$/, '');
    const family = isIP(host);
    return family !== 0 && loopback.check(host, family === 4 ? 'ipv4' : 'ipv6');
  });
}

function state(): GuardState {
  const g = globalThis as GuardGlobal;
  g[STATE_KEY] ??= { breaches: [], loopbackResolvers: new WeakSet(), defaultServersOnLoopback: false };
  return g[STATE_KEY];
}

/** Breaches recorded in this thread since it started. */
export function recordedBreaches(): readonly Breach[] {
  return state().breaches;
}

/** Takes back a breach a test provoked on purpose (the guard's own test), so it is not held against it. */
export function withdrawBreach(breach: Breach): void {
  const list = state().breaches;
  const at = list.lastIndexOf(breach);
  if (at >= 0) list.splice(at, 1);
}

function refuse(call: string, target: unknown): never {
  const breach: Breach = { pid: process.pid, threadId, call, target: String(target) };
  state().breaches.push(breach);
  const log = process.env[GUARD_LOG_ENV];
  if (log) {
    try {
      appendFileSync(log, `${JSON.stringify(breach)}\n`);
    } catch {
      // The throw below still stops the breach.
    }
  }
  throw new NetworkRuleError(breach);
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** What a check decides: undefined lets the call through; an answer replaces it. */
type Verdict = { answer: unknown } | undefined | void;

function wrap<T extends object>(target: T, key: string, check: (self: unknown, args: unknown[]) => Verdict): void {
  const record = target as unknown as Record<string, unknown>;
  const original = record[key];
  if (typeof original !== 'function') return;
  const fn = original as AnyFunction;
  const guarded = function (this: unknown, ...args: unknown[]): unknown {
    const verdict = check(this, args);
    if (verdict !== undefined) return verdict.answer;
    return fn.apply(this, args);
  };
  Object.defineProperty(guarded, 'name', { value: fn.name });
  record[key] = guarded;
}

const RESOLVE_METHODS = [
  'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr',
  'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt',
];

/** reverse(ip) asks for the PTR name of an address: allowed only from the test's own server. */
function isAllowedQuery(method: string, name: unknown): boolean {
  return method !== 'reverse' && isAllowedName(name);
}

/** The ENOTFOUND answer for a .invalid name, as a rejected promise or through the callback. */
function answerNotFound(promises: boolean, syscall: string, args: unknown[]): Verdict {
  const name = args[0];
  if (!isInvalidName(name)) return undefined;
  const error = notFound(syscall, name);
  if (promises) return { answer: Promise.reject(error) };
  const callback = args.at(-1);
  if (typeof callback !== 'function') return undefined; // node's own validation throws
  process.nextTick(callback as (e: Error) => void, error);
  return { answer: undefined };
}

function guardDns(mod: typeof DnsModule | typeof DnsModule.promises, prefix: string): void {
  const s = state();
  const promises = prefix.includes('promises');
  wrap(mod, 'lookup', (_self, args) => {
    const answered = answerNotFound(promises, 'getaddrinfo', args);
    if (answered !== undefined) return answered;
    if (!isAllowedName(args[0])) refuse(`${prefix}.lookup`, args[0]);
  });
  // A reverse lookup asks the resolver about an address: a test never needs one.
  wrap(mod, 'lookupService', (_self, args) => refuse(`${prefix}.lookupService`, args[0]));
  wrap(mod, 'setServers', (_self, args) => {
    s.defaultServersOnLoopback = Array.isArray(args[0]) && serversOnLoopback(args[0] as string[]);
  });
  for (const method of [...RESOLVE_METHODS, 'reverse']) {
    wrap(mod, method, (_self, args) => {
      if (s.defaultServersOnLoopback) return;
      const answered = method === 'reverse' ? undefined : answerNotFound(promises, QUERY_SYSCALL[method], args);
      if (answered !== undefined) return answered;
      if (!isAllowedQuery(method, args[0])) refuse(`${prefix}.${method}`, args[0]);
    });
  }
  const proto = mod.Resolver.prototype as unknown as object;
  wrap(proto, 'setServers', (self, args) => {
    if (Array.isArray(args[0]) && serversOnLoopback(args[0] as string[])) s.loopbackResolvers.add(self as object);
    else s.loopbackResolvers.delete(self as object);
  });
  for (const method of [...RESOLVE_METHODS, 'reverse']) {
    wrap(proto, method, (self, args) => {
      if (s.loopbackResolvers.has(self as object)) return;
      const answered = method === 'reverse' ? undefined : answerNotFound(promises, QUERY_SYSCALL[method], args);
      if (answered !== undefined) return answered;
      if (!isAllowedQuery(method, args[0])) refuse(`${prefix}.Resolver.${method}`, args[0]);
    });
  }
}

interface ConnectTarget {
  host?: unknown;
  path?: unknown;
}

/** The host of net.connect / Socket#connect arguments, or null for a Unix socket. */
function connectHost(args: unknown[]): string | null {
  let first = args[0];
  if (Array.isArray(first)) first = first[0]; // node's internal normalized form
  if (first !== null && typeof first === 'object') {
    const o = first as ConnectTarget;
    if (typeof o.path === 'string' && o.path !== '') return null; // http passes path: null
    return typeof o.host === 'string' ? o.host : 'localhost';
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return null; // a path
  return typeof args[1] === 'string' ? args[1] : 'localhost';
}

function checkConnect(call: string, args: unknown[]): void {
  const host = connectHost(args);
  if (host !== null && !isAllowedHost(host)) refuse(call, host);
}

function guardNet(net: typeof NetModule, tls: typeof TlsModule): void {
  wrap(net.Socket.prototype, 'connect', (_self, args) => checkConnect('net.Socket.connect', args));
  wrap(net, 'connect', (_self, args) => checkConnect('net.connect', args));
  wrap(net, 'createConnection', (_self, args) => checkConnect('net.createConnection', args));
  wrap(tls, 'connect', (_self, args) => {
    // tls.connect(options) | (port[, host][, options])
    const opts = args.find((a): a is ConnectTarget => a !== null && typeof a === 'object');
    const host = typeof args[1] === 'string' ? args[1] : typeof opts?.path === 'string' && opts.path !== '' ? null : typeof opts?.host === 'string' ? opts.host : 'localhost';
    if (host !== null && !isAllowedHost(host)) refuse('tls.connect', host);
  });
}

function guardDgram(dgram: typeof DgramModule): void {
  const proto = dgram.Socket.prototype as unknown as object;
  // send(msg[, offset, length][, port][, address][, callback]): the address is the only
  // string after the message; without one node sends to localhost.
  wrap(proto, 'send', (_self, args) => {
    const address = args.slice(1).find((a) => typeof a === 'string');
    if (typeof address === 'string' && !isAllowedHost(address)) refuse('dgram.Socket.send', address);
  });
  wrap(proto, 'connect', (_self, args) => {
    const address = typeof args[1] === 'string' ? args[1] : 'localhost';
    if (!isAllowedHost(address)) refuse('dgram.Socket.connect', address);
  });
}

const INSTALLED_KEY = Symbol.for('sonde.test.networkGuard.installed');

/** Patches node:dns, node:net, node:tls and node:dgram in this thread (once). */
export function installNetworkGuard(): void {
  const g = globalThis as typeof globalThis & { [INSTALLED_KEY]?: boolean };
  if (g[INSTALLED_KEY]) return;
  g[INSTALLED_KEY] = true;
  const require = createRequire(import.meta.url);
  const dns = require('node:dns') as typeof DnsModule;
  const dnsPromises = require('node:dns/promises') as typeof DnsModule.promises;
  guardDns(dns, 'dns');
  guardDns(dnsPromises, 'dns.promises');
  if (dns.promises !== dnsPromises) guardDns(dns.promises, 'dns.promises');
  guardNet(require('node:net') as typeof NetModule, require('node:tls') as typeof TlsModule);
  guardDgram(require('node:dgram') as typeof DgramModule);
  // `import { lookup } from 'node:dns/promises'` sees the guarded functions from here on.
  syncBuiltinESMExports();
}
