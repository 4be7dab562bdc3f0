// Content-Encoding negotiation (negotiator: q-values, "gzip;q=0", "*" and identity handled as
// RFC 9110 says). Only answers sonde keeps compressed anyway are sent gzip-compressed.
import Negotiator from 'negotiator';

const OFFERED = ['gzip', 'identity'];

/** True when the request's Accept-Encoding prefers gzip to an uncompressed answer. */
export function acceptsGzip(acceptEncoding: string): boolean {
  if (acceptEncoding === '') return false;
  return new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }).encoding(OFFERED) === 'gzip';
}

/** The Content-Encoding to answer with among `offered` (in the server's order of preference,
 *  'identity' last), as the request's Accept-Encoding allows; 'identity' when it names none. */
export function negotiateEncoding(acceptEncoding: string, offered: readonly string[]): string {
  if (acceptEncoding === '') return 'identity';
  return new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }).encoding([...offered]) ?? 'identity';
}
