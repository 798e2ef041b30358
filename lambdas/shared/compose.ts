/**
 * The composition root of the serving path: one function builds the graph `serveInference` runs on (engine, tier
 * 2, upstream, token admission, enforcement ladder, regional controls, pseudonyms, record sink, metrics) from a
 * serving config and the clients. The proxy Lambda (lambdas/proxy/deps.ts) and the local gateway (local/gateway.ts)
 * both call it, so the two cannot be wired differently; they differ only in the clients they pass (AWS SDK clients
 * and KMS pseudonyms in Lambda; dynalite, the reference classifier and a local HMAC key locally).
 *
 * Builds objects only: no network I/O.
 */
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { isKnownRegion } from '../../config/regions';
import type { UpstreamConfig } from '../../config/schema';
import { ConfigError } from '../../config/schema';
import { DynamoAuditLog } from '../adapters/dynamo/audit-log';
import {
  type BackgroundFailureReporter,
  backgroundFailureReporter,
} from '../adapters/dynamo/background-failures';
import type { DocumentSender, EnforcementTableNames } from '../adapters/dynamo/client';
import { DynamoControlsStore } from '../adapters/dynamo/controls-store';
import { DynamoEnforcementLadder, type Notifier } from '../adapters/dynamo/ladder-store';
import { SageMakerTier2 } from '../adapters/tier2';
import {
  anthropicHttpUpstream,
  type BedrockHttpClient,
  bedrockUpstream,
  sagemakerUpstream,
} from '../adapters/upstream';
import { compilePolicy, createEngine, type DecisionSink, defaultPolicy, type Policy } from '../core/index';
import { ModelAllowlist } from '../core/models/identity';
import type { Pseudonymize, ServeDeps, ServeMetrics, Upstream } from '../core/serving/types';
import { ladderViolations, rateLimiterAdmission } from '../proxy/ports';
import { type EnforcementAccess, enforcementAccess } from './access';
import type { ProxySettings } from './environment';
import { PORT_DIMENSION, PORT_ERRORS_METRIC } from './names';

/** What the serving graph is built from: settings only, no clients. */
export interface ServingConfig {
  /** The serving region (`local` for the local runtime): decision records and the models' canonical forms. */
  readonly region: string;
  /** The policy in force, with the region's tier-2 settings applied ({@link withTier2}). */
  readonly policy: Policy;
  /** Where admitted requests go: a region's `upstream` as the config spells it. */
  readonly upstream: UpstreamConfig;
  /** Models served, as forwarded; compared in canonical form, anything else is answered 404. */
  readonly models: readonly string[];
  /** The tier-2 endpoint; absent (or the policy's mode `never`): no tier 2. */
  readonly classifierEndpointName?: string;
  readonly tables: EnforcementTableNames;
  /** Rate-limit lease length (0 = every admission reads the limits table). */
  readonly rateLimitLeaseMs: number;
  /** How long tenant records are cached (the status propagation bound). @default 2000 */
  readonly tenantCacheTtlMs?: number;
  /** Tenants the enforcement ladder never strikes (the local demo tenant). @default none */
  readonly ladderExemptTenants?: readonly string[];
  /** Request body limit. @default the engine's (2 MiB) */
  readonly maxBodyBytes?: number;
}

/** The clients and sinks the graph uses (built once per process by the caller). */
export interface ServingClients {
  readonly documents: DocumentSender;
  /** Tier 2, and a `sagemaker` upstream. */
  readonly sagemaker?: Pick<SageMakerRuntimeClient, 'send'>;
  /** A `bedrock` upstream. */
  readonly bedrock?: BedrockHttpClient;
  /** The API key of an `https` upstream (sent as `x-api-key` to it only). @default - none sent */
  readonly upstreamApiKey?: () => Promise<string>;
  readonly pseudonymize: Pseudonymize;
  /** Where enforcement status changes are announced (log line, on-call topic). */
  readonly notifier: Notifier;
  readonly sink: DecisionSink;
  readonly metrics: ServeMetrics;
  /** Operational messages (never request content). */
  readonly log: NonNullable<ServeDeps['log']>;
}

/**
 * The policy with a region's tier-2 settings. The result is recompiled, so its version (content hash) in every
 * decision record reflects them; unchanged settings return `policy` itself.
 */
export function withTier2(
  policy: Policy,
  tier2: { readonly mode: Policy['document']['tier2']['mode']; readonly deadlineMs: number },
): Policy {
  const current = policy.document.tier2;
  if (current.mode === tier2.mode && current.deadlineMs === tier2.deadlineMs) return policy;
  return compilePolicy(
    { ...policy.document, tier2: { ...current, mode: tier2.mode, deadlineMs: tier2.deadlineMs } },
    `policy ${policy.name} (region classifier mode and invocationDeadlineMs)`,
  );
}

/** The upstream adapter for a configured upstream. @throws Error when the client it needs is missing */
function upstreamOf(upstream: UpstreamConfig, clients: ServingClients): Upstream {
  switch (upstream.kind) {
    case 'bedrock':
      if (!clients.bedrock) throw new Error('composeServing: a bedrock upstream needs clients.bedrock');
      return bedrockUpstream(clients.bedrock, { defaultModelId: upstream.modelId });
    case 'sagemaker':
      if (!clients.sagemaker) throw new Error('composeServing: a sagemaker upstream needs clients.sagemaker');
      return sagemakerUpstream(clients.sagemaker, { endpointName: upstream.endpointName });
    case 'https':
      return anthropicHttpUpstream({
        baseUrl: upstream.baseUrl,
        ...(clients.upstreamApiKey ? { apiKey: clients.upstreamApiKey } : {}),
      });
  }
}

/** Background table failures of the serving graph: counted as `PortErrors` (dimension `Port`), logged rate-limited. */
export function servingBackgroundFailures(
  clients: Pick<ServingClients, 'metrics' | 'log'>,
): BackgroundFailureReporter {
  return backgroundFailureReporter({
    count: (port) => clients.metrics.add(PORT_ERRORS_METRIC, 1, { [PORT_DIMENSION]: port }),
    log: clients.log,
  });
}

/** The serving graph, and how to shut down its background work. */
export type ServingGraph = ServeDeps & {
  /**
   * Stops the background refreshes of the graph's caches (controls, and the tenant cache when the graph built its
   * enforcement access; a caller that passed its own closes that itself). Resolves once those in flight have settled:
   * stop the tables after it, and nothing of the graph reads or logs after they stopped.
   */
  close(): Promise<void>;
};

/**
 * Builds the serving graph. `given` (enforcement access) is passed where the authorizer runs in the same process (the
 * local gateway), so both see one tenant cache and one set of rate-limit leases, as one Lambda instance does; the
 * same caller passes the background-failure reporter it gave that access.
 *
 * @throws Error when tier 2 is on without an endpoint or a client, or the upstream's client is missing
 */
export function composeServing(
  config: ServingConfig,
  clients: ServingClients,
  given?: EnforcementAccess,
  // One reporter for every store of the graph, so its one-line-per-port-per-minute log limit holds across them.
  onBackgroundFailure: BackgroundFailureReporter = servingBackgroundFailures(clients),
): ServingGraph {
  const access = given ?? enforcementAccess(config, clients.documents, onBackgroundFailure);
  const tier2On =
    config.policy.document.tier2.mode !== 'never' && config.classifierEndpointName !== undefined;
  if (tier2On && !clients.sagemaker) throw new Error('composeServing: tier 2 needs clients.sagemaker');
  const tier2 =
    tier2On && clients.sagemaker && config.classifierEndpointName
      ? new SageMakerTier2(clients.sagemaker, {
          endpointName: config.classifierEndpointName,
          onStateChange: (state) => clients.log('tier-2 circuit state changed', { state }),
        })
      : undefined;
  const documents = clients.documents;
  const ladder = new DynamoEnforcementLadder({
    client: documents,
    violationsTable: config.tables.violations,
    tenants: access.tenants,
    audit: new DynamoAuditLog({ client: documents, tableName: config.tables.audit }),
    notifier: clients.notifier,
    onBackgroundFailure,
  });
  const exempt = new Set(config.ladderExemptTenants ?? []);
  const controls = new DynamoControlsStore({
    client: documents,
    tableName: config.tables.tenants,
    onBackgroundFailure,
  });
  return {
    engine: createEngine({ policy: config.policy, ...(tier2 ? { tier2 } : {}) }),
    region: config.region,
    upstream: upstreamOf(config.upstream, clients),
    // A Bedrock ARN naming another region never matches; the local runtime (`local`) has no AWS region to compare.
    models: new ModelAllowlist(config.models, isKnownRegion(config.region) ? config.region : undefined),
    admission: rateLimiterAdmission(access.limiter),
    violations: ladderViolations(ladder, (tenantId) => exempt.has(tenantId)),
    controls,
    pseudonymize: clients.pseudonymize,
    sink: clients.sink,
    metrics: clients.metrics,
    log: clients.log,
    ...(config.maxBodyBytes === undefined ? {} : { maxBodyBytes: config.maxBodyBytes }),
    close: async () => {
      await Promise.all([controls.close(), given ? undefined : access.close()]);
    },
  };
}

/**
 * The proxy's serving config from its environment settings: the embedded policy with the region's tier-2 mode and
 * deadline, the region's upstream and models, the stack's tables.
 *
 * @throws ConfigError when tier 2 is on but no endpoint is named, or the https upstream's key cannot be read
 */
export function servingConfigFromSettings(settings: ProxySettings): ServingConfig {
  const problems: string[] = [];
  if (settings.classifierMode !== 'never' && settings.classifierEndpointName === undefined) {
    problems.push(`CLASSIFIER_ENDPOINT_NAME: required when CLASSIFIER_MODE is '${settings.classifierMode}'`);
  }
  const u = settings.upstream;
  if (u.kind === 'https' && u.apiKeySecretName !== undefined && settings.sessionToken === undefined) {
    problems.push('AWS_SESSION_TOKEN: required to read the upstream API key through the secrets extension');
  }
  if (problems.length > 0) throw new ConfigError('proxy environment', problems);
  return {
    region: settings.region,
    policy: withTier2(defaultPolicy(), {
      mode: settings.classifierMode,
      deadlineMs: settings.classifierDeadlineMs,
    }),
    upstream: settings.upstream,
    models: settings.models,
    ...(settings.classifierEndpointName !== undefined
      ? { classifierEndpointName: settings.classifierEndpointName }
      : {}),
    tables: {
      tenants: settings.tenantsTable,
      limits: settings.limitsTable,
      violations: settings.violationsTable,
      audit: settings.auditTable,
    },
    rateLimitLeaseMs: settings.rateLimitLeaseMs,
  };
}
