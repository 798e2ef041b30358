/**
 * Pseudonymizers for identifiers in telemetry: HMAC-SHA-256 over `<kind>:<value>`, hex, truncated to
 * 32 characters, prefixed (`tn_` tenants, `ak_` API key hashes, `pr_` IAM principals). The KMS variant calls `GenerateMac`
 * with the region's HMAC_256 key (IAM: `kms:GenerateMac` on that key); the local variant uses
 * `node:crypto` with a key buffer; the serving functions call `GenerateMac` through their own signed client
 * (../aws/kms.ts, {@link macPseudonymizer}). All produce the same pseudonym for the same key material, and all
 * cache per identifier in a bounded LRU map so a warm instance calls KMS once per identity.
 */
import { createHmac } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { Pseudonymize, PseudonymKind } from '../../core/serving/types';
import type { MacFunction } from '../aws/kms';
import { sdk } from '../aws/lazy-client';

/** Pseudonym prefixes per kind. */
export const PSEUDONYM_PREFIX = { tenant: 'tn_', apiKey: 'ak_', principal: 'pr_' } as const;

/** Hex characters kept from the MAC (128 bits). */
export const PSEUDONYM_HEX_CHARS = 32;

/** A small LRU map: `get` refreshes recency, `set` evicts the least recently used entry beyond `max`. */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(readonly max: number) {
    if (!(max >= 1)) throw new Error(`LruMap: max must be >= 1, got ${max}`);
  }
  get size(): number {
    return this.map.size;
  }
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }
  delete(key: K): void {
    this.map.delete(key);
  }
}

/** Options shared by both pseudonymizers. */
export interface PseudonymizerOptions {
  /** Identities kept in the cache. @default 10_000 */
  readonly cacheSize?: number;
}

/** The MAC input for an identifier: kind-separated so a tenant id never collides with a key hash. */
export function macMessage(kind: PseudonymKind, value: string): Uint8Array {
  return new TextEncoder().encode(`${kind}:${value}`);
}

function format(kind: PseudonymKind, mac: Uint8Array): string {
  return PSEUDONYM_PREFIX[kind] + Buffer.from(mac).toString('hex').slice(0, PSEUDONYM_HEX_CHARS);
}

function cached(
  compute: (kind: PseudonymKind, value: string) => Promise<string>,
  size: number,
): Pseudonymize {
  const cache = new LruMap<string, Promise<string>>(size);
  return (kind, value) => {
    const key = `${kind}:${value}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const p = compute(kind, value);
    cache.set(key, p);
    // A failed computation is not cached: the next request tries again.
    p.catch(() => cache.delete(key));
    return p;
  };
}

/** Pseudonymizer over a MAC function (HMAC-SHA-256 under the region's key), e.g. KMS `GenerateMac`. */
export function macPseudonymizer(mac: MacFunction, opts: PseudonymizerOptions = {}): Pseudonymize {
  return cached(
    async (kind, value) => format(kind, await mac(macMessage(kind, value))),
    opts.cacheSize ?? 10_000,
  );
}

/** Pseudonymizer over the SDK's KMS client, `GenerateMac` (HMAC_SHA_256) with the region's HMAC key. */
export function kmsPseudonymizer(
  client: Pick<KMSClient, 'send'>,
  keyId: string,
  opts: PseudonymizerOptions = {},
): Pseudonymize {
  return macPseudonymizer(async (message) => {
    // Loaded at the call, not with this module: the serving functions use ../aws/kms.ts instead.
    const { GenerateMacCommand } = sdk.kms();
    const out = await client.send(
      new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: 'HMAC_SHA_256', Message: message }),
    );
    if (!out.Mac) throw new Error('GenerateMac returned no Mac');
    return out.Mac;
  }, opts);
}

/** Pseudonymizer with a local key (local runtime, tests). */
export function localPseudonymizer(key: Uint8Array, opts: PseudonymizerOptions = {}): Pseudonymize {
  if (key.byteLength < 32) throw new Error('localPseudonymizer: key must be at least 32 bytes');
  const k = Buffer.from(key);
  return cached(
    async (kind, value) => format(kind, createHmac('sha256', k).update(macMessage(kind, value)).digest()),
    opts.cacheSize ?? 10_000,
  );
}
