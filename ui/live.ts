// The dashboard's /v1/live connection: same-origin WebSocket (the session cookie authenticates
// it), one subscription per caller, reconnecting with backoff. Binary messages go to the
// caller as ArrayBuffers (the fleet frames), text ones as parsed JSON.
import { loadSession } from './api.js';
import { createStore } from './store.js';

/** The close code /v1/live sends when the feed's session ends (signed out, expired, key revoked). */
const SESSION_ENDED = 4001;

/** idle: no view subscribes; closed: a subscription lost its connection (reconnecting). */
export type LiveState = 'idle' | 'connecting' | 'open' | 'closed';
export const liveState = createStore<LiveState>('idle');

export interface LiveHandlers {
  onJson(message: Record<string, unknown>): void;
  onBinary(data: ArrayBuffer): void;
  /** Called on every (re)connect before messages arrive. */
  onOpen?(): void;
}

/** Subscribes with `subscribe` (e.g. {fleet: id} or {targets: [id]}); returns a function that closes it. */
export function openLive(subscribe: Record<string, string | readonly string[]>, handlers: LiveHandlers): () => void {
  let ws: WebSocket | null = null;
  let closed = false;
  let delay = 500;
  let timer: number | undefined;

  const connect = () => {
    if (closed) return;
    liveState.set('connecting');
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${proto}//${window.location.host}/v1/live`);
    socket.binaryType = 'arraybuffer';
    ws = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      delay = 500;
      liveState.set('open');
      handlers.onOpen?.();
      socket.send(JSON.stringify({ subscribe }));
    };
    socket.onmessage = (e: MessageEvent<ArrayBuffer | string>) => {
      if (typeof e.data === 'string') {
        let msg: unknown;
        try {
          msg = JSON.parse(e.data);
        } catch {
          return;
        }
        if (msg !== null && typeof msg === 'object') handlers.onJson(msg as Record<string, unknown>);
      } else {
        handlers.onBinary(e.data);
      }
    };
    socket.onclose = (e: CloseEvent) => {
      ws = null;
      if (closed) return;
      liveState.set('closed');
      // An upgrade refused before open, or close code 4001 (the session ended), may mean no
      // session any more: re-read it (a 401 shows the sign-in page).
      if (!opened || e.code === SESSION_ENDED) void loadSession().catch(() => undefined);
      timer = window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };
  connect();
  return () => {
    closed = true;
    window.clearTimeout(timer);
    ws?.close();
    liveState.set('idle');
  };
}
