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
      description: 'Upgrade to a WebSocket (ws://host:port/v1/live; wss:// with listen.tls). Authenticated by an API key header or the dashboard\'s '
        + 'session cookie (POST /v1/session); an upgrade whose Origin is not the daemon\'s own is refused with 403. '
        + 'Subscribe here with the query parameters, or later with '
        + '{"subscribe": {"monitors": [...], "labels": [{"k": "v"}], "targets": [...], "fleet": "<monitorId>"}} and {"unsubscribe": {...}} messages. '
        + 'A fleet subscription gets {"type":"fleet-index",...} and then one binary frame a second of the targets that changed (docs/live-feed.md). '
        + 'A campaign subscription ({"subscribe": {"campaigns": ["<runId>"]}}) gets {"type":"campaign","topic":"campaign:<id>","t","progress":{"runId","status","step","steps","phase","elapsedMs","currentRate","lossPercent","p99Ms"}}: '
        + 'the current state at once, then about twice a second while the campaign runs, and a last one with phase "finished". '
        + 'Each second, per topic: {"type":"frame","topic","t","targets":[{"t","targetId","monitorId","sent","received","rttP50Ms","rttMaxMs","status"}]}; '
        + 'state changes as {"type":"state","topic","changes":[...]}; bad input as {"type":"error","field","message"} (the connection stays open). '
        + 'A client holding more than 8 MiB of unsent frames is closed with code 4008 ("slow client: ...").',
      tags: ['monitors'],
      parameters: [
        { name: 'monitors', ...list('monitor ids, comma-separated') },
        { name: 'labels', ...list('k:v pairs, comma-separated: one selector, HOST targets whose labels all match (repeat the parameter for more selectors)') },
        { name: 'targets', ...list('target ids, comma-separated') },
        { name: 'fleet', ...list('monitor ids, comma-separated: the dashboard\'s binary fleet frames of each') },
        { name: 'campaigns', ...list('capacity campaign run ids, comma-separated: their progress (topic campaign:<id>)') },
      ],
      responses: {
        101: { description: 'Switching Protocols: the WebSocket is open and subscribed' },
        400: { description: 'A malformed or unknown monitor or target id, a malformed label pair or an unknown query parameter (the message names it).', ...refError },
        401: { description: 'Missing, unknown or revoked API key.', ...refError },
        403: { description: `The API key lacks the scope ${SCOPE}, or the Origin header names another site.`, ...refError },
        429: { description: 'Per-key rate limit exceeded; see Retry-After.', ...refError },
      },
      security: [{ bearerAuth: [] }, { apiKeyHeader: [] }, { sessionCookie: [] }],
      'x-required-scope': SCOPE,
    },
  },
};
