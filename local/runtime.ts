/**
 * The whole local runtime in one call: dynalite with the enforcement tables, the reference classifier
 * (tier 2 over the SageMaker contract), the demo upstream (unless an upstream URL is given), and the
 * gateway — all on 127.0.0.1. `npm start` and the integration suites use it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintClaimKey } from '../lambdas/core/edge/claim-key';
import { generateApiKey } from '../lambdas/core/enforcement/keys';
import type { Policy } from '../lambdas/core/index';
import { createTenant, operatorContext } from '../lambdas/operator/actions';
import { type DemoUpstream, startDemoUpstream } from './demo-upstream';
import { type LocalDynamo, startDynalite } from './dynalite';
import { type LocalEdge, localEdgeKeys, startLocalEdge } from './edge';
import { ACTIVE_MODELS, DEMO_MODELS, type Gateway, startGateway } from './gateway';
import { type ReferenceClassifier, startReferenceClassifier } from './reference-classifier';
import { hmacKeyFile, readLocalHmacKey, writeRuntimeInfo } from './runtime-file';
import { createJsonlSink, type JsonlSink } from './telemetry-sink';

export interface LocalRuntimeOptions {
  /** Gateway port. @default 8787 (0 = any free port) */
  readonly port?: number;
  /** An Anthropic-compatible base URL; @default the demo upstream */
  readonly upstreamUrl?: string;
  /** API key sent as `x-api-key` to `upstreamUrl` only. @default - none */
  readonly upstreamApiKey?: string;
  /**
   * Models served (canonical comparison; others → 404). @default the demo models with the demo upstream,
   * every active model of config/models.ts with `upstreamUrl`
   */
  readonly models?: readonly string[];
  /** API key for the demo tenant. @default a fresh random key */
  readonly demoApiKey?: string;
  /** State folder: HMAC key, telemetry, runtime.json. @default .local */
  readonly dataDir?: string;
  /** Start the reference classifier as tier 2. @default true */
  readonly classifier?: boolean;
  readonly policy?: Policy;
  readonly tenantCacheTtlMs?: number;
  /**
   * Let the enforcement ladder strike the demo tenant too. Off by default: trying the README's blocked examples
   * must not suspend the only tenant of a local demo (`npm start -- --ladder` turns it on).
   */
  readonly demoLadder?: boolean;
  /** Write runtime.json for the operator CLI. @default true */
  readonly publish?: boolean;
  readonly log?: (line: string) => void;
  /**
   * Put the local global edge (the Lambda@Edge handler code) in front of the gateway: the demo key then carries
   * a signed home-region claim for `region`, and the gateway serves only requests that came through the edge.
   *
   * @default - no edge
   */
  readonly edge?: { readonly port?: number; readonly region?: string };
}

/** The demo tenant `npm start` creates. */
export const DEMO_TENANT_ID = 'demo-tenant';

export interface LocalRuntime {
  readonly gateway: Gateway;
  readonly dynamo: LocalDynamo;
  readonly classifier?: ReferenceClassifier;
  readonly upstream?: DemoUpstream;
  readonly upstreamUrl: string;
  readonly telemetry: JsonlSink;
  readonly demo: { readonly tenantId: string; readonly apiKey: string };
  /** The local edge, when started with `edge`. */
  readonly edge?: LocalEdge & { readonly region: string };
  stop(): Promise<void>;
}

/** The local HMAC key (32 random bytes, created once, kept in the data folder with mode 0600). */
export function localHmacKey(dataDir: string): Buffer {
  const existing = readLocalHmacKey(dataDir);
  if (existing) return existing;
  const key = randomBytes(32);
  writeFileSync(hmacKeyFile(dataDir), key.toString('hex'), { mode: 0o600 });
  return key;
}

export async function startLocalRuntime(opts: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const dataDir = opts.dataDir ?? '.local';
  mkdirSync(dataDir, { recursive: true });
  const started: { stop: () => Promise<void> }[] = [];
  try {
    const dynamo = await startDynalite({ prefix: 'local-' });
    started.push({ stop: () => dynamo.stop() });
    const classifier = opts.classifier === false ? undefined : await startReferenceClassifier();
    if (classifier) started.push({ stop: () => classifier.close() });
    const upstream = opts.upstreamUrl ? undefined : await startDemoUpstream();
    if (upstream) started.push({ stop: () => upstream.close() });
    const upstreamUrl = opts.upstreamUrl ?? upstream!.url;
    const telemetry = createJsonlSink(join(dataDir, 'telemetry'));
    // Stopped after the gateway (the list is stopped in reverse): its last records are flushed first.
    started.push({ stop: async () => telemetry.close() });
    const edgeRegion = opts.edge?.region ?? 'eu-west-1';
    const edgeKeys = opts.edge ? localEdgeKeys() : undefined;
    const gateway = await startGateway({
      ...(edgeKeys ? { edge: { region: edgeRegion, publicKeys: [edgeKeys.origin.publicKey] } } : {}),
      port: opts.port ?? 8787,
      upstreamUrl,
      ...(opts.upstreamApiKey ? { upstreamApiKey: opts.upstreamApiKey } : {}),
      models: opts.models ?? (upstream ? DEMO_MODELS : ACTIVE_MODELS),
      ...(classifier ? { classifierUrl: classifier.url } : {}),
      dynamo,
      hmacKey: localHmacKey(dataDir),
      sink: telemetry.write,
      ...(opts.policy ? { policy: opts.policy } : {}),
      ...(opts.tenantCacheTtlMs !== undefined ? { tenantCacheTtlMs: opts.tenantCacheTtlMs } : {}),
      ...(opts.demoLadder ? {} : { ladderExemptTenants: [DEMO_TENANT_ID] }),
      ...(opts.log ? { log: opts.log } : {}),
    });
    started.push({ stop: () => gateway.close() });
    const ops = operatorContext(dynamo.doc, dynamo.tables, 'system:npm-start');
    const plainKey = opts.demoApiKey ?? (edgeKeys ? generateApiKey() : undefined);
    const demo = await createTenant(ops, {
      tenantId: DEMO_TENANT_ID,
      tier: 'standard',
      zone: 'LOCAL',
      ...(plainKey
        ? { apiKey: edgeKeys ? mintClaimKey(plainKey, edgeRegion, edgeKeys.claim.privateKey) : plainKey }
        : {}),
    });
    let edge: (LocalEdge & { region: string }) | undefined;
    if (edgeKeys) {
      const started_ = await startLocalEdge({
        port: opts.edge?.port ?? 0,
        keys: edgeKeys,
        origins: { [edgeRegion]: { url: gateway.url, zone: 'LOCAL' } },
      });
      started.push({ stop: () => started_.close() });
      edge = Object.assign(started_, { region: edgeRegion });
    }
    if (opts.publish !== false) {
      writeRuntimeInfo(dataDir, {
        pid: process.pid,
        gatewayUrl: gateway.url,
        dynamoEndpoint: dynamo.endpoint,
        tables: dynamo.tables,
        telemetryPath: telemetry.path,
      });
    }
    return {
      gateway,
      dynamo,
      ...(classifier ? { classifier } : {}),
      ...(upstream ? { upstream } : {}),
      upstreamUrl,
      telemetry,
      demo,
      ...(edge ? { edge } : {}),
      async stop() {
        for (const s of started.reverse()) await s.stop().catch(() => undefined);
      },
    };
  } catch (e) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw e;
  }
}
