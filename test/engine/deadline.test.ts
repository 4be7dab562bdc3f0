import { describe, expect, it } from 'vitest';
import { armDeadline, settleFirst } from '../../engine/deadline.js';

// The one-shot settle every probe relies on: the first of end / deadline / abort wins,
// resources are released exactly once, and nothing stays armed afterwards.

function options(timeoutMs: number, signal?: AbortSignal) {
  return {
    timeoutMs,
    signal,
    onTimeout: () => 'timeout',
    onAbort: () => 'aborted',
    conclude: (value: string) => `concluded:${value}`,
  };
}

describe('settleFirst', () => {
  it('resolves with the operation end, ignores later settles, releases once', async () => {
    let releases = 0;
    let settleLater: ((value: string) => void) | undefined;
    const result = await settleFirst(options(60_000), (settle) => {
      settleLater = settle;
      setImmediate(() => {
        settle('done');
        settle('again');
      });
      return () => releases++;
    });
    settleLater?.('late');
    expect(result).toBe('concluded:done');
    expect(releases).toBe(1);
  });

  it('settles with onTimeout when the deadline passes first', async () => {
    let releases = 0;
    const result = await settleFirst(options(5), () => () => releases++);
    expect(result).toBe('concluded:timeout');
    expect(releases).toBe(1);
  });

  it('settles with onAbort when the signal aborts first, and unhooks the signal', async () => {
    const controller = new AbortController();
    let releases = 0;
    const pending = settleFirst(options(60_000, controller.signal), () => () => releases++);
    controller.abort();
    expect(await pending).toBe('concluded:aborted');
    expect(releases).toBe(1);
  });

  it('a settle during run releases once run has returned what to release', async () => {
    let releases = 0;
    const result = await settleFirst(options(1), (settle) => {
      settle('sync');
      return () => releases++;
    });
    expect(result).toBe('concluded:sync');
    expect(releases).toBe(1);
  });

  it('rejects when run throws, with nothing armed', async () => {
    await expect(
      settleFirst(options(1), () => {
        throw new Error('bad options');
      }),
    ).rejects.toThrow('bad options');
  });
});

describe('armDeadline', () => {
  it('disarm removes the timer and the abort listener', async () => {
    const controller = new AbortController();
    const fired: string[] = [];
    const disarm = armDeadline(1, controller.signal, () => fired.push('timeout'), () => fired.push('abort'));
    disarm();
    controller.abort();
    // Timers of one duration fire in the order they were set: once this later one has fired,
    // the disarmed one would have fired before it.
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(fired).toEqual([]);
  });

  it('each of timeout and abort fires its own handler', async () => {
    const controller = new AbortController();
    const fired: string[] = [];
    let timedOut!: () => void;
    const timeout = new Promise<void>((resolve) => (timedOut = resolve));
    const onTimeout = (): void => {
      fired.push('timeout');
      timedOut();
    };
    const disarm = armDeadline(1, controller.signal, onTimeout, () => fired.push('abort'));
    await timeout;
    controller.abort();
    disarm();
    expect(fired).toEqual(['timeout', 'abort']);
  });
});
