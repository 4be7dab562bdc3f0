import { registerRoute } from '../../router.js';
import { EventsView } from './events-view.js';

registerRoute({ path: '/ui/events', title: 'Events', view: EventsView, nav: { label: 'Events', order: 20 } });
