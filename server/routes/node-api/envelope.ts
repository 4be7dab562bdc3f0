// The node API's (osapi) error envelope: { error, details, code } with details always set.
import { Type } from '@sinclair/typebox';
import { registerEnvelope, type ErrorEnvelope } from '../../http/envelopes.js';
import type { HttpErrorKind } from '../../http/errors.js';

const DEFAULT_DETAILS: Record<HttpErrorKind, string> = {
  bad_request: 'invalid request',
  unauthorized: 'send the API key as Authorization: Bearer <key> or X-API-Key: <key>',
  forbidden: 'insufficient permissions',
  not_found: 'no such resource',
  method_not_allowed: 'the Allow header lists the methods of this path',
  not_acceptable: 'the Accept header names none of the media types this route answers with',
  conflict: 'conflicting state',
  payload_too_large: 'the request body is over the configured limit (http.bodyLimit)',
  unsupported_media_type: 'send application/json',
  rate_limited: 'slow down; see Retry-After',
  internal: 'the server log has the details',
  unavailable: 'retry later',
};

export const osapiEnvelope: ErrorEnvelope = {
  name: 'osapi',
  schema: Type.Object({
    error: Type.String({ description: 'What went wrong, naming the field or resource at fault.' }),
    details: Type.String({ description: 'More context, or how to fix it.' }),
    code: Type.Integer({ description: 'The HTTP status code.' }),
  }),
  render: ({ status, kind, message, details }) => ({ error: message, details: details ?? DEFAULT_DETAILS[kind], code: status }),
};

registerEnvelope(osapiEnvelope);
