import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  CONTROLS_KEY,
  NORMAL_CONTROLS,
  type RegionControls,
  regionControlsSchema,
} from '../../core/enforcement/controls';
import type { AuditAppender } from './audit-log';

/** Options of {@link DynamoControlsStore}. */
export interface ControlsStoreOptions {
  readonly client: DynamoDBDocumentClient;
  /** The tenants table (the controls live in one reserved item there). */
  readonly tableName: string;
  /** How long an instance serves the cached controls; bounds propagation. @default 2000 ms */
  readonly cacheTtlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
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
  private readonly ttl: number;
  private readonly now: () => number;

  constructor(private readonly options: ControlsStoreOptions) {
    this.ttl = options.cacheTtlMs ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  /** The current controls (cached). */
  async current(): Promise<RegionControls> {
    const t = this.now();
    if (this.cached && t - this.cached.at < this.ttl) return this.cached.value;
    this.inflight ??= this.read().finally(() => {
      this.inflight = undefined;
    });
    try {
      const value = await this.inflight;
      this.cached = { value, at: t };
      return value;
    } catch (e) {
      // Keep serving the last value read (stale beats unknown); with none, the caller decides.
      if (this.cached) return this.cached.value;
      throw e;
    }
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
    this.cached = undefined;
    return value;
  }
}
