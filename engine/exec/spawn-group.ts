// Starts a command through the native spawn, so that it dies with the daemon (the child sets
// PR_SET_PDEATHSIG before exec), in a session and process group of its own (pgid = pid),
// with stdin on /dev/null. Gives it the few parts of a ChildProcess that run-command uses:
// pid, stdout/stderr streams, 'exit' (code, signal) and then 'close' once both streams ended.

import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import type { NativeBinding, SpawnedProcess } from '../../native-bindings/types.js';
import { EXEC_PATH } from './environment.js';

export interface GroupChild extends EventEmitter {
  /** Also the process group id. */
  readonly pid: number;
  readonly stdout: Socket;
  readonly stderr: Socket;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'close', listener: () => void): this;
}

export interface SpawnGroupOptions {
  cwd?: string;
  env: Record<string, string>;
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

// Loaded on the first command: CLI commands that never exec do not need the addon.
let nativeBinding: Promise<NativeBinding> | null = null;
function loadNative(): Promise<NativeBinding> {
  nativeBinding ??= import('../../native-bindings/index.js').then((m) => m.native);
  return nativeBinding;
}

class NativeGroupChild extends EventEmitter implements GroupChild {
  readonly pid: number;
  readonly stdout: Socket;
  readonly stderr: Socket;
  private open = 3; // the exit and both streams

  constructor(process: SpawnedProcess) {
    super();
    this.pid = process.pid;
    this.stdout = new Socket({ fd: process.stdoutFd, readable: true, writable: false });
    this.stderr = new Socket({ fd: process.stderrFd, readable: true, writable: false });
    for (const stream of [this.stdout, this.stderr]) {
      // A read error ends the stream like EOF: what was read is kept.
      stream.on('error', () => stream.destroy());
      stream.once('close', () => this.oneClosed());
    }
    process.startPolling(() => {
      const status = process.reap();
      if (status === null) return; // woken without an exit: keep waiting
      this.emit('exit', status.exitCode, status.signal === null ? null : (SIGNAL_NAMES.get(status.signal) ?? null));
      this.oneClosed();
    });
  }

  private oneClosed(): void {
    if (--this.open === 0) this.emit('close');
  }
}

/** Throws the native Error (code 'ENOENT', 'EACCES', ...; syscall 'execve' or 'chdir') when the command cannot start. */
export async function spawnGroup(command: string, args: readonly string[], options: SpawnGroupOptions): Promise<GroupChild> {
  const native = await loadNative();
  const process = native.spawnProcess({
    file: command,
    args,
    env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`),
    searchPath: options.env.PATH ?? EXEC_PATH,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  return new NativeGroupChild(process);
}
