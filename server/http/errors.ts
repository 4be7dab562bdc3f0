// An HTTP error the pipeline turns into a response in the route's envelope. `kind` lets a
// contract's envelope map the same failure to its own code and wording.

export type HttpErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'not_acceptable'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal'
  | 'unavailable';

const KIND_BY_STATUS: Record<number, HttpErrorKind> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  500: 'internal',
  503: 'unavailable',
};

export class HttpError extends Error {
  readonly kind: HttpErrorKind;
  constructor(
    readonly status: number,
    message: string,
    readonly details?: string,
    readonly headers?: Readonly<Record<string, string>>,
    /** A machine-readable cause a client acts on (e.g. "csrf": fetch the token again). */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'HttpError';
    this.kind = KIND_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'bad_request');
  }
}

export const badRequest = (message: string, details?: string): HttpError => new HttpError(400, message, details);
export const notFound = (message: string, details?: string): HttpError => new HttpError(404, message, details);
