// Mode resolution for IcmpSocketOptions.mode: the addon opens exactly the kind asked for;
// 'auto' tries raw first, then a ping socket, and says how to fix permissions if neither works.
import {
  ICMP_PERMISSION_ERROR,
  IcmpPermissionError,
  isPermissionError,
  PING_SOCKET_PERMISSION_ERROR,
  RAW_SOCKET_PERMISSION_ERROR,
} from './errors.js';
import type { IcmpSocket, IcmpSocketOptions, SocketMode } from './types.js';

export type OpenExactSocket = (options: IcmpSocketOptions & { mode: SocketMode }) => IcmpSocket;

export function openIcmpSocketWithFallback(openExact: OpenExactSocket, options: IcmpSocketOptions): IcmpSocket {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('openIcmpSocket: options must be an object like { family: 4 }');
  }
  const mode = options.mode ?? 'auto';
  if (mode !== 'auto' && mode !== 'raw' && mode !== 'dgram') {
    throw new TypeError(`openIcmpSocket: options.mode must be 'auto', 'raw' or 'dgram', got '${String(mode)}'`);
  }
  if (mode !== 'auto') {
    try {
      return openExact({ ...options, mode });
    } catch (e) {
      if (!isPermissionError(e)) throw e;
      throw new IcmpPermissionError(mode === 'raw' ? RAW_SOCKET_PERMISSION_ERROR : PING_SOCKET_PERMISSION_ERROR, options.family, [e]);
    }
  }
  let rawError: Error;
  try {
    return openExact({ ...options, mode: 'raw' });
  } catch (e) {
    if (!isPermissionError(e)) throw e;
    rawError = e;
  }
  try {
    return openExact({ ...options, mode: 'dgram' });
  } catch (e) {
    if (!isPermissionError(e)) throw e;
    throw new IcmpPermissionError(ICMP_PERMISSION_ERROR, options.family, [rawError, e]);
  }
}
