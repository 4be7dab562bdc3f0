// Whether a dashboard sign-in may happen over this connection. Over plain HTTP the API key
// (in the sign-in body) and then the session cookie cross the network readable by anyone on
// the path, so a sign-in from a client that is not on this machine is refused unless the
// daemon serves TLS (listen.tls) or the operator allowed it explicitly.
import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

export function isLoopback(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** null when the sign-in may go ahead, else why not (the 403's message). */
export function insecureSignInRefusal(tls: boolean, remoteAddress: string, allowInsecureSignIn: boolean): string | null {
  if (tls || allowInsecureSignIn || isLoopback(remoteAddress)) return null;
  return `sign-in refused: this daemon serves plain HTTP and the client (${remoteAddress || 'unknown address'}) is not on this machine, `
    + 'so the API key and the session cookie would cross the network unencrypted';
}

export const INSECURE_SIGN_IN_FIX = 'serve TLS (listen.tls: { cert, key } in the config), connect from the daemon\'s machine, '
  + 'or set dashboard.allowInsecureSignIn: true to accept the risk (e.g. on a trusted network)';
