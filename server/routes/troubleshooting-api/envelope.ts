// The troubleshooting API's error envelope (contract C, HPE GreenLake): { errorCode, message }
// with the HPE_GRAVITY_* codes of docs/contracts.md#troubleshooting-errors. Messages start
// with the seed's wording ("Validation errors - ...") and add what was wrong; the 401 and 429
// messages are exactly the seed's, and what sonde knows more goes in X-Sonde-Error-Detail (the
// seed's body has no other field).
import { Type } from '@sinclair/typebox';
import { headerText, registerEnvelope, type ErrorEnvelope } from '../../http/envelopes.js';
import { HttpError, type HttpErrorKind } from '../../http/errors.js';

export type HpeErrorCode =
  | 'HPE_GRAVITY_BAD_REQUEST'
  | 'HPE_GRAVITY_UNAUTHORIZED'
  | 'HPE_GRAVITY_FORBIDDEN'
  | 'HPE_GRAVITY_NOT_FOUND'
  | 'HPE_GRAVITY_DEVICE_NOT_FOUND'
  | 'HPE_GRAVITY_TASK_NOT_FOUND'
  | 'HPE_GRAVITY_METHOD_NOT_ALLOWED'
  | 'HPE_GRAVITY_NOT_ACCEPTABLE'
  | 'HPE_GRAVITY_CONFLICT'
  | 'HPE_GRAVITY_DEVICE_OFFLINE'
  | 'HPE_GRAVITY_PAYLOAD_TOO_LARGE'
  | 'HPE_GRAVITY_UNSUPPORTED_MEDIA_TYPE'
  | 'HPE_GRAVITY_TOO_MANY_REQUESTS'
  | 'HPE_GRAVITY_INTERNAL_SERVER_ERROR'
  | 'HPE_GRAVITY_SERVICE_UNAVAILABLE';

const CODE_BY_KIND: Record<HttpErrorKind, HpeErrorCode> = {
  bad_request: 'HPE_GRAVITY_BAD_REQUEST',
  unauthorized: 'HPE_GRAVITY_UNAUTHORIZED',
  forbidden: 'HPE_GRAVITY_FORBIDDEN',
  not_found: 'HPE_GRAVITY_NOT_FOUND',
  method_not_allowed: 'HPE_GRAVITY_METHOD_NOT_ALLOWED',
  not_acceptable: 'HPE_GRAVITY_NOT_ACCEPTABLE',
  conflict: 'HPE_GRAVITY_CONFLICT',
  payload_too_large: 'HPE_GRAVITY_PAYLOAD_TOO_LARGE',
  unsupported_media_type: 'HPE_GRAVITY_UNSUPPORTED_MEDIA_TYPE',
  rate_limited: 'HPE_GRAVITY_TOO_MANY_REQUESTS',
  internal: 'HPE_GRAVITY_INTERNAL_SERVER_ERROR',
  unavailable: 'HPE_GRAVITY_SERVICE_UNAVAILABLE',
};

/** A route's way to pick a specific code (e.g. DEVICE_NOT_FOUND vs TASK_NOT_FOUND for a 404). */
const CODE_MARK = 'errorCode:';

export function hpeError(status: number, errorCode: HpeErrorCode, message: string): HttpError {
  return new HttpError(status, message, `${CODE_MARK}${errorCode}`);
}

/** The seed's exact texts, which a client may compare. */
const SEED_MESSAGE = { unauthorized: 'Authentication required.', rate_limited: 'Rate limit exceeded.' } as const;

function messageFor(kind: HttpErrorKind, message: string, details: string | undefined): string {
  const more = details !== undefined ? `${message} (${details})` : message;
  switch (kind) {
    case 'bad_request':
      return `Validation errors - ${message}`;
    case 'unauthorized':
      return SEED_MESSAGE.unauthorized;
    case 'rate_limited':
      return SEED_MESSAGE.rate_limited;
    case 'internal':
      return 'An unexpected error occurred.';
    default:
      return more;
  }
}

export const troubleshootingEnvelope: ErrorEnvelope = {
  name: 'troubleshooting-api',
  schema: Type.Object({
    errorCode: Type.String({ description: 'HPE_GRAVITY_BAD_REQUEST, _UNAUTHORIZED, _FORBIDDEN, _DEVICE_NOT_FOUND, _TASK_NOT_FOUND, _DEVICE_OFFLINE, _PAYLOAD_TOO_LARGE, _TOO_MANY_REQUESTS, _INTERNAL_SERVER_ERROR …' }),
    message: Type.String(),
  }),
  render: ({ kind, message, details }) => {
    if (details?.startsWith(CODE_MARK)) return { errorCode: details.slice(CODE_MARK.length), message };
    return { errorCode: CODE_BY_KIND[kind], message: messageFor(kind, message, details) };
  },
  headers: ({ kind, message, details }) => {
    if (kind !== 'unauthorized' && kind !== 'rate_limited') return undefined;
    return { 'X-Sonde-Error-Detail': headerText(details !== undefined ? `${message} (${details})` : message) };
  },
};

registerEnvelope(troubleshootingEnvelope);
