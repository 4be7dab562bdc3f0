// Contract A, the node API (osapi; seeds 000 and 003): ping and command exec on the agents a
// `{hostname}` selector picks, and the jobs behind them. Errors: { error, details, code }.
import { INTERRUPTED, submitExec, submitNodePing, type JobRecord, type Sonde } from '../../../engine/index.js';
import { HttpError, notFound } from '../../http/errors.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';
import { osapiEnvelope } from './envelope.js';
import { ExecBody, ExecResponse, HostnameParams, JobDetail, JobIdParams, JobList, JobListQuery, PingBody, PingResponse } from './schemas.js';
import { execItem, itemsOf, jobDetail, pingItem } from './wire.js';

export function nodeApiRoutes(sonde: Sonde): AnyRoute[] {
  const envelope = osapiEnvelope.name;
  const ping = defineRoute({
    method: 'post', path: '/node/{hostname}/network/ping', operationId: 'nodePing', tags: ['node'], envelope,
    summary: 'Ping an address from the selected agents and wait for the result',
    scope: 'network:write', params: HostnameParams, body: PingBody,
    responses: { 200: { description: 'Successful ping response, one item per agent, ordered by hostname.', schema: PingResponse } },
    handler: async ({ params, body, key }) => {
      const { done } = submitNodePing(sonde, {
        selector: params.hostname, address: body.address, count: body.count, intervalMs: body.interval_ms,
        timeoutMs: body.timeout_ms, size: body.size, keyId: key?.id ?? null,
      });
      const job = failIfInterrupted(await done, 'Error executing ping');
      return { status: 200, body: { job_id: job.id, results: itemsOf(job, pingItem) } };
    },
  });
  const exec = defineRoute({
    method: 'post', path: '/node/{hostname}/command/exec', operationId: 'nodeCommandExec', tags: ['node'], envelope,
    summary: 'Run an allowlisted command (no shell) on the selected agents and wait for it',
    scope: 'command:execute', params: HostnameParams, body: ExecBody,
    responses: {
      202: { description: 'Command execution accepted; one item per agent, ordered by hostname.', schema: ExecResponse },
      403: { description: 'The command is not on an agent\'s exec allowlist (the message says how to allow it), or the key lacks command:execute.' },
    },
    handler: async ({ params, body, key }) => {
      const { done } = submitExec(sonde, {
        selector: params.hostname, command: body.command, args: body.args, cwd: body.cwd, timeoutS: body.timeout, keyId: key?.id ?? null,
      });
      const job = failIfInterrupted(await done, 'Error executing command');
      return { status: 202, body: { job_id: job.id, results: itemsOf(job, execItem) } };
    },
  });
  const getJob = defineRoute({
    method: 'get', path: '/job/{id}', operationId: 'nodeGetJob', tags: ['node'], envelope,
    summary: 'A job with its status, operation, timestamps and per-agent results',
    scope: 'job:read', params: JobIdParams,
    responses: { 200: { description: 'The job', schema: JobDetail }, 404: { description: 'No such job' } },
    handler: ({ params }) => {
      const job = sonde.jobs.get(params.id);
      if (job === null) throw notFound(`job ${params.id} not found`, 'jobs are kept for jobs.retentionDays after they finish');
      return { status: 200, body: jobDetail(job) };
    },
  });
  const listJobs = defineRoute({
    method: 'get', path: '/job', operationId: 'nodeListJobs', tags: ['node'], envelope,
    summary: 'Jobs, newest first, optionally filtered by status',
    scope: 'job:read', query: JobListQuery,
    responses: { 200: { description: 'A page of jobs', schema: JobList } },
    handler: ({ query }) => {
      const page = sonde.jobs.list({ status: query.status, limit: query.limit, offset: query.offset });
      return { status: 200, body: { total_items: page.total, items: page.items.map(jobDetail) } };
    },
  });
  return [ping, exec, getJob, listJobs];
}

/**
 * A job the daemon's stop interrupted did not run to its end: the seed's answer for that is its
 * 500 ("Error executing command."), not a result whose items merely say "cancelled".
 */
function failIfInterrupted(job: JobRecord, what: string): JobRecord {
  if (job.status === 'failed' && job.error === INTERRUPTED) {
    throw new HttpError(500, `${what}: job ${job.id} was interrupted because the daemon is stopping`,
      `${INTERRUPTED}: GET /job/${job.id} reads it failed; run it again once the daemon is back`);
  }
  return job;
}
