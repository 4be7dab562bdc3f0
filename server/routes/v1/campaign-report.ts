// GET /v1/campaigns/{id}/report.html|.json|.csv: a stored campaign's report, the same files
// `sonde capacity report --html|--json|--csv` writes. The HTML page (for the dashboard: session
// cookie or API key) admits its inline script and style by hash (its own CSP, not the
// dashboard's default-src 'self'); frame-ancestors 'self' lets the dashboard show it in a frame.
import { renderReportHtml, reportCsv, storedRunJson, toReportRun, type CampaignRun, type CampaignStepResult } from '../../../engine/index.js';
import { IdParams } from '../../http/common-schemas.js';
import { notFound } from '../../http/errors.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';

export type LoadCampaign = (id: string) => { run: CampaignRun; steps: CampaignStepResult[] } | null;

const PRIVATE = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };

export function campaignReportRoutes(load: LoadCampaign): AnyRoute[] {
  const tags = ['campaigns'];
  const stored = (id: string): { run: CampaignRun; steps: CampaignStepResult[] } => {
    const found = load(id);
    if (found === null) throw notFound(`no campaign run ${id}`, 'list the runs with GET /v1/campaigns');
    return found;
  };

  const html = defineRoute({
    method: 'get', path: '/v1/campaigns/{id}/report.html', operationId: 'getCampaignReport',
    summary: 'A stored campaign run\'s report: one self-contained HTML page with its charts and step table', tags,
    scope: 'network:read', params: IdParams,
    responses: { 200: { description: 'The report page', contentType: 'text/html' }, 404: { description: 'No such campaign run' } },
    handler: ({ params }) => {
      const { run, steps } = stored(params.id);
      const page = renderReportHtml(toReportRun(run, steps));
      return {
        status: 200, body: page.html, contentType: 'text/html; charset=utf-8',
        headers: { 'Content-Security-Policy': page.csp, ...PRIVATE, 'Referrer-Policy': 'no-referrer' },
      };
    },
  });

  const json = defineRoute({
    method: 'get', path: '/v1/campaigns/{id}/report.json', operationId: 'getCampaignReportJson',
    summary: 'A stored campaign run exported as stored: {run, steps}, each step\'s histogram base64 (what sonde capacity report --json writes)', tags,
    scope: 'network:read', params: IdParams,
    responses: { 200: { description: 'The export', contentType: 'application/json' }, 404: { description: 'No such campaign run' } },
    handler: ({ params }) => {
      const { run, steps } = stored(params.id);
      return { status: 200, body: Buffer.from(storedRunJson(run, steps)), contentType: 'application/json', headers: PRIVATE };
    },
  });

  const csv = defineRoute({
    method: 'get', path: '/v1/campaigns/{id}/report.csv', operationId: 'getCampaignReportCsv',
    summary: 'A stored campaign run\'s steps as CSV, one row per step with its RTT buckets (what sonde capacity report --csv writes)', tags,
    scope: 'network:read', params: IdParams,
    responses: { 200: { description: 'The CSV', contentType: 'text/csv' }, 404: { description: 'No such campaign run' } },
    handler: ({ params }) => {
      const { run, steps } = stored(params.id);
      return { status: 200, body: reportCsv(toReportRun(run, steps)), contentType: 'text/csv; charset=utf-8', headers: PRIVATE };
    },
  });

  return [html, json, csv];
}
