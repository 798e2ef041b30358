import { RefreshAheadCache } from '../../../../../lambdas/core/util/refresh-ahead-cache';
import { clock } from '../../../../support/clock';

/** A source whose reads the test answers by hand, one pending read per call, in order. */
function heldSource<V>() {
  const pending: Array<{ key: string; resolve: (v: V) => void; reject: (e: unknown) => void }> = [];
  return {
    pending,
    read: (key: string) =>
      new Promise<V>((resolve, reject) => {
        pending.push({ key, resolve, reject });
      }),
    /** Answers the oldest pending read. */
    answer(value: V) {
      const next = pending.shift();
      if (!next) throw new Error('no read pending');
      next.resolve(value);
    },
    fail(error: unknown) {
      const next = pending.shift();
      if (!next) throw new Error('no read pending');
      next.reject(error);
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));

function setup(ttlMs = 2_000, maxEntries?: number) {
  const c = clock();
  const source = heldSource<string>();
  const failures: unknown[] = [];
  const cache = new RefreshAheadCache<string, string>({
    read: source.read,
    ttlMs,
    now: c.now,
    onBackgroundFailure: (e) => failures.push(e),
    ...(maxEntries === undefined ? {} : { maxEntries }),
  });
  /** Reads `key` through the cache, answering the read it starts (if any) with `value`. */
  const fill = async (key: string, value: string) => {
    const got = cache.get(key);
    source.answer(value);
    return got;
  };
  return { c, source, failures, cache, fill };
}

describe('RefreshAheadCache', () => {
  it('GIVEN a filled entry WHEN asked within its TTL THEN it answers without a read, and reads again once expired', async () => {
    const { c, source, cache, fill } = setup();
    expect(await fill('k', 'v1')).toBe('v1');
    c.advance(1_499);
    expect(await cache.get('k')).toBe('v1');
    expect(source.pending).toHaveLength(0);
    c.advance(501);
    const expired = cache.get('k');
    expect(source.pending).toHaveLength(1);
    source.answer('v2');
    expect(await expired).toBe('v2');
  });

  it('GIVEN an entry in the last quarter of its TTL WHEN asked THEN it answers from the entry and starts exactly one background read', async () => {
    const { c, source, cache, fill } = setup();
    await fill('k', 'v1');
    c.advance(1_500);
    expect(await cache.get('k')).toBe('v1');
    expect(await cache.get('k')).toBe('v1');
    expect(source.pending).toHaveLength(1);
    // WHEN the background read answers THEN its value is served, dated from the read's start (t = 1.5 s)
    source.answer('v2');
    await settle();
    expect(await cache.get('k')).toBe('v2');
    c.advance(1_499);
    expect(await cache.get('k')).toBe('v2');
    expect(source.pending).toHaveLength(0);
    c.advance(1); // 1.5 s after the background read started: the new entry's own refresh point
    expect(await cache.get('k')).toBe('v2');
    expect(source.pending).toHaveLength(1);
  });

  it('GIVEN a slow read WHEN it completes THEN its entry expires TTL after the read started, not after it completed', async () => {
    const { c, source, cache } = setup();
    const first = cache.get('k');
    c.advance(1_900);
    source.answer('v1');
    expect(await first).toBe('v1');
    c.advance(100);
    const again = cache.get('k');
    expect(source.pending).toHaveLength(1);
    source.answer('v2');
    expect(await again).toBe('v2');
  });

  it('GIVEN concurrent misses for one key THEN they share one read; a miss during a background read joins it', async () => {
    const { c, source, cache, fill } = setup();
    const a = cache.get('k');
    const b = cache.get('k');
    expect(source.pending).toHaveLength(1);
    source.answer('v1');
    expect([await a, await b]).toEqual(['v1', 'v1']);
    c.advance(1_600);
    await cache.get('k'); // starts the background read
    c.advance(500); // the entry has expired, the background read is still out
    const joined = cache.get('k');
    expect(source.pending).toHaveLength(1);
    source.answer('v2');
    expect(await joined).toBe('v2');
    await fill('other', 'o'); // other keys read on their own
  });

  it('GIVEN a background read that fails THEN the failure is reported, the entry serves until it expires, and the next read is inline', async () => {
    const { c, source, failures, cache, fill } = setup();
    await fill('k', 'v1');
    c.advance(1_600);
    expect(await cache.get('k')).toBe('v1');
    source.fail(new Error('table down'));
    await settle();
    expect(failures).toEqual([new Error('table down')]);
    expect(await cache.get('k')).toBe('v1'); // starts another background read (none in flight)
    expect(source.pending).toHaveLength(1);
    source.fail(new Error('still down'));
    await settle();
    c.advance(400);
    const inline = cache.get('k');
    source.fail(new Error('inline failure'));
    await expect(inline).rejects.toThrow('inline failure');
    expect(failures).toHaveLength(2);
    expect(cache.last('k')).toEqual({ value: 'v1' });
  });

  it('GIVEN a read in flight WHEN its key is invalidated THEN its late answer does not fill the cache (its caller still gets it)', async () => {
    const { c, source, cache, fill } = setup();
    await fill('k', 'before');
    c.advance(1_600);
    await cache.get('k'); // background read, held
    cache.invalidate('k');
    const after = cache.get('k'); // a new read, after the change
    expect(source.pending).toHaveLength(2);
    source.answer('before'); // the old read answers last-known state late
    source.answer('after');
    expect(await after).toBe('after');
    await settle();
    expect(await cache.get('k')).toBe('after');
    expect(source.pending).toHaveLength(0);
  });

  it('GIVEN a held read whose answer comes after the invalidation and after a newer fill THEN it does not overwrite the newer entry', async () => {
    const { source, cache } = setup();
    const old = cache.get('k');
    cache.invalidate('k');
    const fresh = cache.get('k');
    source.pending[1]?.resolve('new');
    expect(await fresh).toBe('new');
    source.answer('old');
    expect(await old).toBe('old');
    expect(await cache.get('k')).toBe('new');
  });

  it('GIVEN reads in flight for two keys WHEN one key is invalidated THEN the other key is still cached', async () => {
    const { source, cache } = setup();
    const a = cache.get('a');
    const b = cache.get('b');
    cache.invalidate('a');
    source.answer('a1');
    source.answer('b1');
    await Promise.all([a, b]);
    expect(await cache.get('b')).toBe('b1');
    expect(source.pending).toHaveLength(0);
    void cache.get('a');
    expect(source.pending).toHaveLength(1);
  });

  it('GIVEN entries and a read in flight WHEN everything is invalidated THEN nothing is served from before it', async () => {
    const { source, cache, fill } = setup();
    await fill('a', 'a1');
    const b = cache.get('b');
    cache.invalidate();
    source.answer('b1');
    await b;
    void cache.get('a');
    void cache.get('b');
    expect(source.pending.map((p) => p.key)).toEqual(['a', 'b']);
    expect(cache.last('a')).toBeUndefined();
  });

  it('GIVEN a TTL of 0 THEN nothing is cached, but concurrent reads are still shared', async () => {
    const { source, cache, fill } = setup(0);
    await fill('k', 'v1');
    const a = cache.get('k');
    const b = cache.get('k');
    expect(source.pending).toHaveLength(1);
    source.answer('v2');
    expect([await a, await b]).toEqual(['v2', 'v2']);
    expect(cache.last('k')).toBeUndefined();
  });

  it('GIVEN more keys than maxEntries THEN the entry filled longest ago is evicted first', async () => {
    const { source, cache, fill } = setup(2_000, 2);
    await fill('a', 'a1');
    await fill('b', 'b1');
    await fill('c', 'c1');
    expect(cache.last('a')).toBeUndefined();
    expect(await cache.get('b')).toBe('b1');
    expect(await cache.get('c')).toBe('c1');
    expect(source.pending).toHaveLength(0);
  });

  it('GIVEN a source that throws synchronously THEN the lookup rejects (no throw escapes) and a background read reports it', async () => {
    const c = clock();
    let calls = 0;
    const failures: unknown[] = [];
    const cache = new RefreshAheadCache<string, string>({
      read: () => {
        calls += 1;
        if (calls > 1) throw new Error('sync failure');
        return Promise.resolve('v1');
      },
      ttlMs: 2_000,
      now: c.now,
      onBackgroundFailure: (e) => failures.push(e),
    });
    expect(await cache.get('k')).toBe('v1');
    c.advance(1_600);
    expect(await cache.get('k')).toBe('v1');
    await settle();
    expect(failures).toEqual([new Error('sync failure')]);
    c.advance(400);
    await expect(cache.get('k')).rejects.toThrow('sync failure');
  });

  it('GIVEN a background read in flight WHEN the cache is closed THEN close waits for it, its failure is not reported, and no background read starts after', async () => {
    const { c, source, failures, cache, fill } = setup();
    await fill('k', 'v1');
    c.advance(1_500);
    expect(await cache.get('k')).toBe('v1');
    expect(source.pending).toHaveLength(1);
    // WHEN the owner closes the cache while the refresh is out
    let closed = false;
    const closing = cache.close().then(() => {
      closed = true;
    });
    await settle();
    // THEN close waits for the read in flight (its source must not stop under it)
    expect(closed).toBe(false);
    source.fail(new Error('ECONNREFUSED'));
    await closing;
    // AND its failure, arriving after close, is not reported
    expect(failures).toEqual([]);
    // AND a lookup in the refresh window starts no background read; lookups still answer, inline once expired
    expect(await cache.get('k')).toBe('v1');
    expect(source.pending).toHaveLength(0);
    c.advance(500);
    const inline = cache.get('k');
    expect(source.pending).toHaveLength(1);
    source.answer('v2');
    expect(await inline).toBe('v2');
  });

  it('GIVEN no background read WHEN the cache is closed THEN close resolves at once', async () => {
    const { cache, fill } = setup();
    await fill('k', 'v1');
    await expect(cache.close()).resolves.toBeUndefined();
  });

  it.each([-1, Number.NaN])('fails when the TTL is %s', (ttlMs) => {
    expect(
      () => new RefreshAheadCache({ read: async () => 1, ttlMs, onBackgroundFailure: () => undefined }),
    ).toThrow('ttlMs must be >= 0');
  });
});
