import { registerRoute } from '../../router.js';
import { FleetView } from './fleet-view.js';

registerRoute({ path: '/ui/', title: 'Fleet', view: FleetView, nav: { label: 'Fleet', order: 0 } });
