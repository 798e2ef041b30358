/**
 * The production entry point as the Lambda runtime loads it: a fake `awslambda` global, the environment the
 * construct writes (lambdas/shared/environment.ts), module-scope clients (Bedrock, KMS and DynamoDB: one stand-in on
 * 127.0.0.1:0 reached through `AWS_ENDPOINT_URL_<SERVICE>`, with the credentials of the environment as in Lambda),
 * Powertools writing the decision record to stdout.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, type Writable } from 'node:stream';
import { PROXY_TEST_ENV } from './env';

const ENV = {
  ...PROXY_TEST_ENV,
  POWERTOOLS_DEV: 'false',
  AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_SESSION_TOKEN: 'local-session',
};
const MESSAGE = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'm',
  content: [{ type: 'text', text: 'Paris.' }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 5, output_tokens: 2 },
};

describe('lambdas/proxy/handler.ts in a (simulated) Lambda runtime', () => {
  const saved = { ...process.env };
  let lines: string[] = [];
  let spy: jest.SpyInstance;

  /** Requests the stand-in received: path, operation (JSON-protocol APIs) and the signature's credential. */
  const calls: Array<{ path: string; target: string; authorization: string; token: string }> = [];
  let bedrock: Server;
  let bedrockEndpoint = '';

  beforeAll(async () => {
    bedrock = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        calls.push({
          path: String(req.url),
          target,
          authorization: String(req.headers.authorization),
          token: String(req.headers['x-amz-security-token']),
        });
        if (target === 'TrentService.GenerateMac') {
          // KMS: a real HMAC of the message.
          const message = Buffer.from(JSON.parse(Buffer.concat(chunks).toString('utf8')).Message, 'base64');
          const mac = createHmac('sha256', Buffer.alloc(32, 1)).update(message).digest('base64');
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ Mac: mac, MacAlgorithm: 'HMAC_SHA_256' }));
          return;
        }
        if (target.startsWith('DynamoDB_20120810.')) {
          // DynamoDB: no item (no regional controls set, no lease bucket yet).
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          res.end('{}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(MESSAGE));
      });
    });
    await new Promise<void>((r) => bedrock.listen(0, '127.0.0.1', r));
    bedrockEndpoint = `http://127.0.0.1:${(bedrock.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => bedrock.close(() => r())));

  beforeEach(() => {
    calls.length = 0;
    lines = [];
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    Object.assign(process.env, ENV, {
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrockEndpoint,
      AWS_ENDPOINT_URL_KMS: bedrockEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: bedrockEndpoint,
    });
  });

  afterEach(() => {
    spy.mockRestore();
    process.env = { ...saved };
    Reflect.deleteProperty(globalThis, 'awslambda');
  });

  function load() {
    const metadata: AwsLambdaHttpResponseMetadata[] = [];
    Reflect.set(globalThis, 'awslambda', {
      streamifyResponse: (fn: (e: unknown, s: Writable, c: unknown) => Promise<void>) => fn,
      HttpResponseStream: {
        from: (s: Writable, m: AwsLambdaHttpResponseMetadata) => {
          metadata.push(m);
          return s;
        },
      },
    });
    let mod: typeof import('../../../../lambdas/proxy/handler') | undefined;
    jest.isolateModules(() => {
      mod = require('../../../../lambdas/proxy/handler');
    });
    return {
      handler: mod?.handler as unknown as (e: unknown, s: Writable, c: unknown) => Promise<void>,
      metadata,
    };
  }

  test('exports a streamified handler that serves, pseudonymizes via KMS and logs one decision line without prompt text', async () => {
    const { handler, metadata } = load();
    expect(typeof handler).toBe('function');
    const raw = new PassThrough();
    const body: Buffer[] = [];
    raw.on('data', (c: Buffer) => body.push(c));
    const prompt = 'What is the capital of France? Marker-zebra-violet-4417';
    await handler(
      {
        resource: '/model/{modelId}/invoke',
        path: '/model/anthropic.claude-test-v1:0/invoke',
        httpMethod: 'POST',
        headers: {},
        pathParameters: { modelId: 'anthropic.claude-test-v1:0' },
        body: JSON.stringify({
          anthropic_version: 'bedrock-2023-05-31',
          max_tokens: 20,
          messages: [{ role: 'user', content: prompt }],
        }),
        isBase64Encoded: false,
        requestContext: {
          requestId: 'r1',
          authorizer: { tenantId: 'tenant-quokka-9', tier: 'standard', zone: 'eu', keyHash: 'b'.repeat(64) },
        },
      },
      raw,
      {},
    );
    expect(metadata[0]?.statusCode).toBe(200);
    expect(JSON.parse(Buffer.concat(body).toString('utf8')).content[0].text).toBe('Paris.');
    // Bedrock was called once, signed with the environment's credentials (the SDK's provider chain, as in Lambda).
    const signedBy = (service: string) =>
      expect.stringMatching(
        new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDLOCAL/\\d{8}/eu-west-1/${service}/`),
      );
    expect(calls.filter((c) => c.target === '')).toEqual([
      {
        path: '/model/anthropic.claude-test-v1%3A0/invoke',
        target: '',
        authorization: signedBy('bedrock'),
        token: 'local-session',
      },
    ]);
    // KMS: one GenerateMac per identifier (tenant, key hash), signed for kms with the same credentials.
    const macs = calls.filter((c) => c.target === 'TrentService.GenerateMac');
    expect(macs).toHaveLength(2);
    for (const c of macs) expect(c).toMatchObject({ authorization: signedBy('kms'), token: 'local-session' });
    // The regional controls were read through the module-scope DynamoDB client, signed for dynamodb.
    const tables = calls.filter((c) => c.target.startsWith('DynamoDB_20120810.'));
    expect(tables.length).toBeGreaterThan(0);
    for (const c of tables)
      expect(c).toMatchObject({ authorization: signedBy('dynamodb'), token: 'local-session' });

    const decisions = lines.filter((l) => l.includes('"csp.decision/v1"'));
    expect(decisions).toHaveLength(1);
    const parsed = JSON.parse(decisions[0] ?? '{}');
    expect(parsed.decision.decisionId).toBe(metadata[0]?.headers?.['request-id']);
    expect(parsed.decision.tenant).toMatch(/^tn_[0-9a-f]{32}$/);
    expect(parsed.decision.region).toBe('eu-west-1');
    expect(lines.join('')).not.toContain('zebra-violet');
    expect(lines.join('')).not.toContain('quokka');
    // The request's metrics: one EMF line under the shared namespace, the proxy's service dimension on each.
    const emf = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      service: 'safeguards-proxy',
      Action: 'allow',
      Route: 'bedrock.invoke',
      Decisions: 1,
      AddedLatency: expect.any(Number),
    });
    expect(
      emf[0]._aws.CloudWatchMetrics.map((d: { Namespace: string; Dimensions: string[][] }) => [
        d.Namespace,
        d.Dimensions,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['CspSafeguards', [['service', 'Action', 'Route']]],
        ['CspSafeguards', [['service']]],
      ]),
    );
  });

  test('a served request loads no SNS, SageMaker Runtime or KMS SDK module: those load on the first call that needs them', async () => {
    // Tier 2 configured (its client exists), the prompt benign (tier 2 not called), no escalation (SNS not called).
    Object.assign(process.env, { CLASSIFIER_MODE: 'cascade', CLASSIFIER_ENDPOINT_NAME: 'classifier' });
    const loaded: string[] = [];
    const lazy = ['@aws-sdk/client-sns', '@aws-sdk/client-sagemaker-runtime', '@aws-sdk/client-kms'];
    for (const name of lazy) {
      jest.doMock(name, () => {
        loaded.push(name);
        return jest.requireActual(name);
      });
    }
    try {
      const { handler, metadata } = load();
      await handler(
        {
          resource: '/model/{modelId}/invoke',
          path: '/model/anthropic.claude-test-v1:0/invoke',
          httpMethod: 'POST',
          headers: {},
          pathParameters: { modelId: 'anthropic.claude-test-v1:0' },
          body: JSON.stringify({
            anthropic_version: 'bedrock-2023-05-31',
            max_tokens: 20,
            messages: [{ role: 'user', content: 'What is the capital of France?' }],
          }),
          isBase64Encoded: false,
          requestContext: {
            requestId: 'r2',
            authorizer: { tenantId: 'tenant-2', tier: 'standard', zone: 'eu', keyHash: 'c'.repeat(64) },
          },
        },
        new PassThrough().resume(),
        {},
      );
      expect(metadata[0]?.statusCode).toBe(200);
      expect(loaded).toEqual([]);
    } finally {
      for (const name of lazy) jest.dontMock(name);
    }
  });

  test('fails at init naming the missing variable', () => {
    Reflect.deleteProperty(process.env, 'HMAC_KEY_ID');
    expect(() => load()).toThrow('HMAC_KEY_ID');
  });
});
