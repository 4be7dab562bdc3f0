// The TypeScript surface of the native addon. native-bindings/index.ts loads the addon
// and exports these; nothing outside native-bindings/ touches the .node file directly.

export type SocketMode = 'raw' | 'dgram';

export interface IcmpSocketOptions {
  family: 4 | 6;
  /** 'auto' (default): raw, else a ping socket, else throw an error that says how to fix it. */
  mode?: 'auto' | SocketMode;
  /** Raw sockets: the block of echo identifiers this socket owns; the BPF filter accepts
   *  only echo replies and ICMP errors quoting ids in [idBase, idBase + idCount). */
  idBase?: number;
  idCount?: number;
  recvBufferBytes?: number;
  ttl?: number;
  tos?: number;
  /** IPv4 only: set DF (IP_PMTUDISC_DO). */
  dontFragment?: boolean;
  /** Path of a network namespace (e.g. /run/netns/NAME): the socket is created inside it. */
  netns?: string;
  /** Raw sockets: each record's sendTimeNs is the kernel's TX stamp (default true); false
   *  keeps the time read before sendmmsg (what bench:accuracy compares against). */
  kernelSendStamps?: boolean;
}

export interface IcmpSocketStats {
  /** Packets read from the kernel (after the BPF filter). */
  received: number;
  /** Packets read but not echo replies/errors, or too short to parse. */
  malformed: number;
  /** Packets the kernel dropped because the receive buffer was full (SO_RXQ_OVFL /
   *  SO_MEMINFO). While the buffer is full the kernel drops before the BPF filter runs, so
   *  this also counts packets the filter would have rejected: an upper bound on lost replies.
   *  Non-zero means: read more often or raise recvBufferBytes. */
  kernelDrops: number;
  /** Records sent successfully / failed. */
  sent: number;
  sendErrors: number;
  /** Sent records whose sendTimeNs came from the kernel's software TX stamps (raw sockets:
   *  a stamp of their own, or in a batch of more than 16 the stamp of the stamped packet
   *  before them; see REQ). */
  kernelSendStamps: number;
}

export interface IcmpSocket {
  readonly mode: SocketMode;
  readonly family: 4 | 6;
  /** Ping (dgram) sockets: the echo identifier the kernel assigned. Raw sockets: -1. */
  readonly localId: number;
  /** Sends `count` packed REQ records from `requests`; fills each record's sendTimeNs and
   *  error. Returns how many the kernel accepted before it would block (the rest are
   *  untouched and may be retried on the next call). */
  send(requests: Buffer, count: number): number;
  /** Reads as many packets as fit into `out` (packed REPLY records) without blocking.
   *  Returns the number of records written (0 when nothing is waiting). */
  receive(out: Buffer): number;
  /** Calls `onReadable` from the owning thread's event loop whenever packets wait. */
  startPolling(onReadable: () => void): void;
  stopPolling(): void;
  /** Raw sockets only: sends one pre-built ICMP message (header + payload) as it is. */
  sendPacket(address: string, icmp: Buffer): void;
  setTtl(ttl: number): void;
  setTos(tos: number): void;
  setDontFragment(on: boolean): void;
  /** Returns the size the kernel actually granted. */
  setRecvBuffer(bytes: number): number;
  stats(): IcmpSocketStats;
  /** Added: whether polling keeps the thread's event loop alive (default: it does, like a
   *  server socket). unref() lets a thread or process exit while still polling. */
  ref(): void;
  unref(): void;
  close(): void;
}

export interface TunDevice {
  readonly name: string;
  /** Reads packets into `out` as TUN frames (see layout.ts). Returns the number of frames. */
  read(out: Buffer): number;
  /** Writes `count` TUN frames from `frames`. Returns how many were written. */
  write(frames: Buffer, count: number): number;
  startPolling(onReadable: () => void): void;
  stopPolling(): void;
  /** Added: counters since the device was opened. */
  stats(): TunStats;
  /** Added: as IcmpSocket.ref / unref. */
  ref(): void;
  unref(): void;
  close(): void;
}

export interface TunStats {
  packetsRead: number;
  packetsWritten: number;
  /** Frames the kernel refused (e.g. not an IPv4/IPv6 packet); they are dropped. */
  writeErrors: number;
}

export interface TunOptions {
  /** Create the device inside this network namespace (e.g. /run/netns/NAME). */
  netns?: string;
}

export interface SpawnOptions {
  /** An absolute or relative path (contains '/'), else a name looked up in searchPath. */
  file: string;
  /** argv[1..]; argv[0] is `file`. */
  args: readonly string[];
  /** The child's whole environment, as "NAME=value" strings. */
  env: readonly string[];
  /** Working directory of the child (default: this process's). */
  cwd?: string;
  /** Colon-separated directories for a bare `file`; empty entries are skipped. */
  searchPath: string;
}

export interface ExitStatus {
  /** The exit status, or null when a signal ended the process. */
  exitCode: number | null;
  /** The signal number that ended the process, or null. */
  signal: number | null;
}

/**
 * A child started by `spawnProcess`: killed (SIGKILL) when this process dies, the leader of a
 * new session and process group (pgid = pid), stdin /dev/null.
 */
export interface SpawnedProcess {
  readonly pid: number;
  /** Read ends of the stdout and stderr pipes; the caller owns them and must close them. */
  readonly stdoutFd: number;
  readonly stderrFd: number;
  /** Calls `onExit` from the event loop once the process has exited (then call reap()). */
  startPolling(onExit: () => void): void;
  stopPolling(): void;
  /** null while running; else the status (once: the process is reaped, the pid is freed). */
  reap(): ExitStatus | null;
  ref(): void;
  unref(): void;
  /** Stops watching; does not kill or reap. */
  close(): void;
}

export interface NativeBinding {
  openIcmpSocket(options: IcmpSocketOptions): IcmpSocket;
  openTun(name: string, options?: TunOptions): TunDevice;
  /** CLOCK_REALTIME in ns, the clock of the send and kernel receive timestamps. */
  realtimeNs(): bigint;
  /**
   * fork + execve of a command that dies with this process (PR_SET_PDEATHSIG SIGKILL, set in
   * the child before exec). Main thread only: the signal fires when the spawning thread
   * exits. Throws an Error with code/errno/syscall ('execve', 'chdir') when it cannot start.
   */
  spawnProcess(options: SpawnOptions): SpawnedProcess;
}
