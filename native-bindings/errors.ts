// Error texts of the native binding that tests and documentation refer to verbatim.

/** Thrown (as IcmpPermissionError) when mode 'auto' may open neither a raw nor a ping socket. */
export const ICMP_PERMISSION_ERROR =
  'EPERM opening an ICMP socket: this process may open neither a raw ICMP socket (that needs root or CAP_NET_RAW) ' +
  'nor an unprivileged ping socket (its group is outside net.ipv4.ping_group_range). To fix it, do one of: ' +
  'run as root; or give node the capability: sudo setcap cap_net_raw+ep $(command -v node); ' +
  'or widen the ping group range: sudo sysctl -w net.ipv4.ping_group_range="0 2147483647"';

/** Thrown when mode 'raw' was asked for and is not permitted. */
export const RAW_SOCKET_PERMISSION_ERROR =
  'EPERM opening a raw ICMP socket: that needs root or CAP_NET_RAW. To fix it, do one of: run as root; ' +
  'or give node the capability: sudo setcap cap_net_raw+ep $(command -v node); ' +
  "or use mode 'dgram' (ping sockets) where net.ipv4.ping_group_range allows it";

/** Thrown when mode 'dgram' was asked for and is not permitted. */
export const PING_SOCKET_PERMISSION_ERROR =
  "EACCES opening a ping (SOCK_DGRAM) ICMP socket: this process's group is outside net.ipv4.ping_group_range. " +
  'To fix it, widen the range: sudo sysctl -w net.ipv4.ping_group_range="0 2147483647"; ' +
  "or use mode 'raw' as root or with CAP_NET_RAW";

/** Neither kind of ICMP socket could be opened; `causes` holds the system errors. */
export class IcmpPermissionError extends Error {
  readonly code = 'EPERM';
  constructor(
    message: string,
    readonly family: 4 | 6,
    readonly causes: readonly Error[],
  ) {
    super(message, { cause: causes[causes.length - 1] });
    this.name = 'IcmpPermissionError';
  }
}

/** True for a system error saying the process lacks the privilege (EPERM / EACCES). */
export function isPermissionError(e: unknown): e is Error & { code: string } {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && (code === 'EPERM' || code === 'EACCES');
}
