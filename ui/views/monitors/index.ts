import { registerRoute } from '../../router.js';
import { MonitorEditor } from './monitor-editor.js';
import { MonitorsView } from './monitors-view.js';

registerRoute({ path: '/ui/monitors', title: 'Monitors', view: MonitorsView, nav: { label: 'Monitors', order: 10 } });
registerRoute({ path: '/ui/monitors/new', title: 'New monitor', view: MonitorEditor });
registerRoute({ path: '/ui/monitors/:id', title: 'Monitor', view: MonitorEditor });
