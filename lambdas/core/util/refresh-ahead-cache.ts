/**
 * Fraction of a cache entry's lifetime after which a lookup that hits it also re-reads it in the background
 * (ADR 0048): the entry is replaced before it expires while traffic lasts.
 */
export const REFRESH_AHEAD = 0.75;

/** Options of {@link RefreshAheadCache}. */
export interface RefreshAheadCacheOptions<K, V> {
  /** Reads one key's current value from the source (uncached). */
  readonly read: (key: K) => Promise<V>;
  /** Lifetime of an entry, from the start of the read that brought it. 0 disables caching (reads are still shared). */
  readonly ttlMs: number;
  /** Size cap; the entry filled longest ago is evicted first. @default 10000 */
  readonly maxEntries?: number;
  /** Clock (epoch ms). @default Date.now */
  readonly now?: () => number;
  /** Receives the error of a background re-read (there is no caller to fail). */
  readonly onBackgroundFailure: (error: unknown) => void;
}

/**
 * A per-instance read-through cache refreshed ahead of expiry (ADR 0048), used by the tenant and controls stores.
 *
 * - An entry is served for `ttlMs` from the *start* of the read that brought it, never longer, so a change at the
 *   source reaches the instance within `ttlMs` plus one read.
 * - In the last quarter of that time ({@link REFRESH_AHEAD}) a lookup still answers from the entry and starts one
 *   background re-read; steady traffic therefore never waits for the source. A failed background read is reported
 *   to `onBackgroundFailure` and changes nothing else: the entry expires and the next lookup reads inline.
 * - Concurrent lookups of one key share one read (a miss joins a background read in flight).
 * - {@link invalidate} drops an entry and disowns the read in flight for it: a read that started before the
 *   invalidation may carry the value from before the change, so it does not fill the cache (its callers still get
 *   it). Only the read that is current for its key when it completes fills the cache.
 * - {@link close} ends the background work when the graph that owns the cache is shut down: no background read starts
 *   after it, and one still in flight reports nothing (its source may be stopping under it). Lookups keep working.
 */
export class RefreshAheadCache<K, V> {
  private readonly entries = new Map<K, { readonly value: V; readonly at: number }>();
  private readonly inflight = new Map<K, Promise<V>>();
  private readonly readSource: (key: K) => Promise<V>;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly onBackgroundFailure: (error: unknown) => void;
  /** Background reads in flight (each settles without rejecting). */
  private readonly background = new Set<Promise<void>>();
  private closed = false;

  constructor(options: RefreshAheadCacheOptions<K, V>) {
    if (!(options.ttlMs >= 0)) throw new Error(`RefreshAheadCache: ttlMs must be >= 0, got ${options.ttlMs}`);
    this.readSource = options.read;
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
    this.onBackgroundFailure = options.onBackgroundFailure;
  }

  /** The value for `key`: from the cache while its entry is fresh, otherwise from a (shared) read. */
  get(key: K): Promise<V> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit) {
      const age = now - hit.at;
      if (age < this.ttlMs) {
        if (age >= this.ttlMs * REFRESH_AHEAD && !this.closed && !this.inflight.has(key))
          this.refresh(key, now);
        return Promise.resolve(hit.value);
      }
    }
    return this.inflight.get(key) ?? this.read(key, now);
  }

  /** The last value cached for `key`, however old (undefined when none, or after {@link invalidate}). */
  last(key: K): { readonly value: V } | undefined {
    const entry = this.entries.get(key);
    return entry && { value: entry.value };
  }

  /** Drops the entry of `key` (or every entry), and lets no read already in flight for it fill the cache. */
  invalidate(key?: K): void {
    if (key === undefined) {
      this.entries.clear();
      this.inflight.clear();
    } else {
      this.entries.delete(key);
      this.inflight.delete(key);
    }
  }

  /**
   * Stops the background work: no re-read starts after this call, and the failure of one still in flight is not
   * reported. Resolves when the background reads in flight have settled, so the caller can then stop their source.
   * Lookups still answer (from fresh entries, else by reading inline).
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.background);
  }

  /** Starts one background re-read of `key`; its failure goes to `onBackgroundFailure` unless the cache was closed. */
  private refresh(key: K, now: number): void {
    const work = this.read(key, now).then(
      () => undefined,
      (e: unknown) => {
        if (!this.closed) this.onBackgroundFailure(e);
      },
    );
    this.background.add(work);
    void work.then(() => this.background.delete(work));
  }

  /** Reads `key` into the cache, dated `now` (the read's start); shared with concurrent lookups until it settles. */
  private read(key: K, now: number): Promise<V> {
    let source: Promise<V>;
    try {
      source = this.readSource(key);
    } catch (e) {
      source = Promise.reject(e);
    }
    const read: Promise<V> = source
      .then((value) => {
        if (this.ttlMs > 0 && this.inflight.get(key) === read) {
          this.entries.delete(key);
          this.entries.set(key, { value, at: now });
          if (this.entries.size > this.maxEntries) {
            const oldest = this.entries.keys().next();
            if (!oldest.done) this.entries.delete(oldest.value);
          }
        }
        return value;
      })
      .finally(() => {
        if (this.inflight.get(key) === read) this.inflight.delete(key);
      });
    this.inflight.set(key, read);
    return read;
  }
}
