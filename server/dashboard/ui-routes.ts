// GET/HEAD / (→ 302 /ui/) and /ui/* on the uWS app: the dashboard's static files from
// memory (static-ui.ts). Not RouteSpecs: no auth (the page signs in through /v1/session),
// no JSON, and not part of the API's OpenAPI document.
import type { HttpResponse, TemplatedApp } from '../uws.js';
import { SECURITY_HEADERS, type StaticUi, type UiAnswer } from './static-ui.js';

function send(res: HttpResponse, answer: UiAnswer, head: boolean): void {
  res.cork(() => {
    res.writeStatus(answer.status === 200 ? '200 OK' : answer.status === 302 ? '302 Found' : answer.status === 404 ? '404 Not Found' : '503 Service Unavailable');
    for (const k in answer.headers) res.writeHeader(k, answer.headers[k]);
    // endWithoutBody(length) does not count as an answer in this uWS build: the length is a header
    if (head) {
      res.writeHeader('Content-Length', String(Buffer.byteLength(answer.body)));
      res.endWithoutBody();
    } else res.end(answer.body);
  });
}

const REDIRECT: UiAnswer = { status: 302, headers: { ...SECURITY_HEADERS, Location: '/ui/', 'Cache-Control': 'no-cache' }, body: '' };

export function mountUi(app: TemplatedApp, ui: StaticUi): void {
  const serve = (head: boolean) => (res: HttpResponse, req: { getUrl(): string; getHeader(name: string): string }): void => {
    send(res, ui.answer(req.getUrl(), req.getHeader('accept-encoding')), head);
  };
  const redirect = (head: boolean) => (res: HttpResponse): void => send(res, REDIRECT, head);
  app.get('/', redirect(false));
  app.head('/', redirect(true));
  for (const pattern of ['/ui', '/ui/*']) {
    app.get(pattern, serve(false));
    app.head(pattern, serve(true));
  }
}
