// Content negotiation (negotiator: q-values, "gzip;q=0", "*" and identity handled as RFC 9110
// says), for every choice of an answer's encoding or media type. Only answers sonde keeps
// compressed anyway are sent gzip-compressed.
import Negotiator from 'negotiator';

const OFFERED = ['gzip', 'identity'];

/** True when the request's Accept-Encoding prefers gzip to an uncompressed answer. */
export function acceptsGzip(acceptEncoding: string): boolean {
  if (acceptEncoding === '') return false;
  return new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }).encoding(OFFERED) === 'gzip';
}

/** negotiator 1.x takes the server's preference for ties of q; its types do not say so yet. */
interface PreferringNegotiator {
  encoding(available: readonly string[], options: { preferred: readonly string[] }): string | undefined;
}

/** The Content-Encoding to answer with among `offered` (in the server's order of preference,
 *  'identity' last; it breaks ties of q), as the request's Accept-Encoding allows. */
export function negotiateEncoding(acceptEncoding: string, offered: readonly string[]): string {
  if (acceptEncoding === '') return 'identity';
  const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }) as unknown as PreferringNegotiator;
  return negotiator.encoding(offered, { preferred: offered }) ?? 'identity';
}

/**
 * The offered media type the Accept header prefers (highest q, then the more specific range,
 * then the one the client names first), the first offer when there is no Accept header, and
 * null when the client accepts none of them (a 406).
 */
export function preferredMediaType<T extends string>(accept: string, offered: readonly T[]): T | null {
  if (accept.trim() === '') return offered[0] ?? null;
  const [best] = new Negotiator({ headers: { accept } }).mediaTypes(offered as T[]);
  return best === undefined ? null : (offered.find((type) => type.toLowerCase() === best.toLowerCase()) ?? null);
}
