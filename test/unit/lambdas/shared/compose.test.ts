import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { ConfigError } from '../../../../config/schema';
import { createDocumentClient } from '../../../../lambdas/adapters/dynamo/client';
import { BedrockHttpClient } from '../../../../lambdas/adapters/upstream';
import { defaultPolicy } from '../../../../lambdas/core/index';
import {
  composeServing,
  type ServingClients,
  type ServingConfig,
  servingConfigFromSettings,
  withTier2,
} from '../../../../lambdas/shared/compose';
import type { ProxySettings } from '../../../../lambdas/shared/environment';

const settings: ProxySettings = {
  region: 'eu-west-1',
  upstream: { kind: 'bedrock', modelId: 'eu.anthropic.claude-sonnet-4-6' },
  models: ['eu.anthropic.claude-sonnet-4-6'],
  classifierMode: 'cascade',
  classifierDeadlineMs: 150,
  classifierEndpointName: 'classifier',
  hmacKeyId: 'hmac',
  limitsTable: 'limits',
  tenantsTable: 'tenants',
  violationsTable: 'violations',
  auditTable: 'audit',
  alarmTopicArn: 'topic',
  rateLimitLeaseMs: 1000,
};

// Clients connect on first use only: building them and the graph does no I/O.
const clients = (over: Partial<ServingClients> = {}): ServingClients => ({
  documents: createDocumentClient({ region: 'eu-west-1' }),
  sagemaker: new SageMakerRuntimeClient({ region: 'eu-west-1' }),
  bedrock: new BedrockHttpClient({
    region: 'eu-west-1',
    credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 's' }),
  }),
  pseudonymize: async (_kind, value) => `p_${value}`,
  notifier: { notify: async () => {} },
  sink: () => {},
  metrics: { add: () => {} },
  log: () => {},
  ...over,
});

describe('servingConfigFromSettings', () => {
  test('the region tier-2 settings become the policy in force (its version says so)', () => {
    const config = servingConfigFromSettings(settings);
    expect(config.policy.document.tier2).toMatchObject({ mode: 'cascade', deadlineMs: 150 });
    const never = servingConfigFromSettings({ ...settings, classifierMode: 'never' });
    expect(never.policy.version).not.toBe(config.policy.version);
    expect(config.tables).toEqual({
      tenants: 'tenants',
      limits: 'limits',
      violations: 'violations',
      audit: 'audit',
    });
  });

  test('unchanged tier-2 settings keep the embedded policy as it is', () => {
    const p = defaultPolicy();
    expect(withTier2(p, { mode: p.document.tier2.mode, deadlineMs: p.document.tier2.deadlineMs })).toBe(p);
  });

  test('fails when tier 2 is on without an endpoint, naming the variable', () => {
    const { classifierEndpointName: _e, ...noEndpoint } = settings;
    expect(() => servingConfigFromSettings(noEndpoint)).toThrow(ConfigError);
    expect(() => servingConfigFromSettings(noEndpoint)).toThrow(
      "proxy environment: CLASSIFIER_ENDPOINT_NAME: required when CLASSIFIER_MODE is 'cascade'",
    );
    expect(servingConfigFromSettings({ ...noEndpoint, classifierMode: 'never' }).classifierEndpointName).toBe(
      undefined,
    );
  });

  test('fails when the https upstream key cannot be read (no session token)', () => {
    const https = {
      ...settings,
      upstream: { kind: 'https' as const, baseUrl: 'https://m.example', apiKeySecretName: 'k' },
    };
    expect(() => servingConfigFromSettings(https)).toThrow('AWS_SESSION_TOKEN');
    expect(servingConfigFromSettings({ ...https, sessionToken: 's' }).upstream).toEqual(https.upstream);
  });
});

describe('composeServing', () => {
  const config: ServingConfig = servingConfigFromSettings(settings);

  test('builds every port of the graph', () => {
    const deps = composeServing(config, clients());
    expect(deps.region).toBe('eu-west-1');
    expect(deps.admission).toBeDefined();
    expect(deps.violations).toBeDefined();
    expect(deps.controls).toBeDefined();
    expect(deps.models.ids).toEqual(['eu.anthropic.claude-sonnet-4-6']);
    expect(deps.engine.policy.version).toBe(config.policy.version);
  });

  test.each([
    ['bedrock', { bedrock: undefined }, 'clients.bedrock'],
    ['sagemaker', { sagemaker: undefined }, 'clients.sagemaker'],
  ] as const)('fails when the %s client is missing', (kind, over, message) => {
    const upstream =
      kind === 'bedrock'
        ? config.upstream
        : ({ kind: 'sagemaker', endpointName: 'frontier' } as const satisfies ServingConfig['upstream']);
    const c: ServingConfig = {
      ...config,
      upstream,
      policy: withTier2(config.policy, { mode: 'never', deadlineMs: 150 }),
    };
    expect(() => composeServing(c, clients(over))).toThrow(message);
  });

  test('tier 2 needs the SageMaker client when the policy runs it', () => {
    const https: ServingConfig = { ...config, upstream: { kind: 'https', baseUrl: 'https://m.example' } };
    expect(() => composeServing(https, clients({ sagemaker: undefined }))).toThrow(
      'tier 2 needs clients.sagemaker',
    );
    const off = { ...https, policy: withTier2(config.policy, { mode: 'never', deadlineMs: 150 }) };
    expect(composeServing(off, clients({ sagemaker: undefined, bedrock: undefined })).upstream).toBeDefined();
  });
});
