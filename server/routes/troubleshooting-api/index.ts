// Contract C, the troubleshooting API (HPE GreenLake network-troubleshooting/v1alpha1; seed
// 004): POST a test for a device → 202 with a location → GET the async operation until it is
// COMPLETED or FAILED. The device is an agent, named by its serial number.
import type { Agent, AgentRegistry, DiagnosticTasks } from '../../../engine/index.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';
import { hpeError, troubleshootingEnvelope } from './envelope.js';
import { BODIES, CreateResponse, ResultResponse, SerialParams, TaskParams, TESTS, type TestName } from './schemas.js';
import { testFor, type TestBody } from './tests.js';
import { asyncOperation, BASE_PATH, locationOf } from './wire.js';
import { formatRfc3339Nano } from '../../format/rfc3339-nano.js';

export const operationOf = (test: TestName): string => `troubleshooting.${test}`;

export function troubleshootingApiRoutes(agents: AgentRegistry, tasks: DiagnosticTasks): AnyRoute[] {
  const envelope = troubleshootingEnvelope.name;

  const deviceBySerial = (serial: string): Agent => {
    const agent = agents.getBySerial(serial);
    if (agent === null) throw hpeError(404, 'HPE_GRAVITY_DEVICE_NOT_FOUND', `Device not found: ${serial}`);
    return agent;
  };

  return TESTS.flatMap((test) => {
    const tags = ['troubleshooting'];
    const create = defineRoute({
      method: 'post', path: `${BASE_PATH}/aps/{serial}/${test}`, operationId: `troubleshooting_${test}_start`, tags, envelope,
      summary: `Start a ${test} test on the device (agent) with this serial; poll the returned location`,
      scope: 'network:write', params: SerialParams, body: BODIES[test],
      responses: {
        202: { description: 'The test started', schema: CreateResponse },
        404: { description: 'HPE_GRAVITY_DEVICE_NOT_FOUND' },
        409: { description: 'HPE_GRAVITY_DEVICE_OFFLINE' },
      },
      handler: async ({ params, body, key }) => {
        const agent = deviceBySerial(params.serial);
        if (!agent.healthy()) {
          throw hpeError(409, 'HPE_GRAVITY_DEVICE_OFFLINE', `Device offline: ${params.serial} (agent ${agent.hostname} is not taking work now; retry later)`);
        }
        const { test: diagnostic, includeRawOutput } = testFor(test, body as TestBody);
        const task = await tasks.create({ operation: operationOf(test), test: diagnostic, agent, context: { includeRawOutput }, keyId: key?.id ?? null });
        return {
          status: 202,
          body: { location: locationOf(params.serial, test, task.id), status: 'INITIATED', startTime: formatRfc3339Nano(task.createdAtUnixNs) },
        };
      },
    });
    const result = defineRoute({
      method: 'get', path: `${BASE_PATH}/aps/{serial}/${test}/async-operations/{taskId}`, operationId: `troubleshooting_${test}_result`, tags, envelope,
      summary: `Status and results of a ${test} test`,
      scope: 'job:read', params: TaskParams,
      responses: {
        200: { description: 'The test\'s status, progress and, once finished, its results', schema: ResultResponse },
        404: { description: 'HPE_GRAVITY_DEVICE_NOT_FOUND or HPE_GRAVITY_TASK_NOT_FOUND' },
      },
      handler: ({ params }) => {
        deviceBySerial(params.serial);
        const task = tasks.get(params.taskId);
        if (task === null || task.operation !== operationOf(test) || task.agentSerial !== params.serial) {
          throw hpeError(404, 'HPE_GRAVITY_TASK_NOT_FOUND', `Async operation task not found: ${params.taskId}`);
        }
        return { status: 200, body: asyncOperation(test, task) };
      },
    });
    return [create, result];
  });
}
