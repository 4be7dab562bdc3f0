// The JetStream stream that carries sealed windows from agents to the controller, and the
// subject of an agent's windows. Limits discard NEW: a full stream refuses the publish
// (the agent keeps the batch spooled, logs and counts it) instead of silently dropping the
// oldest windows no one has stored yet.
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';

export const WINDOW_STREAM = 'SONDE_WINDOWS';
export const WINDOW_SUBJECT_PREFIX = 'sonde.windows';
/** The controller's durable consumer: it resumes where it stopped after a restart or reconnect. */
export const WINDOW_CONSUMER = 'sonde-controller-windows';

export interface WindowStreamLimits {
  maxBytes: number;
  maxMsgs: number;
  /** How long a republished batch (same message id) is recognised and dropped by the stream. */
  duplicateWindowMs: number;
}

export const DEFAULT_WINDOW_STREAM_LIMITS: WindowStreamLimits = { maxBytes: 1024 * 1024 * 1024, maxMsgs: 1_000_000, duplicateWindowMs: 120_000 };

/**
 * A subject token for an agent's hostname without collisions: hex of its UTF-8 bytes
 * (`web-01` and `web.01` differ; a dot never splits a token).
 */
export function agentToken(agent: string): string {
  return Buffer.from(agent, 'utf8').toString('hex');
}

export function windowSubject(agent: string): string {
  return `${WINDOW_SUBJECT_PREFIX}.${agentToken(agent)}`;
}

/** Creates the stream, or brings an existing one's limits to these (idempotent). */
export async function ensureWindowStream(jsm: JetStreamManager, limits: WindowStreamLimits = DEFAULT_WINDOW_STREAM_LIMITS): Promise<void> {
  const config: Partial<StreamConfig> & { name: string } = {
    name: WINDOW_STREAM,
    subjects: [`${WINDOW_SUBJECT_PREFIX}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_bytes: limits.maxBytes,
    max_msgs: limits.maxMsgs,
    duplicate_window: limits.duplicateWindowMs * 1_000_000,
  };
  try {
    await jsm.streams.info(WINDOW_STREAM);
  } catch {
    await jsm.streams.add(config);
    return;
  }
  await jsm.streams.update(WINDOW_STREAM, config);
}

/** True for the error a discard-new stream answers when a limit refuses the message. */
export function isStreamFull(err: unknown): boolean {
  return err instanceof Error && /maximum (messages|bytes|messages per subject) exceeded/i.test(err.message);
}
