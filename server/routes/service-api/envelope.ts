// The service ping API's envelope (contract B, WispHub): every answer, success or error, is
// { ok, type, action, data, message, meta }; errors are ok:false, data null. The seed's
// actions for a create are ping_created and ping_failed, so a create that fails says
// ping_failed; the other routes' errors say "error".
import { Type } from '@sinclair/typebox';
import { registerEnvelope, type ErrorEnvelope } from '../../http/envelopes.js';

function envelopeWithAction(name: string, action: 'error' | 'ping_failed', variantOf?: string): ErrorEnvelope {
  return {
    name,
    ...(variantOf !== undefined ? { variantOf } : {}),
    schema: Type.Object({
      ok: Type.Literal(false),
      type: Type.Literal('error'),
      action: Type.Literal(action),
      data: Type.Null(),
      message: Type.String({ description: 'What went wrong, naming the field or resource at fault, and how to fix it.' }),
      meta: Type.Null(),
    }),
    render: ({ message, details }) => ({
      ok: false,
      type: 'error',
      action,
      data: null,
      message: details === undefined ? message : `${message} (${details})`,
      meta: null,
    }),
  };
}

/** Errors of the result route and of paths under /api no route matches. */
export const serviceApiEnvelope = envelopeWithAction('service-api', 'error');
/** Errors of POST /api/v1/{service_id}/ping/ (seed 001: a failed create is ping_failed). */
export const serviceApiCreateEnvelope = envelopeWithAction('service-api-create', 'ping_failed', serviceApiEnvelope.name);

registerEnvelope(serviceApiEnvelope);
registerEnvelope(serviceApiCreateEnvelope);
