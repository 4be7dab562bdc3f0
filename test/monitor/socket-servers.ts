// Loopback servers for the socket-monitor suites: a TCP listener that accepts, a closed port
// (refuses), and a listener that never accepts (a python3 process listening with backlog 0
// whose queue the test fills: further SYNs are dropped, so a connect neither succeeds nor is
// refused — Node itself always accepts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export const hasPython = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' }).stdout?.trim() === '1';

export interface Listener {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export async function acceptingListener(host = '127.0.0.1'): Promise<Listener> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A port nothing listens on (bound once, then closed): connects are refused. */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Blackhole {
  port: number;
  close(): void;
}

export async function neverAccepting(): Promise<Blackhole> {
  const child: ChildProcess = spawn('python3', ['-c', [
    'import socket, sys',
    's = socket.socket()',
    "s.bind(('127.0.0.1', 0))",
    's.listen(0)',
    'print(s.getsockname()[1], flush=True)',
    'sys.stdin.read()',
  ].join('\n')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
    child.once('error', reject);
  });
  // fill the accept queue (backlog 0 holds one; two to be sure), then wait for both handshakes
  const fillers: net.Socket[] = [];
  await Promise.all([0, 1].map(() => new Promise<void>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    socket.once('connect', () => resolve());
    setTimeout(resolve, 500).unref();
    fillers.push(socket);
  })));
  return {
    port,
    close() {
      for (const s of fillers) s.destroy();
      child.stdin?.end();
      child.kill();
    },
  };
}

/** Open TCP handles of this process (sockets, servers): a leak shows as a count that stays up. */
export function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPWRAP').length;
}
