import { registerRoute } from '../../router.js';
import { TargetView } from './target-view.js';

registerRoute({ path: '/ui/targets/:id', title: 'Target', view: TargetView });
