// Messages the shell shows above every view (API errors, lost connection): a failed request
// is a visible sentence, never a blank page.
import { createStore } from './store.js';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export const notices = createStore<readonly Notice[]>([]);
let nextId = 1;

/** Shows `text`; the same text twice in a row shows once. Returns the notice's id. */
export function notify(text: string, kind: Notice['kind'] = 'error'): number {
  const current = notices.get();
  const same = current.find((n) => n.text === text && n.kind === kind);
  if (same !== undefined) return same.id;
  const id = nextId++;
  notices.set([...current.slice(-4), { id, kind, text }]);
  return id;
}

export function dismiss(id: number): void {
  notices.set(notices.get().filter((n) => n.id !== id));
}

export function clearNotices(): void {
  notices.set([]);
}
