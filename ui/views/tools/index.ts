import { registerRoute } from '../../router.js';
import { ToolsView } from './tools-view.js';

registerRoute({ path: '/ui/tools', title: 'Tools', view: ToolsView, nav: { label: 'Tools', order: 30 } });
