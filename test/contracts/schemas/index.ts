// Response schemas of every route of docs/contracts.md A–D, by name, and a validator for the
// contract tests: `expectContract('A.ping.200', body)` style helpers live in the tests;
// this module only compiles and reports.

import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { JobDetailResponse, JobListResponse, NodeApiError, NodeExecResponse, NodePingResponse } from './node-api.js';
import { PingResult, PingStreamApiError, PingStreamClose, PingStreamEvent } from './ping-stream-api.js';
import { ServiceApiCreateError, ServiceApiError, ServicePingCreateResponse, ServicePingResultResponse } from './service-api.js';
import { TEST_KINDS, TroubleshootingApiError, TroubleshootingCreateResponse, TroubleshootingResultResponse } from './troubleshooting-api.js';

export * from './common.js';
export * from './node-api.js';
export * from './service-api.js';
export * from './troubleshooting-api.js';
export * from './ping-stream-api.js';

/** Route → schema of its response body. Names: <contract>.<route>.<status or "error">. */
export const CONTRACT_SCHEMAS: Record<string, TSchema> = {
  // A. POST /node/{hostname}/network/ping, POST /node/{hostname}/command/exec, GET /job/{id}, GET /job
  'A.ping.200': NodePingResponse,
  'A.exec.202': NodeExecResponse,
  'A.job.200': JobDetailResponse,
  'A.jobs.200': JobListResponse,
  'A.error': NodeApiError,
  // B. POST /api/v1/{service_id}/ping/, GET /api/v1/ping/{task_id}/
  'B.create.200': ServicePingCreateResponse,
  'B.result.200': ServicePingResultResponse,
  'B.error': ServiceApiError,
  'B.create.error': ServiceApiCreateError,
  // C. POST …/aps/{serial}/{test}, GET …/aps/{serial}/{test}/async-operations/{taskId}
  ...Object.fromEntries(TEST_KINDS.flatMap((kind) => [
    [`C.${kind}.create.202`, TroubleshootingCreateResponse(kind)],
    [`C.${kind}.result.200`, TroubleshootingResultResponse(kind)],
  ])),
  'C.error': TroubleshootingApiError,
  // D. POST /v1/ping:stream (each NDJSON line / SSE item; the SSE close frame), POST /v1/ping:once
  'D.stream.event': PingStreamEvent,
  'D.stream.close': PingStreamClose,
  'D.once.200': PingResult,
  'D.error': PingStreamApiError,
};

export type ContractSchemaName = keyof typeof CONTRACT_SCHEMAS;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(name: string): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    const schema = CONTRACT_SCHEMAS[name];
    if (!schema) throw new Error(`no contract schema named ${JSON.stringify(name)}; known: ${Object.keys(CONTRACT_SCHEMAS).join(', ')}`);
    validate = ajv.compile(schema);
    compiled.set(name, validate);
  }
  return validate;
}

/** Validates a parsed response body; returns [] when it conforms, else readable error lines. */
export function contractErrors(name: string, body: unknown): string[] {
  const validate = validatorFor(name);
  if (validate(body)) return [];
  return (validate.errors ?? []).map(describe);
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(body)' : error.instancePath;
  const extra = error.keyword === 'additionalProperties' ? ` "${String(error.params['additionalProperty'])}"` : '';
  return `${where} ${error.message ?? error.keyword}${extra}`;
}
