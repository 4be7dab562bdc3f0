// The fleet view's state in the query string: ?monitor=&q=&label=&kind=&status=&sort=&palette=&color=
import { parseLabelSelector, type FleetFilter, type SortBy } from './fleet-order.js';
import { STATUS_NAMES, type ColourBy, type PaletteName } from './palette.js';

export interface FleetQuery {
  monitor: string | null;
  text: string;
  label: string;
  kind: string;
  /** Status names shown; empty = all. */
  statuses: string[];
  sort: SortBy;
  palette: PaletteName;
  colourBy: ColourBy;
}

export function readFleetQuery(q: URLSearchParams): FleetQuery {
  const sort = q.get('sort');
  return {
    monitor: q.get('monitor'),
    text: q.get('q') ?? '',
    label: q.get('label') ?? '',
    kind: q.get('kind') ?? '',
    statuses: (q.get('status') ?? '').split(',').filter((s) => (STATUS_NAMES as readonly string[]).includes(s)),
    sort: sort === 'loss' || sort === 'rtt' ? sort : 'name',
    palette: q.get('palette') === 'cb' ? 'cb' : 'smokeping',
    colourBy: q.get('color') === 'loss' ? 'loss' : 'status',
  };
}

export function toFilter(f: FleetQuery): FleetFilter {
  let mask = 0;
  for (const s of f.statuses) mask |= 1 << STATUS_NAMES.indexOf(s as (typeof STATUS_NAMES)[number]);
  return { text: f.text.trim().toLowerCase(), labels: parseLabelSelector(f.label), kind: f.kind, statusMask: mask, sort: f.sort };
}
