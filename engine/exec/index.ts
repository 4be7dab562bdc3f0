// Command execution on agents (engine side of POST /node/{hostname}/command/exec).
export type { ExecAgent, ExecPolicy, ExecRequest, ExecResult } from './types.js';
export { canExec } from './types.js';
export { EXEC_PATH, EXEC_ENV_PASSTHROUGH, scrubbedEnvironment } from './environment.js';
export { DEFAULT_MAX_OUTPUT_BYTES, execRefusal } from './policy.js';
export { runCommand, type RunCommandOptions } from './run-command.js';
export { SqliteExecGroups, type ExecGroupLedger, type LeftoverSweep } from './exec-groups.js';
export { EXEC_TIMEOUT_DEFAULT_S, EXEC_TIMEOUT_MAX_S, validateExecRequest, type ExecInput } from './validate.js';
export { EXEC_OPERATION, submitExec, type ExecJobRequest } from './submit-exec.js';
