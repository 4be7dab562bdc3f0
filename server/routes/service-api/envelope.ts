// The service ping API's envelope (contract B, WispHub): every answer, success or error, is
// { ok, type, action, data, message, meta }; errors are ok:false, action "error", data null.
import { Type } from '@sinclair/typebox';
import { registerEnvelope, type ErrorEnvelope } from '../../http/envelopes.js';

export const serviceApiEnvelope: ErrorEnvelope = {
  name: 'service-api',
  schema: Type.Object({
    ok: Type.Literal(false),
    type: Type.Literal('error'),
    action: Type.Literal('error'),
    data: Type.Null(),
    message: Type.String({ description: 'What went wrong, naming the field or resource at fault, and how to fix it.' }),
    meta: Type.Null(),
  }),
  render: ({ message, details }) => ({
    ok: false,
    type: 'error',
    action: 'error',
    data: null,
    message: details === undefined ? message : `${message} (${details})`,
    meta: null,
  }),
};

registerEnvelope(serviceApiEnvelope);
