// /v1/live in /openapi.json: the WebSocket upgrade is not a RouteSpec (uWS serves it with
// app.ws), so its operation is written here, next to the feed it describes.
const SCOPE = 'network:read';
const refError = { content: { 'application/json': { schema: { $ref: '#/components/schemas/NativeError' } } } };
const list = (description: string) => ({ in: 'query', required: false, description, schema: { type: 'string' } });

export const LIVE_OPENAPI_PATHS = {
  '/v1/live': {
    get: {
      operationId: 'liveFeed',
      summary: 'WebSocket live feed of monitored targets: one frame per subscribed topic per second',
      description: 'Upgrade to a WebSocket (ws://host:port/v1/live). Subscribe here with the query parameters, or later with '
        + '{"subscribe": {"monitors": [...], "labels": [{"k": "v"}], "targets": [...]}} and {"unsubscribe": {...}} messages. '
        + 'Each second, per topic: {"type":"frame","topic","t","targets":[{"t","targetId","monitorId","sent","received","rttP50Ms","rttMaxMs","status"}]}; '
        + 'state changes as {"type":"state","topic","changes":[...]}; bad input as {"type":"error","field","message"} (the connection stays open). '
        + 'A client holding more than 8 MiB of unsent frames is closed with code 4008 ("slow client: ...").',
      tags: ['monitors'],
      parameters: [
        { name: 'monitors', ...list('monitor ids, comma-separated') },
        { name: 'labels', ...list('k:v pairs, comma-separated: one selector, HOST targets whose labels all match (repeat the parameter for more selectors)') },
        { name: 'targets', ...list('target ids, comma-separated') },
      ],
      responses: {
        101: { description: 'Switching Protocols: the WebSocket is open and subscribed' },
        400: { description: 'A malformed or unknown monitor or target id, a malformed label pair or an unknown query parameter (the message names it).', ...refError },
        401: { description: 'Missing, unknown or revoked API key.', ...refError },
        403: { description: `The API key lacks the scope ${SCOPE}.`, ...refError },
        429: { description: 'Per-key rate limit exceeded; see Retry-After.', ...refError },
      },
      security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
      'x-required-scope': SCOPE,
    },
  },
};
