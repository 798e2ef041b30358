import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { CONTROLS_KEY } from '../../core/enforcement/controls';
import { API_KEY_PREFIX, generateApiKey, hashApiKey, isWellFormedApiKey } from '../../core/enforcement/keys';
import type { RateLimits, Tenant, TenantRecord, TenantStatus } from '../../core/enforcement/types';
import { TENANT_STATUSES } from '../../core/enforcement/types';
import { type TenantOverrides, tenantOverridesSchema } from '../../core/engine/overrides';
import { RefreshAheadCache } from '../../core/util/refresh-ahead-cache';
import { type BackgroundFailureReporter, logBackgroundFailures } from './background-failures';
import type { DocumentSender } from './client';
import { newWriteToken, sendTokenGuardedUpdate } from './write-token';

/** Default lifetime of a cached tenant lookup: the bound for a status change to reach every instance. */
export const DEFAULT_TENANT_CACHE_TTL_MS = 2_000;
const BY_TENANT_INDEX = 'byTenant';

/** Options of {@link DynamoTenantStore}. */
export interface TenantStoreOptions {
  readonly client: DocumentSender;
  readonly tableName: string;
  /** Lifetime of cached lookups (hits and misses). 0 disables the cache. @default 2000 ms */
  readonly cacheTtlMs?: number;
  /** Cache size cap; the oldest entries are evicted first. @default 10000 */
  readonly maxCacheEntries?: number;
  /** Clock (epoch ms). @default Date.now */
  readonly now?: () => number;
  /** Where a failed background re-read is reported (counted and logged). @default logBackgroundFailures */
  readonly onBackgroundFailure?: BackgroundFailureReporter;
}

/** Input of {@link DynamoTenantStore.createTenant}. */
export interface NewTenant {
  /** @default - a random UUID */
  readonly tenantId?: string;
  readonly tier: string;
  readonly zone: string;
  readonly limits?: Partial<RateLimits>;
  /**
   * Use this API key instead of generating one (local demos and canary tenants whose key is set by
   * the operator). Must be well formed (`csk_` + 32 base62 characters).
   * @default - a fresh random key
   */
  readonly apiKey?: string;
}

/** A new credential: the raw key is returned once and never stored. */
export interface IssuedKey {
  readonly apiKey: string;
  readonly tenant: TenantRecord;
}

/** A status change to apply to every key of a tenant. */
export interface StatusChange {
  readonly status: TenantStatus;
  readonly reason: string;
  /** Epoch ms; only meaningful for throttled/suspended. */
  readonly until?: number;
  /** Who sets it (`system:ladder` or the operator's principal), kept on the items for refusal messages. */
  readonly by?: string;
}

/** Result of {@link DynamoTenantStore.setStatus}. */
export interface StatusChangeResult {
  readonly before: { readonly status: TenantStatus; readonly until?: number };
  readonly after: { readonly status: TenantStatus; readonly until?: number };
  readonly keysUpdated: number;
}

/** Read side used by the authorizer. */
export interface TenantLookup {
  /** The tenant owning the key with this SHA-256 hex, or undefined. May be up to the cache TTL stale. */
  lookup(keyHash: string): Promise<TenantRecord | undefined>;
}

/** `SET a, b REMOVE c, d` from its two lists (REMOVE left out when empty). */
const updateExpression = (set: readonly string[], remove: readonly string[]): string =>
  `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`;

const isStatus = (v: unknown): v is TenantStatus => TENANT_STATUSES.includes(v as TenantStatus);

/** Parses a stored item; throws on a corrupt item (the authorizer then fails closed). */
export function parseTenantItem(item: Record<string, unknown>): TenantRecord {
  const { keyHash, tenantId, tier, status, reason, until, statusBy, zone, limits, overrides } = item;
  if (typeof keyHash !== 'string' || typeof tenantId !== 'string' || typeof tier !== 'string') {
    throw new Error('tenants: item lacks keyHash/tenantId/tier');
  }
  if (!isStatus(status)) throw new Error(`tenants: item for tenant ${tenantId} has an invalid status`);
  if (typeof zone !== 'string') throw new Error(`tenants: item for tenant ${tenantId} lacks zone`);
  const l = (limits ?? {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && v > 0 ? v : undefined);
  const parsedLimits: Partial<RateLimits> = {
    ...(num(l.requests) ? { requests: num(l.requests) } : {}),
    ...(num(l.inputTokens) ? { inputTokens: num(l.inputTokens) } : {}),
    ...(num(l.outputTokens) ? { outputTokens: num(l.outputTokens) } : {}),
  };
  return {
    keyHash,
    tenantId,
    tier,
    status,
    zone,
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof until === 'number' ? { until } : {}),
    ...(typeof statusBy === 'string' ? { statusBy } : {}),
    ...(Object.keys(parsedLimits).length ? { limits: parsedLimits } : {}),
    ...(overrides === undefined ? {} : { overrides: tenantOverridesSchema.parse(overrides) }),
  };
}

/**
 * The `tenants` table: one item per API key (`keyHash` = SHA-256 hex of the key), each carrying the tenant's
 * tier, status, zone and limits; the `byTenant` index finds every key of a tenant.
 *
 * Lookups go through a per-instance cache (hits and misses) of `cacheTtlMs`; a status change therefore reaches
 * every instance within `cacheTtlMs` plus one read.
 */
export class DynamoTenantStore implements TenantLookup {
  private readonly client: DocumentSender;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly cache: RefreshAheadCache<string, TenantRecord | undefined>;

  constructor(options: TenantStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
    const onBackgroundFailure = options.onBackgroundFailure ?? logBackgroundFailures;
    this.cache = new RefreshAheadCache({
      read: (keyHash) => this.get(keyHash),
      ttlMs: options.cacheTtlMs ?? DEFAULT_TENANT_CACHE_TTL_MS,
      maxEntries: options.maxCacheEntries ?? 10_000,
      now: this.now,
      onBackgroundFailure: (e) => onBackgroundFailure('tenant-refresh', e),
    });
  }

  /**
   * Cached lookup by key hash (see {@link TenantLookup.lookup}). An entry is served for `cacheTtlMs` from the start of
   * the read that brought it, never longer; in the last quarter of that time a lookup still answers from it and
   * re-reads the item in the background ({@link RefreshAheadCache}), so a tenant with steady traffic never waits for
   * the table on the request path. A background read that fails is reported (counted and logged) and changes nothing
   * else: the entry expires and the next lookup reads inline (and fails closed there).
   */
  lookup(keyHash: string): Promise<TenantRecord | undefined> {
    return this.cache.get(keyHash);
  }

  /** Drops cached lookups (one key hash, or all), and lets no read of it started before this call fill the cache. */
  invalidate(keyHash?: string): void {
    this.cache.invalidate(keyHash);
  }

  /**
   * Stops the cache's background refreshes (the store's owner is shutting down): none starts after this, and one in
   * flight reports no failure. Resolves once those in flight have settled. Lookups still work.
   */
  close(): Promise<void> {
    return this.cache.close();
  }

  /** Uncached, strongly consistent read of one key's item. */
  async get(keyHash: string): Promise<TenantRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { keyHash }, ConsistentRead: true }),
    );
    return out.Item ? parseTenantItem(out.Item) : undefined;
  }

  /** Creates a tenant with its first API key. The raw key is returned once. */
  async createTenant(input: NewTenant): Promise<IssuedKey> {
    const tenant: Tenant = {
      tenantId: input.tenantId ?? randomUUID(),
      tier: input.tier,
      zone: input.zone,
      status: 'active',
      ...(input.limits ? { limits: input.limits } : {}),
    };
    return this.putKey(tenant, input.apiKey);
  }

  /** Issues another API key for an existing tenant (copying its current state); `apiKey` as in `createTenant`. */
  async addKey(tenantId: string, apiKey?: string): Promise<IssuedKey> {
    const [existing] = await this.keysOf(tenantId);
    if (!existing) throw new Error(`tenants: no tenant '${tenantId}'`);
    const { keyHash: _ignored, ...tenant } = existing;
    return this.putKey(tenant, apiKey);
  }

  private async putKey(tenant: Tenant, given?: string): Promise<IssuedKey> {
    if (given !== undefined && !isWellFormedApiKey(given)) {
      throw new Error(`tenants: the API key must be '${API_KEY_PREFIX}' followed by 32 base62 characters`);
    }
    const apiKey = given ?? generateApiKey();
    const record: TenantRecord = { ...tenant, keyHash: hashApiKey(apiKey) };
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...record, createdAt: this.now() },
        ConditionExpression: 'attribute_not_exists(keyHash)',
      }),
    );
    return { apiKey, tenant: record };
  }

  /**
   * Revokes one key: deletes its item if it belongs to `tenantId`. Returns whether an item was deleted (false when
   * the key does not exist or belongs to another tenant). A tenant whose last key is revoked no longer exists.
   */
  async revokeKey(tenantId: string, keyHash: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { keyHash },
          ConditionExpression: 'tenantId = :t',
          ExpressionAttributeValues: { ':t': tenantId },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
    this.invalidate(keyHash);
    return true;
  }

  /** Every key item of a tenant (via the `byTenant` index; eventually consistent). */
  async keysOf(tenantId: string): Promise<TenantRecord[]> {
    const items: TenantRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: BY_TENANT_INDEX,
          KeyConditionExpression: 'tenantId = :t',
          ExpressionAttributeValues: { ':t': tenantId },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) items.push(parseTenantItem(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** All tenants (one entry per tenant, from a scan: operator use only, never on the serving path). */
  async listTenants(): Promise<Array<Tenant & { readonly keys: number }>> {
    const byId = new Map<string, Tenant & { keys: number }>();
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start }),
      );
      for (const item of out.Items ?? []) {
        if (item['keyHash'] === CONTROLS_KEY) continue;
        const { keyHash: _k, ...tenant } = parseTenantItem(item);
        const seen = byId.get(tenant.tenantId);
        if (seen) seen.keys += 1;
        else byId.set(tenant.tenantId, { ...tenant, keys: 1 });
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return [...byId.values()].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }

  /**
   * Replaces a tenant's per-tenant rate limits on every key (an empty object removes them: the tier's defaults
   * apply again). Returns the number of keys updated (0 when the tenant does not exist). Callers validate.
   */
  async setLimits(tenantId: string, limits: Partial<RateLimits>): Promise<number> {
    const keys = await this.keysOf(tenantId);
    const empty = Object.keys(limits).length === 0;
    for (const key of keys) {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { keyHash: key.keyHash },
          UpdateExpression: empty ? 'REMOVE limits' : 'SET limits = :l',
          ConditionExpression: 'attribute_exists(keyHash)',
          ...(empty ? {} : { ExpressionAttributeValues: { ':l': { ...limits } } }),
        }),
      );
      this.invalidate(key.keyHash);
    }
    return keys.length;
  }

  /**
   * Replaces a tenant's policy overrides on every key (an empty object removes them). Returns the number of keys
   * updated (0 when the tenant does not exist). Callers validate that overrides only tighten.
   */
  async setOverrides(tenantId: string, overrides: TenantOverrides): Promise<number> {
    const keys = await this.keysOf(tenantId);
    const empty = Object.keys(overrides).length === 0;
    for (const key of keys) {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { keyHash: key.keyHash },
          UpdateExpression: empty ? 'REMOVE overrides' : 'SET overrides = :o',
          ConditionExpression: 'attribute_exists(keyHash)',
          ...(empty ? {} : { ExpressionAttributeValues: { ':o': tenantOverridesSchema.parse(overrides) } }),
        }),
      );
      this.invalidate(key.keyHash);
    }
    return keys.length;
  }

  /**
   * Sets the status of every key of a tenant. With `expected`, each item is updated only if its stored status
   * still equals `expected.status` (the ladder uses this so that concurrent escalations apply once); returns
   * `undefined` when the tenant does not exist or the first item no longer matches. The updates are token-guarded
   * (./write-token.ts): an update applied whose answer was lost, then re-sent by the client, counts as applied
   * instead of as a concurrent change (so the caller audits it). A failed condition costs one strongly consistent
   * `GetItem` of the key where the store does not return the item with the failure (dynalite; a deleted key).
   */
  async setStatus(
    tenantId: string,
    change: StatusChange,
    expected?: { readonly status: TenantStatus },
  ): Promise<StatusChangeResult | undefined> {
    const keys = await this.keysOf(tenantId);
    const first = keys[0];
    if (!first) return undefined;
    const before = { status: first.status, ...(first.until !== undefined ? { until: first.until } : {}) };
    const by = change.by;
    // One token for the change (each key item carries it): an item whose update was applied but whose answer was lost
    // is known as updated by this change when the client's re-send fails its condition (docs/adr/0057).
    const token = newWriteToken();
    let updated = 0;
    for (const key of keys) {
      const hasUntil =
        change.until !== undefined && (change.status === 'throttled' || change.status === 'suspended');
      const outcome = await sendTokenGuardedUpdate(
        this.client,
        {
          TableName: this.tableName,
          Key: { keyHash: key.keyHash },
          UpdateExpression: updateExpression(
            [
              '#s = :s',
              'reason = :r',
              'statusAt = :at',
              ...(hasUntil ? ['#u = :u'] : []),
              ...(by ? ['statusBy = :by'] : []),
            ],
            [...(hasUntil ? [] : ['#u']), ...(by ? [] : ['statusBy'])],
          ),
          ConditionExpression: expected
            ? 'attribute_exists(keyHash) AND #s = :expected'
            : 'attribute_exists(keyHash)',
          ExpressionAttributeNames: { '#s': 'status', '#u': 'until' },
          ExpressionAttributeValues: {
            ':s': change.status,
            ':r': change.reason,
            ':at': this.now(),
            ...(hasUntil ? { ':u': change.until } : {}),
            ...(by ? { ':by': by } : {}),
            ...(expected ? { ':expected': expected.status } : {}),
          },
        },
        token,
      );
      if (outcome.applied) {
        updated += 1;
        this.invalidate(key.keyHash);
      } else if (updated === 0) return undefined;
    }
    const after = {
      status: change.status,
      ...(change.until !== undefined && (change.status === 'throttled' || change.status === 'suspended')
        ? { until: change.until }
        : {}),
    };
    return { before, after, keysUpdated: updated };
  }
}
