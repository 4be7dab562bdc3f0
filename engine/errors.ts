// The engine's error for callers of the daemon core: nothing here knows HTTP; a `kind`
// says which status code a route maps it to.

/**
 * not_found → 404, conflict → 409, invalid → 400, forbidden → 403,
 * unavailable → 409/503 (e.g. an agent is offline), internal → 500.
 */
export type SondeErrorKind = 'not_found' | 'conflict' | 'invalid' | 'forbidden' | 'unavailable' | 'internal';

export class SondeError extends Error {
  constructor(
    readonly kind: SondeErrorKind,
    message: string,
    /** The input field at fault, when there is one (e.g. 'labels.site', 'serviceId'). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SondeError';
  }
}
