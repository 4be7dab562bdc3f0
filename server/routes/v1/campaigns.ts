// /v1/campaigns: capacity-planning campaigns on the daemon's engine (engine/capacity/,
// docs/capacity.md). POST a spec (JSON or YAML) to start one; GET its progress and the steps
// measured so far; stop it; delete a stored run. One campaign runs at a time (409 otherwise).
import { Type } from '@sinclair/typebox';
import { CampaignSpecSchema, campaignSummary, type CampaignService, type CampaignStepResult } from '../../../engine/index.js';
import { IdParams } from '../../http/common-schemas.js';
import { notFound } from '../../http/errors.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';
import { CampaignDetailSchema, CampaignRunSchema, CampaignSummarySchema } from './campaign-schemas.js';

/** A spec is small, but `targets.addresses` may list many. */
const SPEC_BODY_LIMIT = 4 * 1024 * 1024;
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];

const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'newest first' })),
}, { additionalProperties: false });

export function stepBody(s: CampaignStepResult): Omit<CampaignStepResult, 'hdr'> & { hdr: string } {
  return { ...s, hdr: Buffer.from(s.hdr).toString('base64') };
}

export function campaignRoutes(campaigns: CampaignService): AnyRoute[] {
  const tags = ['campaigns'];

  const create = defineRoute({
    method: 'post', path: '/v1/campaigns', operationId: 'startCampaign',
    summary: 'Start a campaign from its spec (JSON, or YAML as application/yaml): validated (400 names the field), refused over its safety cap (400 says which cap and how to raise it)',
    tags, scope: 'network:write', rawBodyTypes: YAML_TYPES, bodyDoc: CampaignSpecSchema, bodyLimit: SPEC_BODY_LIMIT,
    responses: {
      201: { description: 'The run, stored as running; follow it at GET /v1/campaigns/{id} or on /v1/live (topic campaign:<id>)', schema: CampaignRunSchema },
      409: { description: 'Another campaign is running (one at a time)' },
      503: { description: 'This daemon has no probe engine, or is shutting down' },
    },
    handler: ({ rawBody }) => {
      const run = campaigns.start((rawBody ?? Buffer.alloc(0)).toString('utf8'));
      return { status: 201, body: run, headers: { Location: `/v1/campaigns/${run.id}` } };
    },
  });

  const list = defineRoute({
    method: 'get', path: '/v1/campaigns', operationId: 'listCampaigns', summary: 'The stored campaign runs, newest first', tags,
    scope: 'network:read', query: ListQuery,
    responses: { 200: { description: 'The runs, summed up (GET /v1/campaigns/{id} has the whole record)', schema: Type.Object({ items: Type.Array(CampaignSummarySchema) }) } },
    handler: ({ query }) => ({ status: 200, body: { items: campaigns.summaries(query.limit ?? 100) } }),
  });

  const get = defineRoute({
    method: 'get', path: '/v1/campaigns/{id}', operationId: 'getCampaign',
    summary: 'One run: its record, its summary as GET /v1/campaigns lists it, its progress while it runs (step i of n, current rate, loss, p99) and the steps measured so far', tags,
    scope: 'network:read', params: IdParams,
    responses: { 200: { description: 'The run', schema: CampaignDetailSchema }, 404: { description: 'No such campaign run' } },
    handler: ({ params }) => {
      const stored = campaigns.get(params.id);
      if (stored === null) throw notFound(`no campaign run ${params.id}`, 'list the runs with GET /v1/campaigns');
      return { status: 200, body: { run: stored.run, summary: campaignSummary(stored.run, stored.steps.length), progress: campaigns.progress(params.id), steps: stored.steps.map(stepBody) } };
    },
  });

  const stop = defineRoute({
    method: 'post', path: '/v1/campaigns/{id}/stop', operationId: 'stopCampaign',
    summary: 'Stop a running campaign mid-step: the run is stored as stopped with what it measured (the partial step included)', tags,
    scope: 'network:write', params: IdParams,
    responses: {
      200: { description: 'The stopped run', schema: CampaignRunSchema },
      404: { description: 'No such campaign run' },
      409: { description: 'The run is not running in this daemon' },
    },
    handler: async ({ params }) => ({ status: 200, body: await campaigns.stop(params.id) }),
  });

  const remove = defineRoute({
    method: 'delete', path: '/v1/campaigns/{id}', operationId: 'deleteCampaign', summary: 'Delete a stored run and its steps (a running one is stopped first)', tags,
    scope: 'network:write', params: IdParams,
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such campaign run' }, 409: { description: 'The run is in progress in another process' } },
    handler: async ({ params }) => {
      if (!(await campaigns.delete(params.id))) throw notFound(`no campaign run ${params.id}`, 'list the runs with GET /v1/campaigns');
      return { status: 204 };
    },
  });

  return [create, list, get, stop, remove];
}
