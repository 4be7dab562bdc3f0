// tcp monitors: RTT = the TCP handshake (connect() → established), the socket destroyed at
// once (no FIN dance kept open). Refused, unreachable and reset are error kinds; a connect that
// neither succeeds nor fails within the timeout is a timeout (socket-job.ts destroys it).
//
// Per probe one socket (unavoidable); the handlers are shared functions that find the flight
// on the socket, so no closure is made per probe.
import net from 'node:net';
import { classifyErrorCode, errorCode } from '../probes/failure.js';
import { ERROR_INDEX_OF_FAILURE } from './error-kinds.js';
import type { Flight, SocketJob, SocketProber } from './socket-job.js';

const FLIGHT = Symbol('flight');
const GEN = Symbol('gen');
const JOB = Symbol('job');

interface ProbeSocket extends net.Socket {
  [FLIGHT]: Flight;
  [GEN]: number;
  [JOB]: SocketJob;
}

/** A socket failure as a window error index, or -1 for a timeout (the kernel's ETIMEDOUT). */
export function socketErrorIndex(error: unknown): number {
  const kind = classifyErrorCode(errorCode(error));
  return kind === 'timeout' ? -1 : ERROR_INDEX_OF_FAILURE[kind];
}

function onConnect(this: ProbeSocket): void {
  const flight = this[FLIGHT];
  const rttNs = (performance.now() - flight.startPerf) * 1e6;
  this.destroy();
  this[JOB].ok(flight, this[GEN], rttNs);
}

function onError(this: ProbeSocket, error: Error): void {
  this.destroy();
  this[JOB].fail(this[FLIGHT], this[GEN], socketErrorIndex(error));
}

export class TcpProber implements SocketProber {
  /** hosts[t], ports[t]: job target t (IP addresses; names are resolved by the runtime). */
  constructor(private readonly hosts: readonly string[], private readonly ports: Int32Array) {}

  start(flight: Flight, job: SocketJob): void {
    const t = flight.targetIndex;
    const socket = net.connect({ host: this.hosts[t], port: this.ports[t], autoSelectFamily: false }) as ProbeSocket;
    socket[FLIGHT] = flight;
    socket[GEN] = flight.gen;
    socket[JOB] = job;
    socket.once('connect', onConnect);
    socket.on('error', onError);
    flight.handle = socket;
  }

  cancel(flight: Flight): void {
    (flight.handle as net.Socket | null)?.destroy();
  }

  close(): void {}
}
