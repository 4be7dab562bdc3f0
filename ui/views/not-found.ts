import { html } from '../html.js';
import { BASE, type RouteProps } from '../router.js';

export function NotFoundView(_props: RouteProps) {
  return html`<section class="view"><h1>Not found</h1><p>No page at ${window.location.pathname}. <a href=${`${BASE}/`}>Go to the fleet view</a>.</p></section>`;
}
