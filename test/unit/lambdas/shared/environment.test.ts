import { ConfigError } from '../../../../config/schema';
import {
  ENVIRONMENTS,
  fromEnvironment,
  type ProxySettings,
  toEnvironment,
  variableNames,
} from '../../../../lambdas/shared/environment';

/** What a construct writes for a proxy in front of an https upstream with a key secret. */
const written = {
  upstream: {
    kind: 'https',
    baseUrl: 'https://models.example.com/anthropic',
    apiKeySecretName: 'safeguards/upstream-key',
  },
  models: ['claude-sonnet-4-6', 'claude-haiku-4-5'],
  classifierMode: 'cascade',
  classifierDeadlineMs: 150,
  classifierEndpointName: 'safeguards-classifier',
  hmacKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/hmac',
  limitsTable: 'limits',
  tenantsTable: 'tenants',
  violationsTable: 'violations',
  auditTable: 'audit',
  alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
  rateLimitLeaseMs: 1000,
} as const satisfies Omit<ProxySettings, 'region' | 'sessionToken'>;

const runtime = { AWS_REGION: 'eu-west-1', AWS_SESSION_TOKEN: 'session' };

describe('toEnvironment / fromEnvironment', () => {
  test('settings survive the trip through the environment unchanged', () => {
    const env = toEnvironment('proxy', written);
    expect(fromEnvironment('proxy', { ...env, ...runtime })).toEqual({
      ...written,
      region: 'eu-west-1',
      sessionToken: 'session',
    });
  });

  test('the upstream is written in the config spelling (one JSON value, never re-spelled)', () => {
    const env = toEnvironment('proxy', written);
    expect(JSON.parse(env['UPSTREAM'] ?? '')).toEqual(written.upstream);
    expect(env).toMatchObject({
      ALLOWED_MODELS: 'claude-sonnet-4-6,claude-haiku-4-5',
      CLASSIFIER_DEADLINE_MS: '150',
      POWERTOOLS_SERVICE_NAME: 'safeguards-proxy',
      POWERTOOLS_METRICS_NAMESPACE: 'CspSafeguards',
    });
  });

  test('runtime variables are read, never written', () => {
    const env = toEnvironment('proxy', written);
    expect(env['AWS_REGION']).toBeUndefined();
    expect(env['AWS_SESSION_TOKEN']).toBeUndefined();
  });

  test('CloudFormation tokens are written as they are and checked when read', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CDK token as it appears in a string at synth
    const token = 'https://${Token[TOKEN.42]}.execute-api.${Token[AWS.Region.7]}/prod/';
    const env = toEnvironment('canary', {
      apiUrl: token,
      apiKeySecretId: 'safeguards/canary',
      model: 'claude-sonnet-4-6',
      outputProbes: false,
      probeTimeoutMs: 10_000,
    });
    expect(env['CANARY_API_URL']).toBe(token);
    expect(() => fromEnvironment('canary', { ...env, AWS_SESSION_TOKEN: 's' })).toThrow(
      'CANARY_API_URL: expected a URL',
    );
  });

  test('fails at synth when a construct writes a value the function would refuse', () => {
    expect(() => toEnvironment('proxy', { ...written, classifierDeadlineMs: 5 })).toThrow(
      /proxy environment: CLASSIFIER_DEADLINE_MS: /,
    );
    expect(() =>
      toEnvironment('proxy', { ...written, upstream: { kind: 'https', baseUrl: 'http://plain.example' } }),
    ).toThrow(/UPSTREAM: /);
  });

  test.each([
    ['UPSTREAM', { UPSTREAM: '{"kind":"anthropic","baseUrl":"https://m.example"}' }],
    ['UPSTREAM', { UPSTREAM: '{"kind":"https","baseUrl":"http://m.example"}' }],
    ['UPSTREAM', { UPSTREAM: 'not json' }],
    ['UPSTREAM', { UPSTREAM: '{"kind":"bedrock","modelId":"m","apiKey":"sk-1"}' }],
    ['ALLOWED_MODELS', { ALLOWED_MODELS: 'claude-x,a b' }],
    ['ALLOWED_MODELS', { ALLOWED_MODELS: 'claude-x,' }],
    ['CLASSIFIER_MODE', { CLASSIFIER_MODE: 'sometimes' }],
    ['CLASSIFIER_DEADLINE_MS', { CLASSIFIER_DEADLINE_MS: '0' }],
    ['CLASSIFIER_DEADLINE_MS', { CLASSIFIER_DEADLINE_MS: '1e3' }],
    ['RATE_LIMIT_LEASE_MS', { RATE_LIMIT_LEASE_MS: '-1' }],
    ['HMAC_KEY_ID', { HMAC_KEY_ID: '' }],
    ['AWS_REGION', { AWS_REGION: undefined }],
  ])('fails when %s is missing or invalid, naming it', (name, over) => {
    const env = { ...toEnvironment('proxy', written), ...runtime, ...over };
    expect(() => fromEnvironment('proxy', env)).toThrow(ConfigError);
    expect(() => fromEnvironment('proxy', env)).toThrow(`proxy environment: ${name}: `);
  });

  test('every problem is reported at once', () => {
    try {
      fromEnvironment('operator', {});
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([
        'TENANTS_TABLE: required',
        'VIOLATIONS_TABLE: required',
        'AUDIT_TABLE: required',
        'ALARM_TOPIC_ARN: required',
        'HMAC_KEY_ID: required',
      ]);
    }
  });

  test('each function declares each variable once', () => {
    for (const fn of Object.keys(ENVIRONMENTS) as (keyof typeof ENVIRONMENTS)[]) {
      const names = variableNames(fn);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  test('the authorizer and canary contracts read what their constructs write', () => {
    const authorizerSettings = {
      tenantsTable: 't',
      limitsTable: 'l',
      tenantCacheTtlMs: 2000,
      rateLimitLeaseMs: 1000,
      rateLimitResponse: 'flag',
      edgeOriginPublicKeys: ['a'.repeat(43), 'b'.repeat(43)],
    } as const;
    const authorizer = toEnvironment('authorizer', authorizerSettings);
    expect(fromEnvironment('authorizer', { ...authorizer, AWS_REGION: 'eu-west-1' })).toEqual({
      region: 'eu-west-1',
      ...authorizerSettings,
    });
    const canary = toEnvironment('canary', {
      apiUrl: 'http://127.0.0.1:8787',
      apiKeySecretId: 'k',
      model: 'demo',
      outputProbes: true,
      probeTimeoutMs: 500,
    });
    expect(canary['CANARY_OUTPUT_PROBES']).toBe('true');
    expect(fromEnvironment('canary', { ...canary, AWS_SESSION_TOKEN: 's' })).toMatchObject({
      apiUrl: 'http://127.0.0.1:8787',
      outputProbes: true,
      probeTimeoutMs: 500,
    });
  });
});
