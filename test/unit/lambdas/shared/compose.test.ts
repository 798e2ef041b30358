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

describe('closing the serving graph', () => {
  afterEach(() => jest.restoreAllMocks());

  /**
   * A graph over a table whose reads the test answers by hand, on a clock it moves, with its controls cache in the
   * refresh window and one background refresh out.
   */
  async function refreshing() {
    const clock = { t: 1_800_000_000_000 };
    jest.spyOn(Date, 'now').mockImplementation(() => clock.t);
    const reads: Array<{ resolve: (v: unknown) => void; reject: (e: unknown) => void }> = [];
    const documents = {
      send: () => new Promise((resolve, reject) => reads.push({ resolve, reject })),
    } as unknown as ServingClients['documents'];
    const logged: string[] = [];
    const counted: string[] = [];
    const graph = composeServing(
      servingConfigFromSettings(settings),
      clients({
        documents,
        log: (message, details) => void logged.push(`${message} ${JSON.stringify(details)}`),
        metrics: { add: (name) => void counted.push(name) },
      }),
    );
    const controls = graph.controls!;
    const first = controls.current();
    reads.shift()!.resolve({});
    expect((await first).mode).toBe('normal');
    // A request in the last quarter of the cache's lifetime starts a background refresh.
    clock.t += 1_500;
    await controls.current();
    expect(reads).toHaveLength(1);
    const failRefresh = () =>
      reads
        .shift()!
        .reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    return { graph, controls, reads, logged, counted, failRefresh };
  }

  test('GIVEN a controls refresh in flight WHEN the graph is closed THEN close waits for it, nothing is logged or counted after, and no refresh starts', async () => {
    const { graph, controls, reads, logged, counted, failRefresh } = await refreshing();
    // WHEN the graph is closed while the refresh is out
    let closed = false;
    const closing = graph.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    // THEN the refresh failing (the table stopped) is neither logged nor counted
    failRefresh();
    await closing;
    expect(logged).toEqual([]);
    expect(counted).toEqual([]);
    // AND a lookup in the refresh window afterwards starts no background read
    expect((await controls.current()).mode).toBe('normal');
    expect(reads).toHaveLength(0);
  });

  test('GIVEN the same refresh failing while the graph is open THEN it is counted and logged (the test above can fail)', async () => {
    const { logged, counted, failRefresh } = await refreshing();
    failRefresh();
    await new Promise((r) => setImmediate(r));
    expect(logged).toEqual([
      expect.stringContaining('background table call failed {"port":"controls-refresh"'),
    ]);
    expect(counted).toContain('PortErrors');
  });
});
