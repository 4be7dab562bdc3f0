// Messages between the monitor runtime (main thread) and the window writer's thread.
import type { WindowColumns } from './window-table.js';

/** What the writer's thread does besides writing windows. */
export interface WriterSettings {
  windowMs: number;
  rollupMs: number;
  rawRetentionMs: number;
  rollupRetentionMs: number;
}

export interface WriterInit {
  dbPath: string;
  settings: WriterSettings;
}

export type ToWriter =
  /** A sealed window of one monitor: row r is target rowSeq[r]. */
  | { type: 'window'; id: number; monitorSeq: number; spanMs: number; rowSeq: Float64Array; columns: WindowColumns }
  /** Every window before untilMs has been handed over (rollups may cover it). */
  | { type: 'ready'; untilMs: number }
  /** Answer 'flushed' once everything handed over before this is written. */
  | { type: 'flush'; id: number }
  /** Write what is queued, close the connection and end the thread. */
  | { type: 'close' };

export type FromWriter =
  | { type: 'written'; id: number }
  | { type: 'flushed'; id: number }
  | { type: 'error'; message: string };
