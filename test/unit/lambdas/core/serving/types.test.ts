import { CallAbort, platformSignal } from '../../../../../lambdas/core/serving/types';

describe('CallAbort', () => {
  test('GIVEN listeners WHEN aborted twice THEN each runs once, in order, and aborted stays true', () => {
    const a = new CallAbort();
    const seen: string[] = [];
    a.addEventListener('abort', () => seen.push('first'));
    a.addEventListener('abort', () => seen.push('second'));
    expect(a.aborted).toBe(false);
    a.abort();
    a.abort();
    expect(a.aborted).toBe(true);
    expect(seen).toEqual(['first', 'second']);
  });

  test('GIVEN a removed listener and one added after the abort WHEN aborted THEN neither runs', () => {
    const a = new CallAbort();
    const removed = jest.fn();
    a.addEventListener('abort', removed);
    a.removeEventListener('abort', removed);
    // Removing one that was never added is a no-op.
    a.removeEventListener('abort', jest.fn());
    a.abort();
    const late = jest.fn();
    a.addEventListener('abort', late);
    a.abort();
    expect(removed).not.toHaveBeenCalled();
    expect(late).not.toHaveBeenCalled();
  });

  test('GIVEN the same listener added twice WHEN aborted THEN it runs once, and one removal removes it', () => {
    // As on an EventTarget: a listener is registered once however often it is added.
    const a = new CallAbort();
    const l = jest.fn();
    a.addEventListener('abort', l);
    a.addEventListener('abort', l);
    a.abort();
    expect(l).toHaveBeenCalledTimes(1);
    const b = new CallAbort();
    b.addEventListener('abort', l);
    b.addEventListener('abort', l);
    b.removeEventListener('abort', l);
    b.abort();
    expect(l).toHaveBeenCalledTimes(1);
  });
});

describe('platformSignal', () => {
  test('GIVEN a platform AbortSignal THEN it is returned as is', () => {
    const c = new AbortController();
    expect(platformSignal(c.signal)).toBe(c.signal);
  });

  test('GIVEN a CallAbort WHEN it is aborted later THEN the platform signal aborts with it', () => {
    const a = new CallAbort();
    const s = platformSignal(a);
    const onAbort = jest.fn();
    s.addEventListener('abort', onAbort);
    expect(s.aborted).toBe(false);
    a.abort();
    expect(s.aborted).toBe(true);
    expect(onAbort).toHaveBeenCalledTimes(1);
  });

  test('GIVEN a CallAbort already aborted THEN the platform signal starts aborted', () => {
    const a = new CallAbort();
    a.abort();
    expect(platformSignal(a).aborted).toBe(true);
  });
});
