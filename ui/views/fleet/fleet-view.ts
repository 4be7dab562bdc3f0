import { html } from '../../html.js';
import type { RouteProps } from '../../router.js';

export function FleetView(_props: RouteProps) {
  return html`<section class="view fleet"><h1>Fleet</h1><p>Loading the fleet…</p></section>`;
}
