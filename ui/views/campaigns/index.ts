import { registerRoute } from '../../router.js';
import { CampaignView } from './campaign-view.js';
import { CampaignsView } from './campaigns-view.js';

registerRoute({ path: '/ui/campaigns', title: 'Campaigns', view: CampaignsView, nav: { label: 'Campaigns', order: 25 } });
registerRoute({ path: '/ui/campaigns/:id', title: 'Campaign', view: CampaignView });
