// GET /v1/campaigns/{id}/report.html: a stored campaign's report, the same self-contained page
// `sonde capacity report --html` writes, for the dashboard (session cookie or API key). The
// page's inline script and style are admitted by hash (its own CSP, not the dashboard's
// default-src 'self'); frame-ancestors 'self' lets the dashboard show it in a frame.
// Not mounted yet: it takes the campaign store's lookup, which lands with `sonde capacity run`.
import { renderReportHtml, toReportRun, type CampaignRun, type CampaignStepResult } from '../../../engine/index.js';
import { IdParams } from '../../http/common-schemas.js';
import { notFound } from '../../http/errors.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';

export type LoadCampaign = (id: string) => { run: CampaignRun; steps: CampaignStepResult[] } | null;

export function campaignReportRoutes(load: LoadCampaign): AnyRoute[] {
  const report = defineRoute({
    method: 'get', path: '/v1/campaigns/{id}/report.html', operationId: 'getCampaignReport',
    summary: 'A stored campaign run\'s report: one self-contained HTML page with its charts and step table', tags: ['campaigns'],
    scope: 'network:read', params: IdParams,
    responses: { 200: { description: 'The report page', contentType: 'text/html' }, 404: { description: 'No such campaign run' } },
    handler: ({ params }) => {
      const stored = load(params.id);
      if (stored === null) throw notFound(`no campaign run ${params.id}`, 'list the runs with GET /v1/campaigns');
      const page = renderReportHtml(toReportRun(stored.run, stored.steps));
      return {
        status: 200, body: page.html, contentType: 'text/html; charset=utf-8',
        headers: { 'Content-Security-Policy': page.csp, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' },
      };
    },
  });
  return [report];
}
