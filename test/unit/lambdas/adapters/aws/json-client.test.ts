/**
 * The JSON-protocol client (DynamoDB, KMS without the SDK's clients) against a stand-in on 127.0.0.1:0 that checks
 * each request's SigV4 signature (test/support/sigv4.ts) and answers with bodies, error types, stalls and resets.
 */
import { createHmac } from 'node:crypto';
import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { loadJsonRpcErrorCode } from '@smithy/core/protocols';
import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import { sign } from 'aws4';
import {
  AwsJsonClient,
  type AwsJsonClientOptions,
  AwsServiceError,
  awsErrorName,
  retryableAwsError,
} from '../../../../../lambdas/adapters/aws/json-client';
import { KMS_API, kmsClient, kmsGenerateMac } from '../../../../../lambdas/adapters/aws/kms';
import { awsEndpoint, awsUserAgent, RetryQuota } from '../../../../../lambdas/adapters/aws/standard';
import { DYNAMODB_API, dynamoDbError } from '../../../../../lambdas/adapters/dynamo/signed-document-client';
import { localPseudonymizer, macPseudonymizer } from '../../../../../lambdas/adapters/hmac';
import { signedStandIn } from '../../../../support/sigv4';

const CREDENTIALS = {
  accessKeyId: 'AKIDLOCAL',
  secretAccessKey: 'local-secret',
  sessionToken: 'local-session',
};

interface Seen {
  readonly target: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
  readonly signatureProblem: string | undefined;
}

type Handler = (res: ServerResponse, seen: Seen, n: number) => void;

/** A stand-in: records every request (with its signature check for `service`) and answers with `handle`. */
async function standIn(service: string, handle: Handler) {
  const seen: Seen[] = [];
  const server = await signedStandIn(service, CREDENTIALS, ({ req, body, signatureProblem }, res) => {
    const s: Seen = {
      target: String(req.headers['x-amz-target']),
      headers: req.headers,
      body: JSON.parse(body.toString('utf8')) as Record<string, unknown>,
      signatureProblem,
    };
    seen.push(s);
    handle(res, s, seen.length);
  });
  return { ...server, seen };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': 'req-1',
    ...headers,
  });
  res.end(JSON.stringify(body));
};

let stand: Awaited<ReturnType<typeof standIn>> | undefined;
afterEach(async () => {
  await stand?.close();
  stand = undefined;
});

function dynamo(endpoint: string, opts: Partial<AwsJsonClientOptions> = {}) {
  return new AwsJsonClient(DYNAMODB_API, {
    region: 'eu-west-1',
    endpoint,
    credentials: async () => CREDENTIALS,
    maxAttempts: 3,
    random: () => 0,
    ...opts,
  });
}

describe('AwsJsonClient', () => {
  test('signs each call (SigV4, service dynamodb, session token), names the operation and reuses one connection', async () => {
    stand = await standIn('dynamodb', (res) => json(res, 200, { Item: { id: { S: 'a' } } }));
    const client = dynamo(stand.endpoint);
    // WHEN
    const outs = [];
    for (let i = 0; i < 3; i++)
      outs.push(await client.call('GetItem', { TableName: 't', Key: { id: { S: 'a' } } }));
    // THEN
    expect(outs[0]).toEqual({ Item: { id: { S: 'a' } } });
    expect(stand.seen.map((s) => s.signatureProblem)).toEqual([undefined, undefined, undefined]);
    expect(stand.seen[0]?.target).toBe('DynamoDB_20120810.GetItem');
    expect(stand.seen[0]?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(stand.seen[0]?.headers['user-agent']).toMatch(
      /^csp-safeguards lang\/js md\/nodejs#[\d.]+ api\/dynamodb/,
    );
    expect(stand.seen[0]?.body).toEqual({ TableName: 't', Key: { id: { S: 'a' } } });
    expect(stand.connections()).toBe(1);
  });

  test('the signature check refuses a request signed with another secret (the verifier can fail)', async () => {
    stand = await standIn('dynamodb', (res) => json(res, 200, {}));
    const client = dynamo(stand.endpoint, {
      credentials: async () => ({ ...CREDENTIALS, secretAccessKey: 'wrong' }),
    });
    await client.call('GetItem', {});
    expect(stand.seen[0]?.signatureProblem).toBe('signature does not match');
  });

  test('the signature check refuses a JSON-protocol request whose x-amz-target is not signed', async () => {
    stand = await standIn('dynamodb', (res) => json(res, 200, {}));
    const body = '{}';
    const url = new URL(stand.endpoint);
    const headers = {
      host: url.host,
      'content-type': 'application/x-amz-json-1.0',
      'content-length': String(body.length),
    };
    // Signed without the target, which is added afterwards (an operation an intermediary could swap).
    const signed = sign(
      { host: url.host, path: '/', method: 'POST', service: 'dynamodb', region: 'eu-west-1', headers, body },
      CREDENTIALS,
    ).headers as Record<string, string>;
    await new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/',
          headers: { ...signed, 'x-amz-target': 'DynamoDB_20120810.DeleteTable' },
        },
        (res) => res.resume().on('end', resolve),
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(stand.seen[0]?.signatureProblem).toBe('x-amz-target not signed');
  });

  test('an error answer becomes an error named by x-amzn-errortype or __type, with its fields, status and request id', async () => {
    stand = await standIn('dynamodb', (res, _s, n) =>
      n === 1
        ? json(res, 400, {
            __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
            message: 'The conditional request failed',
            Item: { n: { N: '3' } },
          })
        : json(
            res,
            400,
            { message: 'bad' },
            {
              'x-amzn-errortype':
                'ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/',
            },
          ),
    );
    const client = dynamo(stand.endpoint);
    // WHEN / THEN
    const first = await client.call('UpdateItem', {}).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(AwsServiceError);
    expect(first).toMatchObject({
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: 'req-1', attempts: 1 },
      fields: { Item: { n: { N: '3' } } },
    });
    const second = await client.call('UpdateItem', {}).catch((e: unknown) => e);
    expect(second).toMatchObject({ name: 'ValidationException', message: 'bad' });
    // Neither is retried: client errors that are not throttling.
    expect(stand.seen).toHaveLength(2);
  });

  test('errors map through `errors` (e.g. to the SDK exception classes)', async () => {
    stand = await standIn('dynamodb', (res) =>
      json(res, 400, { __type: 'x#ResourceNotFoundException', message: 'no' }),
    );
    class Mapped extends Error {}
    const client = dynamo(stand.endpoint, { errors: (e) => new Mapped(e.name) });
    await expect(client.call('GetItem', {})).rejects.toEqual(new Mapped('ResourceNotFoundException'));
  });

  test('retries 5xx and throttling as the standard mode (re-signed), up to maxAttempts, then throws the last error', async () => {
    stand = await standIn('dynamodb', (res, _s, n) =>
      n === 1
        ? json(res, 500, { __type: 'InternalServerError', message: 'oops' })
        : n === 2
          ? json(res, 400, { __type: 'x#ProvisionedThroughputExceededException', message: 'slow down' })
          : json(res, 200, { ok: true }),
    );
    const client = dynamo(stand.endpoint);
    // WHEN
    const out = await client.call('PutItem', {});
    // THEN
    expect(out).toEqual({ ok: true });
    expect(stand.seen).toHaveLength(3);
    expect(stand.seen.every((s) => s.signatureProblem === undefined)).toBe(true);
    // Two retries took 5 each; the success gives back the last one's cost.
    expect(client.retryQuota.available).toBe(RetryQuota.CAPACITY - RetryQuota.RETRY_COST);

    stand.seen.length = 0;
    const always503 = await standIn('dynamodb', (res) => json(res, 503, { __type: 'ServiceUnavailable' }));
    try {
      const c2 = dynamo(always503.endpoint);
      const e = await c2.call('PutItem', {}).catch((x: unknown) => x);
      expect(e).toMatchObject({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { attempts: 3 } });
      expect(always503.seen).toHaveLength(3);
      expect(c2.retryQuota.available).toBe(RetryQuota.CAPACITY - 2 * RetryQuota.RETRY_COST);
    } finally {
      await always503.close();
    }
  });

  test('an empty retry quota stops retries', async () => {
    stand = await standIn('dynamodb', (res) => json(res, 500, { __type: 'InternalServerError' }));
    const client = dynamo(stand.endpoint);
    while (client.retryQuota.take({ status: 500 }) !== undefined);
    await expect(client.call('GetItem', {})).rejects.toMatchObject({ name: 'InternalServerError' });
    expect(stand.seen).toHaveLength(1);
  });

  test('a response that misses the deadline (head or body) is a TimeoutError, retried, then thrown', async () => {
    let n = 0;
    stand = await standIn('dynamodb', (res) => {
      n++;
      // First: no head at all; second: a head and half a body, then nothing.
      if (n === 2) {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.write('{"Item":');
      }
    });
    const client = dynamo(stand.endpoint, { timeoutMs: 100, maxAttempts: 2 });
    const started = Date.now();
    const e = await client.call('GetItem', {}).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 2 } });
    expect(stand.seen).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('a call marked not idempotent is not sent again once written without an answer (timeout, reset); answers and refused connections are retried', async () => {
    let n = 0;
    // Attempt 1 of each call: no answer (the deadline passes) or a reset after the whole request arrived.
    stand = await standIn('dynamodb', (res) => {
      n++;
      if (n === 2) res.socket?.destroy();
    });
    const client = dynamo(stand.endpoint, { timeoutMs: 100, maxAttempts: 3 });
    // WHEN / THEN: a timeout, one attempt
    await expect(client.call('UpdateItem', {}, { idempotent: false })).rejects.toMatchObject({
      name: 'TimeoutError',
      $metadata: { attempts: 1 },
    });
    expect(stand.seen).toHaveLength(1);
    // a reset after the request was written: one attempt
    await expect(client.call('UpdateItem', {}, { idempotent: false })).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
    expect(stand.seen).toHaveLength(2);
    await stand.close();
    // The service's own answers (throttling, 5xx: not applied) are retried as before.
    stand = await standIn('dynamodb', (res, _s, k) =>
      k < 3 ? json(res, 503, { __type: 'ServiceUnavailable' }) : json(res, 200, { ok: 1 }),
    );
    const answered = dynamo(stand.endpoint, { maxAttempts: 3 });
    await expect(answered.call('UpdateItem', {}, { idempotent: false })).resolves.toEqual({ ok: 1 });
    expect(stand.seen).toHaveLength(3);
    // Nothing written (a refused connection): retried.
    const refused = dynamo('http://127.0.0.1:9', { maxAttempts: 2 });
    await refused.call('UpdateItem', {}, { idempotent: false }).catch(() => undefined);
    expect(refused.retryQuota.available).toBe(RetryQuota.CAPACITY - RetryQuota.TRANSIENT_RETRY_COST);
  });

  test('the Item of a ConditionalCheckFailedException has its binary values as bytes, as the SDK gives them', () => {
    const e = dynamoDbError(
      new AwsServiceError('ConditionalCheckFailedException', 'failed', 400, 'r', {
        Item: { b: { B: 'AQI=' }, m: { M: { bs: { BS: ['AA=='] } } }, n: { N: '1' } },
      }),
    ) as ConditionalCheckFailedException;
    expect(e).toBeInstanceOf(ConditionalCheckFailedException);
    expect(e.Item).toEqual({
      b: { B: new Uint8Array([1, 2]) },
      m: { M: { bs: { BS: [new Uint8Array([0])] } } },
      n: { N: '1' },
    });
    expect(e.Item?.['b']?.B).toBeInstanceOf(Uint8Array);
    expect(() =>
      dynamoDbError(
        new AwsServiceError('ConditionalCheckFailedException', 'failed', 400, 'r', {
          Item: { b: { B: 'no!' } },
        }),
      ),
    ).toThrow(/not base64/);
  });

  test('a refused connection is retried and thrown with its code; a reset mid-body is not taken as a whole body', async () => {
    const client = dynamo('http://127.0.0.1:9', { maxAttempts: 2 });
    await expect(client.call('GetItem', {})).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // Two attempts, the second's cost taken from the quota (a connection failure costs 10).
    expect(client.retryQuota.available).toBe(RetryQuota.CAPACITY - RetryQuota.TRANSIENT_RETRY_COST);

    stand = await standIn('dynamodb', (res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': '100' });
      res.write('{"Item":');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const c2 = dynamo(stand.endpoint, { maxAttempts: 1 });
    await expect(c2.call('GetItem', {})).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  test('an answer that is too long, or not a JSON object, fails without a retry', async () => {
    stand = await standIn('dynamodb', (res, _s, n) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(n === 1 ? JSON.stringify({ big: 'x'.repeat(2_000) }) : n === 2 ? 'not json' : '[1]');
    });
    const client = dynamo(stand.endpoint, { maxResponseBytes: 1_000 });
    await expect(client.call('GetItem', {})).rejects.toMatchObject({ name: 'ResponseTooLarge' });
    await expect(client.call('GetItem', {})).rejects.toMatchObject({ name: 'InvalidResponse' });
    await expect(client.call('GetItem', {})).rejects.toMatchObject({ name: 'InvalidResponse' });
    expect(stand.seen).toHaveLength(3);
  });

  test('an empty 200 body is an empty output', async () => {
    stand = await standIn('dynamodb', (res) => {
      res.writeHead(200);
      res.end();
    });
    await expect(dynamo(stand.endpoint).call('DeleteItem', {})).resolves.toEqual({});
  });
});

describe('dynamoDbError', () => {
  test('a known name is the SDK exception class, with the error body fields (the condition failure item)', () => {
    const e = dynamoDbError(
      new AwsServiceError('ConditionalCheckFailedException', 'failed', 400, 'r1', {
        Item: { n: { N: '1' } },
      }),
    );
    expect(e).toBeInstanceOf(ConditionalCheckFailedException);
    expect(e).toMatchObject({
      name: 'ConditionalCheckFailedException',
      message: 'failed',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: 'r1', attempts: 1 },
      Item: { n: { N: '1' } },
    });
    expect(
      dynamoDbError(new AwsServiceError('ProvisionedThroughputExceededException', 'slow', 400)),
    ).toBeInstanceOf(ProvisionedThroughputExceededException);
  });

  test('another name is the service base exception with that name; names that are not exceptions are not constructed', () => {
    for (const name of ['SomethingNew', 'DynamoDBClient', 'GetItemCommand', 'constructor', '__proto__']) {
      const e = dynamoDbError(new AwsServiceError(name, 'm', 500));
      expect(e).toBeInstanceOf(DynamoDBServiceException);
      expect(e).toMatchObject({ name, $fault: 'server', message: 'm' });
    }
  });
});

describe('standard-mode helpers', () => {
  test.each([
    [{ name: 'ThrottlingException' }, true],
    [{ name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }, true],
    [{ name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 400 } }, true],
    [{ name: 'TimeoutError' }, true],
    [{ name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }, true],
    [{ name: 'X', $metadata: { httpStatusCode: 429 } }, true],
    [{ name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } }, false],
    [{ name: 'ValidationException', $metadata: { httpStatusCode: 400 } }, false],
    [{ code: 'ECONNRESET' }, true],
    [{ code: 'ENOTFOUND' }, true],
    [new Error('plain'), false],
  ])('retryableAwsError(%o) is %s', (e, expected) => {
    expect(retryableAwsError(e)).toBe(expected);
  });

  test('retryableAwsError decides as the installed SDK retry classification (isThrottlingError || isTransientError)', () => {
    const failures: object[] = [
      ...[
        'ThrottlingException',
        'TooManyRequestsException',
        'ProvisionedThroughputExceededException',
        'TransactionInProgressException',
        'TimeoutError',
        'RequestTimeout',
        'RequestTimeoutException',
        'ConditionalCheckFailedException',
        'ValidationException',
        'AccessDeniedException',
        'ResourceNotFoundException',
        'ResponseTooLarge',
        'InvalidResponse',
        'AbortError',
      ].flatMap((name) => [
        { name, message: 'm' },
        { name, message: 'm', $metadata: { httpStatusCode: 400 } },
      ]),
      ...[400, 403, 404, 413, 429, 500, 501, 502, 503, 504, 505].map((httpStatusCode) => ({
        name: 'X',
        message: 'm',
        $metadata: { httpStatusCode },
      })),
      ...[
        'ECONNRESET',
        'ECONNREFUSED',
        'EPIPE',
        'ETIMEDOUT',
        'EHOSTUNREACH',
        'ENETUNREACH',
        'ENOTFOUND',
        'EAI_AGAIN',
        'ECONNABORTED',
        'ERR_INVALID_CHAR',
        'ERR_STREAM_DESTROYED',
      ].map((code) => Object.assign(new Error('m'), { code })),
      Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('m'), { code: 'EAI_AGAIN' }) }),
      Object.assign(new Error('wrapped'), { cause: new Error('m') }),
      {
        name: 'InvalidSignatureException',
        message: 'Signature expired: 20261207T000000Z is now earlier than …',
      },
      { name: 'InvalidSignatureException', message: 'The request signature we calculated does not match' },
      new Error('no status, no code'),
    ];
    const sdk = (e: object) => isThrottlingError(e as never) || isTransientError(e as never);
    const differ = failures.filter((e) => retryableAwsError(e) !== sdk(e));
    expect(differ).toEqual([]);
    // Both sides say yes and no somewhere (the comparison can fail).
    expect(new Set(failures.map(sdk))).toEqual(new Set([true, false]));
  });

  test.each([
    ['com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', 'ResourceNotFoundException'],
    ['ValidationException:http://internal.amazon.com/coral/', 'ValidationException'],
    ['NotFoundException', 'NotFoundException'],
    ['ThrottlingException,ValidationException', 'ThrottlingException'],
    ['aws.protocoltests#FooError:http://internal/,Other', 'FooError'],
    ['', undefined],
    [undefined, undefined],
    [42, undefined],
  ])('awsErrorName(%p) is %p', (raw, expected) => {
    expect(awsErrorName(raw)).toBe(expected);
  });

  test('error names are cleaned and looked up as the SDK does for the JSON protocols (__type, code, header)', () => {
    const raws = [
      'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      'ValidationException:http://internal.amazon.com/coral/',
      'ThrottlingException,ValidationException',
      'a.b#C:http://x/,D',
      'Plain',
    ];
    for (const raw of raws) {
      const ours = awsErrorName(raw);
      expect([ours, ours]).toEqual([
        loadJsonRpcErrorCode({ headers: {} } as never, { __type: raw }),
        loadJsonRpcErrorCode({ headers: { 'x-amzn-errortype': raw } } as never, {}),
      ]);
    }
  });

  test('the body names the error before the header (the SDK order for JSON-RPC)', async () => {
    stand = await standIn('dynamodb', (res) =>
      json(res, 400, { __type: 'prefix#FromBody', message: 'm' }, { 'x-amzn-errortype': 'FromHeader' }),
    );
    await expect(dynamo(stand.endpoint).call('GetItem', {})).rejects.toMatchObject({ name: 'FromBody' });
  });

  test.each([
    [{}, 'https://dynamodb.eu-west-1.amazonaws.com'],
    [{ AWS_USE_FIPS_ENDPOINT: 'true' }, 'https://dynamodb-fips.eu-west-1.amazonaws.com'],
    [{ AWS_USE_DUALSTACK_ENDPOINT: 'true' }, 'https://dynamodb.eu-west-1.api.aws'],
    [{ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' }, 'http://127.0.0.1:8000'],
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:9000' }, 'http://127.0.0.1:9000'],
    [
      { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      'https://dynamodb.eu-west-1.amazonaws.com',
    ],
  ])('the DynamoDB endpoint with %o is %s', (env, expected) => {
    expect(awsEndpoint('dynamodb', 'DYNAMODB', 'eu-west-1', env)).toBe(expected);
  });

  test('the KMS endpoint in the China partition, and a user agent whose environment values cannot add a header', () => {
    expect(awsEndpoint('kms', 'KMS', 'cn-north-1', {})).toBe('https://kms.cn-north-1.amazonaws.com.cn');
    expect(awsUserAgent('kms', { AWS_SDK_UA_APP_ID: 'a b\r\nx-evil: 1' })).toMatch(/ app\/a-b--x-evil--1$/);
  });

  test('an endpoint that is not http(s) fails at construction, naming the service', () => {
    expect(() => new AwsJsonClient(KMS_API, { region: 'eu-west-1', endpoint: 'ftp://x' })).toThrow(
      /^kms endpoint/,
    );
  });
});

describe('kmsGenerateMac', () => {
  const KEY = Buffer.alloc(32, 7);

  test('pseudonyms over KMS GenerateMac equal the local HMAC ones for the same key (signed, JSON 1.1)', async () => {
    stand = await standIn('kms', (res, s) => {
      const mac = createHmac('sha256', KEY)
        .update(Buffer.from(String(s.body['Message']), 'base64'))
        .digest('base64');
      json(res, 200, { KeyId: s.body['KeyId'], Mac: mac, MacAlgorithm: 'HMAC_SHA_256' });
    });
    const client = kmsClient({
      region: 'eu-west-1',
      endpoint: stand.endpoint,
      credentials: async () => CREDENTIALS,
    });
    const viaKms = macPseudonymizer(kmsGenerateMac(client, 'alias/hmac'));
    const local = localPseudonymizer(KEY);
    // WHEN / THEN
    expect(await viaKms('tenant', 'acme')).toBe(await local('tenant', 'acme'));
    expect(await viaKms('apiKey', 'b'.repeat(64))).toBe(await local('apiKey', 'b'.repeat(64)));
    expect(stand.seen[0]).toMatchObject({
      target: 'TrentService.GenerateMac',
      signatureProblem: undefined,
      body: { KeyId: 'alias/hmac', MacAlgorithm: 'HMAC_SHA_256' },
    });
    expect(stand.seen[0]?.headers['content-type']).toBe('application/x-amz-json-1.1');
    // Cached per identity: a second request for the same tenant makes no call.
    await viaKms('tenant', 'acme');
    expect(stand.seen).toHaveLength(2);
  });

  test.each([[{}], [{ Mac: 'AAAA' }], [{ Mac: 42 }]])(
    'an answer without a 32-byte Mac (%o) fails',
    async (answer) => {
      stand = await standIn('kms', (res) => json(res, 200, answer));
      const client = kmsClient({
        region: 'eu-west-1',
        endpoint: stand.endpoint,
        credentials: async () => CREDENTIALS,
      });
      await expect(kmsGenerateMac(client, 'k')(new Uint8Array([1]))).rejects.toThrow(/no 32-byte Mac/);
    },
  );
});
