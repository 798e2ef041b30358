import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  CONTROLS_KEY,
  NORMAL_CONTROLS,
  type RegionControls,
  regionControlsSchema,
} from '../../core/enforcement/controls';
import { RefreshAheadCache } from '../../core/util/refresh-ahead-cache';
import type { AuditAppender } from './audit-log';
import { type BackgroundFailureReporter, logBackgroundFailures } from './background-failures';
import type { DocumentSender } from './client';

/** Options of {@link DynamoControlsStore}. */
export interface ControlsStoreOptions {
  readonly client: DocumentSender;
  /** The tenants table (the controls live in one reserved item there). */
  readonly tableName: string;
  /** How long an instance serves the cached controls; bounds propagation. @default 2000 ms */
  readonly cacheTtlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Where a failed background re-read is reported (counted and logged). @default logBackgroundFailures */
  readonly onBackgroundFailure?: BackgroundFailureReporter;
}

/**
 * The regional kill switch in the tenants table (item `keyHash = control#region`). Reads are cached per
 * instance for `cacheTtlMs` — one GetItem per instance per TTL, not per request — so a change reaches
 * every instance within that bound. A corrupt item reads as an error (callers count it and keep the
 * last good value or normal).
 */
export class DynamoControlsStore {
  /** One entry (key {@link CONTROLS_KEY}): the controls of this region. */
  private readonly cache: RefreshAheadCache<typeof CONTROLS_KEY, RegionControls>;
  private readonly now: () => number;

  constructor(private readonly options: ControlsStoreOptions) {
    this.now = options.now ?? Date.now;
    const onBackgroundFailure = options.onBackgroundFailure ?? logBackgroundFailures;
    this.cache = new RefreshAheadCache({
      read: () => this.read(),
      ttlMs: options.cacheTtlMs ?? 2_000,
      maxEntries: 1,
      now: this.now,
      onBackgroundFailure: (e) => onBackgroundFailure('controls-refresh', e),
    });
  }

  /**
   * The current controls (cached). In the last quarter of the cache's lifetime a call still answers from it and
   * re-reads the item in the background ({@link RefreshAheadCache}), so steady traffic never waits for the table; a
   * failed background read is reported (counted and logged) and changes nothing else (the next read after expiry is
   * inline and keeps the last value on failure, as always).
   */
  async current(): Promise<RegionControls> {
    try {
      return await this.cache.get(CONTROLS_KEY);
    } catch (e) {
      // Keep serving the last value read (stale beats unknown); with none, the caller decides.
      const last = this.cache.last(CONTROLS_KEY);
      if (last) return last.value;
      throw e;
    }
  }

  /** Stops the cache's background refreshes, as {@link DynamoTenantStore.close} does. */
  close(): Promise<void> {
    return this.cache.close();
  }

  /** Reads the stored controls without the cache. */
  async read(): Promise<RegionControls> {
    const out = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { keyHash: CONTROLS_KEY },
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return NORMAL_CONTROLS;
    const { keyHash: _k, ...rest } = out.Item;
    return regionControlsSchema.parse(rest);
  }

  /** Replaces the controls and appends the change to the audit log (subject `region`). */
  async set(
    next: Omit<RegionControls, 'updatedAt' | 'actor'>,
    actor: string,
    audit: AuditAppender,
  ): Promise<RegionControls> {
    const before = await this.read();
    const value: RegionControls = regionControlsSchema.parse({ ...next, actor, updatedAt: this.now() });
    await this.options.client.send(
      new PutCommand({ TableName: this.options.tableName, Item: { keyHash: CONTROLS_KEY, ...value } }),
    );
    await audit.append({
      subject: 'region',
      actor,
      action: 'controls.set',
      reason:
        `${next.reason ?? ''} [mode ${before.mode} → ${value.mode}; disabled models ${JSON.stringify(before.disabledModels)} → ${JSON.stringify(value.disabledModels)}]`.trim(),
    });
    // A read started before the change may carry the controls from before it: it does not fill the cache.
    this.cache.invalidate();
    return value;
  }
}
