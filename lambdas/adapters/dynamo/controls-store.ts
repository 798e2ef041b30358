import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  CONTROLS_KEY,
  NORMAL_CONTROLS,
  type RegionControls,
  regionControlsSchema,
} from '../../core/enforcement/controls';
import type { AuditAppender } from './audit-log';
import { type BackgroundFailureReporter, logBackgroundFailures } from './background-failures';
import { REFRESH_AHEAD } from './tenant-store';

/** Options of {@link DynamoControlsStore}. */
export interface ControlsStoreOptions {
  readonly client: DynamoDBDocumentClient;
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
  private cached: { value: RegionControls; at: number } | undefined;
  private inflight: Promise<RegionControls> | undefined;
  /** Bumped by {@link set}: reads started before it do not fill the cache. */
  private generation = 0;
  private readonly ttl: number;
  private readonly now: () => number;

  constructor(private readonly options: ControlsStoreOptions) {
    this.ttl = options.cacheTtlMs ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The current controls (cached). In the last quarter of the cache's lifetime a call still answers from it and
   * re-reads the item in the background, so steady traffic never waits for the table; a failed background read is
   * reported (counted and logged) and changes nothing else (the next read after expiry is inline and keeps the last
   * value on failure, as always).
   */
  async current(): Promise<RegionControls> {
    const t = this.now();
    const cached = this.cached;
    if (cached && t - cached.at < this.ttl) {
      if (t - cached.at >= this.ttl * REFRESH_AHEAD && !this.inflight)
        this.refresh(t).catch((e) =>
          (this.options.onBackgroundFailure ?? logBackgroundFailures)('controls-refresh', e),
        );
      return cached.value;
    }
    try {
      return await (this.inflight ?? this.refresh(t));
    } catch (e) {
      // Keep serving the last value read (stale beats unknown); with none, the caller decides.
      if (this.cached) return this.cached.value;
      throw e;
    }
  }

  /** One read (shared by concurrent callers) whose value is cached as of `t`, its start. */
  private refresh(t: number): Promise<RegionControls> {
    const generation = this.generation;
    const read = this.read()
      .then((value) => {
        // A read that started before `set` may carry the controls from before it: not cached.
        if (generation === this.generation) this.cached = { value, at: t };
        return value;
      })
      .finally(() => {
        if (this.inflight === read) this.inflight = undefined;
      });
    this.inflight = read;
    return read;
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
    this.generation++;
    this.cached = undefined;
    this.inflight = undefined;
    return value;
  }
}
