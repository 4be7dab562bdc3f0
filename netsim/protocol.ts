// Messages between startNetsim() (main thread) and the simulator's worker thread.
import type { HostProfile } from './profile.js';
import type { ResponderOptions } from './responder.js';

export interface WorkerInit {
  /** /run/netns/NAME: the TUN device is created inside it. */
  netns: string;
  tunName: string;
  responder: ResponderOptions;
}

export type WorkerRequest =
  | { id: number; op: 'start' }
  | { id: number; op: 'setRule'; key: string; profile: HostProfile | null }
  | { id: number; op: 'setDefault'; profile: HostProfile | null }
  | { id: number; op: 'stats'; reset: boolean }
  | { id: number; op: 'stop' };

export type WorkerMessage =
  | { type: 'ready'; tunName: string }
  | { type: 'failed'; message: string; field?: string }
  | { type: 'reply'; id: number; ok: true; result?: unknown }
  | { type: 'reply'; id: number; ok: false; message: string; field?: string };
