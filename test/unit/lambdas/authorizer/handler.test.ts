import './env';
import 'aws-sdk-client-mock-jest';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createDocumentClient } from '../../../../lambdas/adapters/dynamo/client';
import { DynamoRateLimiter } from '../../../../lambdas/adapters/dynamo/rate-limiter';
import { DynamoTenantStore } from '../../../../lambdas/adapters/dynamo/tenant-store';
import { AUTHORIZER_ERRORS_METRIC, authorize } from '../../../../lambdas/authorizer/authorize';
import { depsFromEnv } from '../../../../lambdas/authorizer/deps';
import { makeHandler, stageWildcardArn } from '../../../../lambdas/authorizer/handler';
import { hashApiKey } from '../../../../lambdas/core/enforcement/keys';

const ddb = mockClient(DynamoDBDocumentClient);
const KEY = 'csk_0123456789abcdefghijABCDEFGHIJkl';
const OTHER = 'csk_ZZZZ456789abcdefghijABCDEFGHIJkl';
const UNKNOWN = 'csk_UUUU456789abcdefghijABCDEFGHIJkl';
const NOW = 1_700_000_000_000;
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:111122223333:abc123/prod/POST/v1/messages';

const item = (over: Record<string, unknown> = {}) => ({
  keyHash: hashApiKey(KEY),
  tenantId: 'acme',
  tier: 'standard',
  status: 'active',
  zone: 'eu',
  ...over,
});

function deps() {
  const client = createDocumentClient({ region: 'eu-west-1' });
  const stored: string[] = [];
  const metrics = {
    addMetric: jest.fn((name: string) => void stored.push(name)),
    hasStoredMetrics: () => stored.length > 0,
    publishStoredMetrics: jest.fn(() => void stored.splice(0)),
  };
  const logger = { error: jest.fn() };
  return {
    tenants: new DynamoTenantStore({ client, tableName: 'tenants', cacheTtlMs: 0, now: () => NOW }),
    limiter: new DynamoRateLimiter({ client, tableName: 'limits', now: () => NOW }),
    now: () => NOW,
    metrics,
    logger,
  };
}

const event = (headers: Record<string, string>): APIGatewayRequestAuthorizerEvent =>
  ({ type: 'REQUEST', methodArn: METHOD_ARN, headers }) as unknown as APIGatewayRequestAuthorizerEvent;

/** GIVEN the tenants table holds `tenant` for KEY (nothing for other keys) and the limiter answers `limit`. */
function given(tenant: Record<string, unknown> | undefined, limit: 'ok' | 'over' | 'error' = 'ok') {
  ddb.reset();
  ddb.on(GetCommand, { TableName: 'tenants' }).resolves({});
  ddb
    .on(GetCommand, { TableName: 'tenants', Key: { keyHash: hashApiKey(KEY) } })
    .resolves(tenant ? { Item: tenant } : {});
  if (limit === 'ok')
    ddb
      .on(UpdateCommand, { TableName: 'limits' })
      .resolves({ Attributes: { requests: (NOW + 100) * 1_000 } });
  if (limit === 'over') {
    ddb
      .on(UpdateCommand, { TableName: 'limits' })
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    // The current bucket state (read after the failed condition): full minute used.
    ddb.on(GetCommand, { TableName: 'limits' }).resolves({ Item: { requests: (NOW + 60_000) * 1_000 } });
  }
  if (limit === 'error')
    ddb.on(UpdateCommand, { TableName: 'limits' }).rejects(new Error('ProvisionedThroughputExceeded'));
}

describe('authorizer handler', () => {
  test('GIVEN an active tenant WHEN called with x-api-key THEN Allow scoped to the API stage with tenant context', async () => {
    given(item());
    const d = deps();
    const result = await makeHandler(d)(event({ 'X-Api-Key': KEY }));
    expect(result).toEqual({
      principalId: 'acme',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:eu-west-1:111122223333:abc123/prod/*',
          },
        ],
      },
      context: {
        tenantId: 'acme',
        tier: 'standard',
        zone: 'eu',
        keyHash: hashApiKey(KEY),
        status: 'active',
        limitRequests: 600,
        limitInputTokens: 400_000,
        limitOutputTokens: 80_000,
      },
    });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'tenants',
      Key: { keyHash: hashApiKey(KEY) },
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'limits',
      Key: { tenantId: 'acme', dimension: 'gcra' },
    });
    expect(d.metrics.publishStoredMetrics).not.toHaveBeenCalled(); // nothing counted: no empty EMF flush
  });

  const denies: Array<
    [
      string,
      Record<string, unknown> | undefined,
      'ok' | 'over' | 'error',
      Record<string, string>,
      Record<string, unknown>,
    ]
  > = [
    [
      'banned',
      item({ status: 'banned', reason: 'abuse', statusBy: 'iam:arn:aws:sts::1:assumed-role/Ops/alice' }),
      'ok',
      { 'x-api-key': KEY },
      {
        reason: 'banned',
        tenantId: 'acme',
        // Who (never the operator's principal or free text), and the command that lifts it.
        message:
          'request refused: tenant acme is banned by an operator pending review; an operator lifts it with `npx safeguards tenant unban acme --reason <text>` (operator API: POST /tenants/acme/status)',
      },
    ],
    [
      'suspended until later',
      item({
        status: 'suspended',
        until: NOW + 1_000,
        statusBy: 'system:ladder',
        reason: 'strikes-1h: 10 strikes within 60 min',
      }),
      'ok',
      { 'x-api-key': KEY },
      {
        reason: 'suspended',
        tenantId: 'acme',
        until: NOW + 1_000,
        message: `request refused: tenant acme is suspended by the automatic enforcement ladder (strikes-1h: 10 strikes within 60 min) until ${new Date(NOW + 1_000).toISOString().replace(/\.\d{3}Z$/, 'Z')}; an operator lifts it now with \`npx safeguards tenant reinstate acme --reason <text>\` (operator API: POST /tenants/acme/reinstate)`,
      },
    ],
    [
      'over the request rate',
      item(),
      'over',
      { authorization: `Bearer ${KEY}` },
      {
        reason: 'rate_limited',
        tenantId: 'acme',
        dimension: 'requests',
        retryAfterSeconds: 1,
        message: 'request refused: request rate limit exceeded; retry later',
      },
    ],
    [
      'a throttled tenant over its reduced rate',
      item({ status: 'throttled', until: NOW + 60_000, statusBy: 'operator:bob', reason: 'review' }),
      'over',
      { 'x-api-key': KEY },
      {
        reason: 'rate_limited',
        tenantId: 'acme',
        dimension: 'requests',
        retryAfterSeconds: 1,
        message: `request refused: request rate limit exceeded; retry later; tenant acme is throttled (reduced rate limits) by an operator until ${new Date(NOW + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z')}; an operator lifts it now with \`npx safeguards tenant reinstate acme --reason <text>\` (operator API: POST /tenants/acme/reinstate)`,
      },
    ],
    [
      'a DynamoDB error',
      item(),
      'error',
      { 'x-api-key': KEY },
      {
        reason: 'internal_error',
        message: 'request refused: authorization is temporarily unavailable; retry later',
      },
    ],
  ];
  test.each(denies)(
    'GIVEN %s THEN Deny with the reason in context',
    async (_name, tenant, limit, headers, context) => {
      given(tenant, limit);
      const d = deps();
      const result = await makeHandler(d)(event(headers));
      expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
      expect(result.context).toEqual(context);
    },
  );

  test('GIVEN a DynamoDB error THEN the error is counted and logged without the key', async () => {
    given(item(), 'error');
    const d = deps();
    await makeHandler(d)(event({ 'x-api-key': KEY }));
    expect(d.metrics.addMetric).toHaveBeenCalledWith(AUTHORIZER_ERRORS_METRIC, 'Count', 1);
    expect(d.metrics.publishStoredMetrics).toHaveBeenCalledTimes(1);
    expect(d.logger.error).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(d.logger.error.mock.calls)).not.toContain(KEY);
  });

  test('GIVEN the tenants table fails THEN Deny (fail closed)', async () => {
    ddb.reset();
    ddb.on(GetCommand).rejects(new Error('network down'));
    const d = deps();
    const result = await makeHandler(d)(event({ 'x-api-key': KEY }));
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Deny');
    expect(d.metrics.addMetric).toHaveBeenCalledWith(AUTHORIZER_ERRORS_METRIC, 'Count', 1);
  });

  const unauthorized: Array<[string, Record<string, string>]> = [
    ['no credential', {}],
    ['only an x-tenant-id header', { 'x-tenant-id': 'acme' }],
    ['an unknown key', { 'x-api-key': UNKNOWN }],
    ['a malformed key', { 'x-api-key': 'not-a-key' }],
    ['both headers with different keys', { 'x-api-key': KEY, Authorization: `Bearer ${OTHER}` }],
  ];
  test.each(unauthorized)('GIVEN %s THEN Unauthorized (401)', async (_name, headers) => {
    given(item());
    await expect(makeHandler(deps())(event(headers))).rejects.toThrow('Unauthorized');
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  test('GIVEN rateLimitResponse flag WHEN over the rate THEN Allow flagged for the proxy to answer 429', async () => {
    given(item(), 'over');
    const result = await makeHandler({ ...deps(), rateLimitResponse: 'flag' })(event({ 'x-api-key': KEY }));
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Allow');
    expect(result.context).toMatchObject({
      tenantId: 'acme',
      rateLimited: true,
      dimension: 'requests',
      retryAfterSeconds: 1,
    });
  });

  test('GIVEN rateLimitResponse flag WHEN a throttled tenant is over its reduced rate THEN the context carries the notice', async () => {
    given(
      item({
        status: 'throttled',
        until: NOW + 60_000,
        statusBy: 'system:ladder',
        reason: 'strikes-10m: 3 strikes within 10 min',
      }),
      'over',
    );
    const result = await makeHandler({ ...deps(), rateLimitResponse: 'flag' })(event({ 'x-api-key': KEY }));
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Allow');
    expect(result.context?.['notice']).toBe(
      `tenant acme is throttled (reduced rate limits) by the automatic enforcement ladder (strikes-10m: 3 strikes within 10 min) until ${new Date(NOW + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z')}; an operator lifts it now with \`npx safeguards tenant reinstate acme --reason <text>\` (operator API: POST /tenants/acme/reinstate)`,
    );
  });

  test('GIVEN x-api-key repeated with two keys (multiValueHeaders) THEN Unauthorized', async () => {
    given(item());
    const e = { ...event({ 'x-api-key': KEY }), multiValueHeaders: { 'x-api-key': [OTHER, KEY] } };
    await expect(makeHandler(deps())(e as APIGatewayRequestAuthorizerEvent)).rejects.toThrow('Unauthorized');
  });

  test('GIVEN both headers with the same key THEN Allow', async () => {
    given(item());
    const result = await makeHandler(deps())(event({ 'x-api-key': KEY, Authorization: `Bearer ${KEY}` }));
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Allow');
  });

  test('GIVEN x-tenant-id names another tenant THEN identity still comes from the key', async () => {
    given(item());
    const result = await makeHandler(deps())(event({ 'x-api-key': KEY, 'x-tenant-id': 'victim' }));
    expect(result.principalId).toBe('acme');
    expect(result.context?.tenantId).toBe('acme');
  });
});

describe('authorize (shared by the local gateway)', () => {
  test('GIVEN a suspension whose until has passed THEN allowed as active', async () => {
    given(item({ status: 'suspended', until: NOW - 1 }));
    const out = await authorize({ 'x-api-key': KEY }, deps());
    expect(out).toMatchObject({ allow: true, status: 'active', tenant: { tenantId: 'acme' } });
  });

  test('GIVEN a throttled tenant THEN allowed with reduced limits', async () => {
    given(item({ status: 'throttled', until: NOW + 60_000 }));
    const out = await authorize({ 'x-api-key': KEY }, deps());
    expect(out).toMatchObject({
      allow: true,
      status: 'throttled',
      limits: { requests: 60, inputTokens: 40_000, outputTokens: 8_000 },
    });
    // the bucket is charged one request at the reduced rate (60/min → 1000 ms per request; state in µs)
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':new_requests': (NOW + 1_000) * 1_000 }),
    });
  });

  test('GIVEN per-tenant limits THEN they override the tier defaults', async () => {
    given(item({ limits: { requests: 5 } }));
    const out = await authorize({ 'x-api-key': KEY }, deps());
    expect(out).toMatchObject({ allow: true, limits: { requests: 5, inputTokens: 400_000 } });
  });

  test('GIVEN a corrupt tenant item THEN internal_error, counted', async () => {
    given(item({ status: 'weird' }));
    const d = deps();
    expect(await authorize({ 'x-api-key': KEY }, d)).toEqual({ allow: false, reason: 'internal_error' });
    expect(d.metrics.addMetric).toHaveBeenCalledWith(AUTHORIZER_ERRORS_METRIC, 'Count', 1);
  });

  test('GIVEN the condition failure carries the current item (real DynamoDB) THEN no extra read', async () => {
    given(item());
    ddb.on(UpdateCommand, { TableName: 'limits' }).rejects(
      new ConditionalCheckFailedException({
        message: 'failed',
        $metadata: {},
        Item: { requests: { N: String((NOW + 60_000) * 1_000) } },
      }),
    );
    const out = await authorize({ 'x-api-key': KEY }, deps());
    expect(out).toMatchObject({ allow: false, reason: 'rate_limited' });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).not.toHaveReceivedCommandWith(GetCommand, { TableName: 'limits' });
  });
});

describe('stageWildcardArn', () => {
  test.each([
    [METHOD_ARN, 'arn:aws:execute-api:eu-west-1:111122223333:abc123/prod/*'],
    ['arn:aws-cn:execute-api:cn-north-1:1:x/s/GET/', 'arn:aws-cn:execute-api:cn-north-1:1:x/s/*'],
  ])('%s → %s', (arn, expected) => expect(stageWildcardArn(arn)).toBe(expected));
  test.each(['', 'arn:aws:lambda:eu-west-1:1:function:f', 'arn:aws:execute-api:eu-west-1:1:abc'])(
    'fails on %p',
    (arn) => {
      expect(() => stageWildcardArn(arn)).toThrow('malformed methodArn');
    },
  );
});

describe('module init', () => {
  test('fails fast naming the missing variable', () => {
    expect(() => depsFromEnv({ LIMITS_TABLE: 'l' })).toThrow('TENANTS_TABLE');
    expect(() => depsFromEnv({ TENANTS_TABLE: 't' })).toThrow('LIMITS_TABLE');
    expect(() => depsFromEnv({ TENANTS_TABLE: 't', LIMITS_TABLE: 'l', RATE_LIMIT_LEASE_MS: '-1' })).toThrow(
      'RATE_LIMIT_LEASE_MS',
    );
    expect(() => depsFromEnv({ TENANTS_TABLE: 't', LIMITS_TABLE: 'l', RATE_LIMIT_RESPONSE: '429' })).toThrow(
      'RATE_LIMIT_RESPONSE',
    );
  });
});
