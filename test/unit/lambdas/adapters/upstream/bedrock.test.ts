/**
 * The Bedrock upstream (SigV4-signed HTTP/1.1, no SDK client) against a stand-in on 127.0.0.1:0 that checks each
 * request's signature with its own SigV4 implementation (node:crypto, written from the AWS specification, and checked
 * here against the SDK client's own requests), and answers with JSON bodies, error types and event-stream frames.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  BedrockHttpClient,
  type BedrockHttpClientOptions,
  bedrockEndpoint,
  bedrockStreamEvents,
  bedrockUpstream,
  bedrockUserAgent,
  maxAttemptsFrom,
  modelIdSegment,
  RetryQuota,
} from '../../../../../lambdas/adapters/upstream';
import { CallAbort, UpstreamError } from '../../../../../lambdas/core/serving';
import {
  bedrockChunkFrame,
  bedrockExceptionFrame,
  eventStreamCodec,
} from '../../../../../lambdas/core/serving/bedrock';
import { signedStandIn } from '../../../../support/sigv4';
import { STREAM_EVENTS } from './fixtures';

const CREDENTIALS = {
  accessKeyId: 'AKIDLOCAL',
  secretAccessKey: 'local-secret',
  sessionToken: 'local-session',
};
const MESSAGE = { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'hi' }] };
const EVENTS = STREAM_EVENTS;

interface Seen {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly signatureProblem: string | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

/** A Bedrock stand-in: records every request (with its signature check) and answers with `handle`. */
async function standIn(handle: Handler) {
  const seen: Seen[] = [];
  const server = await signedStandIn('bedrock', CREDENTIALS, ({ req, body, signatureProblem }, res) => {
    const s = { path: String(req.url), headers: req.headers, body, signatureProblem };
    seen.push(s);
    handle(req, res, s);
  });
  return { ...server, seen };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const errorType = (res: ServerResponse, status: number, type: string) =>
  json(
    res,
    status,
    { message: type },
    { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  );

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('bedrockUpstream over SigV4-signed HTTP', () => {
  const stands: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const s of stands.splice(0)) await s.close();
  });
  const start = async (handle: Handler) => {
    const s = await standIn(handle);
    stands.push(s);
    return s;
  };
  const client = (endpoint: string, extra: Partial<BedrockHttpClientOptions> = {}) =>
    new BedrockHttpClient({
      region: 'eu-west-1',
      endpoint,
      credentials: async () => CREDENTIALS,
      random: () => 0,
      ...extra,
    });

  test('GIVEN the SDK client signing a request THEN the stand-in verifier accepts it, and rejects it altered', async () => {
    // The verifier's control: the SDK's own signer over HTTP/1.1 must pass it, a wrong secret must not.
    const s = await start((_req, res) => json(res, 200, MESSAGE));
    for (const secretAccessKey of [CREDENTIALS.secretAccessKey, 'wrong-secret']) {
      const sdk = new BedrockRuntimeClient({
        region: 'eu-west-1',
        endpoint: s.endpoint,
        credentials: { ...CREDENTIALS, secretAccessKey },
        requestHandler: new NodeHttpHandler(),
        maxAttempts: 1,
      });
      await sdk.send(
        new InvokeModelCommand({ modelId: 'anthropic.claude-x-v1:0', body: new TextEncoder().encode('{}') }),
      );
      sdk.destroy();
    }
    expect(s.seen.map((x) => x.signatureProblem)).toEqual([undefined, 'signature does not match']);
    expect(s.seen[0]?.path).toBe('/model/anthropic.claude-x-v1%3A0/invoke');
  });

  test('invoke sends a signed Messages body with anthropic_version to the mapped, encoded model id', async () => {
    const s = await start((_req, res) => json(res, 200, MESSAGE));
    const up = bedrockUpstream(client(s.endpoint), { modelMap: { 'claude-x': 'anthropic.claude-x-v1:0' } });
    await expect(up.invoke({ max_tokens: 5, messages: [] }, 'claude-x', new CallAbort())).resolves.toEqual(
      MESSAGE,
    );
    const [call] = s.seen;
    expect(call?.signatureProblem).toBeUndefined();
    expect(call?.path).toBe('/model/anthropic.claude-x-v1%3A0/invoke');
    expect(call?.headers['content-type']).toBe('application/json');
    expect(call?.headers.accept).toBe('application/json');
    expect(JSON.parse(call?.body.toString('utf8') ?? '')).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 5,
      messages: [],
    });
  });

  test('an inference-profile ARN is one path segment, and its signature holds', async () => {
    const s = await start((_req, res) => json(res, 200, MESSAGE));
    const arn = 'arn:aws:bedrock:eu-west-1:111122223333:inference-profile/eu.anthropic.claude-x-v1:0';
    await bedrockUpstream(client(s.endpoint)).invoke({}, arn, new CallAbort());
    expect(s.seen[0]?.path).toBe(`/model/${modelIdSegment(arn)}/invoke`);
    expect(s.seen[0]?.path).toContain('inference-profile%2Feu.anthropic');
    expect(s.seen[0]?.signatureProblem).toBeUndefined();
  });

  test('credentials come from the default provider chain (the environment, as in Lambda)', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
    });
    try {
      const s = await start((_req, res) => json(res, 200, MESSAGE));
      const c = new BedrockHttpClient({ region: 'eu-west-1', endpoint: s.endpoint });
      await bedrockUpstream(c).invoke({}, 'm', new CallAbort());
      expect(s.seen[0]?.signatureProblem).toBeUndefined();
    } finally {
      process.env = saved;
    }
  });

  test('calls in sequence reuse one keep-alive connection', async () => {
    const s = await start((_req, res) => json(res, 200, MESSAGE));
    const up = bedrockUpstream(client(s.endpoint));
    for (let i = 0; i < 5; i++) await up.invoke({}, 'm', new CallAbort());
    expect(s.connections()).toBe(1);
    expect(s.seen.every((x) => x.signatureProblem === undefined)).toBe(true);
  });

  test('stream decodes event-stream frames split at every byte, with the SDK headers', async () => {
    const frames = Buffer.concat(EVENTS.map((e) => bedrockChunkFrame(e)));
    const s = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      let i = 0;
      // Pieces of 7 bytes, a turn of the event loop apart: frames and their length prefixes arrive split.
      const next = (): void => {
        if (i >= frames.length) {
          res.end();
          return;
        }
        res.write(frames.subarray(i, i + 7));
        i += 7;
        setImmediate(next);
      };
      next();
    });
    const out = await collect(
      bedrockUpstream(client(s.endpoint)).stream({ max_tokens: 5 }, 'm', new CallAbort()),
    );
    expect(out).toEqual(EVENTS);
    expect(s.seen[0]?.path).toBe('/model/m/invoke-with-response-stream');
    expect(s.seen[0]?.headers['x-amzn-bedrock-accept']).toBe('application/json');
    expect(s.seen[0]?.signatureProblem).toBeUndefined();
  });

  test('GIVEN a frame whose length prefix is corrupt WHEN its prelude arrives THEN the stream fails at once, not waiting for the claimed bytes', async () => {
    const frame = Buffer.concat(EVENTS.slice(0, 1).map((e) => bedrockChunkFrame(e)));
    frame.writeUInt32BE(frame.readUInt32BE(0) + 4096, 0); // claims 4 KB more; the prelude CRC no longer matches
    let release: () => void = () => {};
    const never = new Promise<void>((r) => {
      release = r;
    });
    async function* stalled() {
      yield frame.subarray(0, 12);
      await never; // the upstream sends nothing more and keeps the connection open
    }
    await expect(collect(bedrockStreamEvents(stalled(), 1 << 20))).rejects.toEqual(
      expect.objectContaining({ kind: 'invalid', message: expect.stringMatching(/prelude/) }),
    );
    release();
  });

  test('eventStreamMessages reassembles frames fed one byte at a time', async () => {
    const frames = Buffer.concat(EVENTS.map((e) => bedrockChunkFrame(e)));
    async function* bytes() {
      for (let i = 0; i < frames.length; i++) yield frames.subarray(i, i + 1);
    }
    const out = await collect(bedrockStreamEvents(bytes(), 1 << 20));
    expect(out).toEqual(EVENTS);
  });

  test.each([
    ['throttlingException', 'throttled'],
    ['modelStreamErrorException', 'unavailable'],
    ['validationException', 'rejected'],
    ['modelTimeoutException', 'timeout'],
  ] as const)('an exception frame %s mid-stream fails the stream as %s', async (type, kind) => {
    const s = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      res.write(bedrockChunkFrame(EVENTS[0] as { type: string }));
      res.end(bedrockExceptionFrame(type, 'x'));
    });
    const seen: string[] = [];
    const run = async () => {
      for await (const e of bedrockUpstream(client(s.endpoint)).stream({}, 'm', new CallAbort()))
        seen.push(e.type);
    };
    await expect(run()).rejects.toEqual(expect.objectContaining({ kind }));
    expect(seen).toEqual(['message_start']);
  });

  test.each([
    [
      'a frame whose checksum is wrong',
      'invalid',
      () => {
        const f = Buffer.from(bedrockChunkFrame(EVENTS[0] as { type: string }));
        f[f.length - 6] = (f[f.length - 6] ?? 0) ^ 0xff;
        return f;
      },
    ],
    [
      'a frame longer than the bound',
      'invalid',
      () => {
        const f = Buffer.alloc(16);
        f.writeUInt32BE(1 << 30, 0);
        return f;
      },
    ],
    [
      'a body that ends inside a frame',
      'unavailable',
      () => Buffer.from(bedrockChunkFrame(EVENTS[0] as { type: string })).subarray(0, 20),
    ],
    [
      'a chunk whose bytes are not JSON',
      'invalid',
      () =>
        Buffer.from(
          eventStreamCodec.encode({
            headers: {
              ':event-type': { type: 'string', value: 'chunk' },
              ':message-type': { type: 'string', value: 'event' },
            },
            body: new TextEncoder().encode(
              JSON.stringify({ bytes: Buffer.from('{not json').toString('base64') }),
            ),
          }),
        ),
    ],
  ] as const)('%s fails the stream as %s', async (_name, kind, body) => {
    const s = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      res.end(body());
    });
    await expect(
      collect(bedrockUpstream(client(s.endpoint)).stream({}, 'm', new CallAbort())),
    ).rejects.toEqual(expect.objectContaining({ kind }));
  });

  test.each([
    [400, 'ValidationException', 'rejected', 1],
    [403, 'AccessDeniedException', 'credentials', 1],
    [404, 'ResourceNotFoundException', 'rejected', 1],
    [424, 'ModelErrorException', 'rejected', 1],
    [408, 'ModelTimeoutException', 'timeout', 1],
    [429, 'ThrottlingException', 'throttled', 3],
    [503, 'ServiceUnavailableException', 'unavailable', 3],
    [500, 'InternalServerException', 'unavailable', 3],
  ] as const)(
    'status %i %s → %s after %i attempt(s), as the SDK client',
    async (status, type, kind, attempts) => {
      const s = await start((_req, res) => errorType(res, status, type));
      const err = await bedrockUpstream(client(s.endpoint))
        .invoke({}, 'm', new CallAbort())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toEqual(expect.objectContaining({ kind, message: type }));
      expect(s.seen).toHaveLength(attempts);
      // Error bodies are drained: the retries went over the same connection.
      expect(s.connections()).toBe(1);
    },
  );

  test('a throttled attempt followed by success serves the answer (the retry is signed afresh)', async () => {
    let n = 0;
    const s = await start((_req, res) =>
      n++ === 0 ? errorType(res, 429, 'ThrottlingException') : json(res, 200, MESSAGE),
    );
    await expect(bedrockUpstream(client(s.endpoint)).invoke({}, 'm', new CallAbort())).resolves.toEqual(
      MESSAGE,
    );
    expect(s.seen.map((x) => x.signatureProblem)).toEqual([undefined, undefined]);
  });

  test('a connection reset before the head is retried; maxAttempts 1 does not retry', async () => {
    let n = 0;
    const s = await start((req, res) => {
      if (n++ === 0) req.socket.destroy();
      else json(res, 200, MESSAGE);
    });
    await expect(bedrockUpstream(client(s.endpoint)).invoke({}, 'm', new CallAbort())).resolves.toEqual(
      MESSAGE,
    );
    expect(s.seen).toHaveLength(2);
    n = 0;
    await expect(
      bedrockUpstream(client(s.endpoint, { maxAttempts: 1 })).invoke({}, 'm', new CallAbort()),
    ).rejects.toEqual(expect.objectContaining({ kind: 'unavailable' }));
  });

  test('GIVEN a call in flight WHEN the caller aborts THEN it fails as aborted and the connection is closed', async () => {
    const s = await start(() => undefined);
    const abort = new CallAbort();
    const call = bedrockUpstream(client(s.endpoint)).invoke({}, 'm', abort);
    while (s.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(s.openSockets()).toBe(1);
    abort.abort();
    await expect(call).rejects.toEqual(expect.objectContaining({ kind: 'aborted' }));
    while (s.openSockets() > 0) await new Promise((r) => setTimeout(r, 5));
  });

  test('GIVEN a retry waiting out its backoff WHEN the caller aborts THEN it fails as aborted at once', async () => {
    const s = await start((_req, res) => errorType(res, 503, 'ServiceUnavailableException'));
    const abort = new CallAbort();
    // Backoff with jitter 1: 200 ms before the second attempt; the abort comes first.
    const call = bedrockUpstream(client(s.endpoint, { random: () => 0.999 })).invoke({}, 'm', abort);
    while (s.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    const t0 = performance.now();
    abort.abort();
    await expect(call).rejects.toEqual(expect.objectContaining({ kind: 'aborted' }));
    expect(performance.now() - t0).toBeLessThan(150);
    expect(s.seen).toHaveLength(1);
  });

  test('AWS_MAX_ATTEMPTS sets the attempts of a client built without maxAttempts', async () => {
    const saved = process.env['AWS_MAX_ATTEMPTS'];
    process.env['AWS_MAX_ATTEMPTS'] = '5';
    try {
      const s = await start((_req, res) => errorType(res, 503, 'ServiceUnavailableException'));
      await expect(bedrockUpstream(client(s.endpoint)).invoke({}, 'm', new CallAbort())).rejects.toEqual(
        expect.objectContaining({ kind: 'unavailable' }),
      );
      expect(s.seen).toHaveLength(5);
    } finally {
      if (saved === undefined) delete process.env['AWS_MAX_ATTEMPTS'];
      else process.env['AWS_MAX_ATTEMPTS'] = saved;
    }
  });

  test('GIVEN an empty retry quota THEN a failure is not retried; a success refills it', async () => {
    let fail = true;
    const s = await start((_req, res) =>
      fail ? errorType(res, 503, 'ServiceUnavailableException') : json(res, 200, MESSAGE),
    );
    const c = client(s.endpoint);
    // Retries drain the quota: 500 tokens pay for 100 retries of 5.
    while (c.retryQuota.take(new UpstreamError('unavailable', 'x', 503)) !== undefined);
    expect(c.retryQuota.available).toBe(0);
    await expect(bedrockUpstream(c).invoke({}, 'm', new CallAbort())).rejects.toEqual(
      expect.objectContaining({ kind: 'unavailable' }),
    );
    expect(s.seen).toHaveLength(1);
    fail = false;
    await bedrockUpstream(c).invoke({}, 'm', new CallAbort());
    expect(c.retryQuota.available).toBe(1);
  });

  test('each call carries the user agent, outside what an environment value can change', async () => {
    const s = await start((_req, res) => json(res, 200, MESSAGE));
    await bedrockUpstream(client(s.endpoint, { userAgent: 'ua-under-test' })).invoke(
      {},
      'm',
      new CallAbort(),
    );
    expect(s.seen[0]?.headers['user-agent']).toBe('ua-under-test');
    expect(s.seen[0]?.signatureProblem).toBeUndefined();
  });

  test('a response head later than headersTimeoutMs fails as timeout, not retried', async () => {
    const s = await start(() => undefined);
    const c = client(s.endpoint, { headersTimeoutMs: 50 });
    await expect(bedrockUpstream(c).invoke({}, 'm', new CallAbort())).rejects.toEqual(
      expect.objectContaining({ kind: 'timeout' }),
    );
    expect(s.seen).toHaveLength(1);
  });

  test('a non-JSON answer fails as invalid; a request without a model and no default makes no call', async () => {
    const s = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>');
    });
    const up = bedrockUpstream(client(s.endpoint));
    await expect(up.invoke({}, 'm', new CallAbort())).rejects.toEqual(
      expect.objectContaining({ kind: 'invalid' }),
    );
    await expect(up.invoke({}, undefined, new CallAbort())).rejects.toEqual(
      expect.objectContaining({ kind: 'rejected' }),
    );
    expect(s.seen).toHaveLength(1);
  });
});

describe('bedrockEndpoint', () => {
  test.each([
    [{}, 'eu-west-1', 'https://bedrock-runtime.eu-west-1.amazonaws.com'],
    [{ AWS_USE_FIPS_ENDPOINT: 'true' }, 'us-east-1', 'https://bedrock-runtime-fips.us-east-1.amazonaws.com'],
    [{}, 'cn-north-1', 'https://bedrock-runtime.cn-north-1.amazonaws.com.cn'],
    [{}, 'eusc-de-east-1', 'https://bedrock-runtime.eusc-de-east-1.amazonaws.eu'],
    [{ AWS_USE_DUALSTACK_ENDPOINT: 'true' }, 'eu-west-1', 'https://bedrock-runtime.eu-west-1.api.aws'],
    [
      { AWS_USE_DUALSTACK_ENDPOINT: 'true', AWS_USE_FIPS_ENDPOINT: 'true' },
      'us-east-1',
      'https://bedrock-runtime-fips.us-east-1.api.aws',
    ],
    [
      { AWS_USE_DUALSTACK_ENDPOINT: 'true' },
      'cn-north-1',
      'https://bedrock-runtime.cn-north-1.api.amazonwebservices.com.cn',
    ],
    [
      { AWS_USE_DUALSTACK_ENDPOINT: 'true' },
      'eusc-de-east-1',
      'https://bedrock-runtime.eusc-de-east-1.api.amazonwebservices.eu',
    ],
    [{ AWS_USE_DUALSTACK_ENDPOINT: 'false' }, 'eu-west-1', 'https://bedrock-runtime.eu-west-1.amazonaws.com'],
    [
      { AWS_USE_DUALSTACK_ENDPOINT: 'true', AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'http://127.0.0.1:2' },
      'eu-west-1',
      'http://127.0.0.1:2',
    ],
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }, 'eu-west-1', 'http://127.0.0.1:1'],
    [
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'http://127.0.0.1:2' },
      'eu-west-1',
      'http://127.0.0.1:2',
    ],
    [
      { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'http://127.0.0.1:2', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      'eu-west-1',
      'https://bedrock-runtime.eu-west-1.amazonaws.com',
    ],
  ])('%j in %s → %s', (env, region, expected) => {
    expect(bedrockEndpoint(region, env)).toBe(expected);
  });

  test('an endpoint that is not http(s) is refused at construction', () => {
    expect(() => new BedrockHttpClient({ region: 'eu-west-1', endpoint: 'file:///etc/passwd' })).toThrow(
      /http\(s\)/,
    );
  });
});

describe('client settings from the environment, as the SDK reads them', () => {
  test.each([
    [undefined, 3],
    ['', 3],
    ['1', 1],
    ['7', 7],
  ])('AWS_MAX_ATTEMPTS=%j → %i attempts', (value, expected) => {
    expect(maxAttemptsFrom(value === undefined ? {} : { AWS_MAX_ATTEMPTS: value })).toBe(expected);
  });

  test.each(['0', '-1', '2.5', 'three', 'Infinity'])(
    'AWS_MAX_ATTEMPTS=%j is refused, naming the variable',
    (value) => {
      expect(() => maxAttemptsFrom({ AWS_MAX_ATTEMPTS: value })).toThrow(/^AWS_MAX_ATTEMPTS: .*'/);
    },
  );

  test('the user agent names the client, the runtime, the API, the Lambda environment and the app id', () => {
    expect(bedrockUserAgent({})).toBe(
      `csp-safeguards lang/js md/nodejs#${process.versions.node} api/bedrock-runtime`,
    );
    expect(
      bedrockUserAgent({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x', AWS_SDK_UA_APP_ID: 'acme-app' }),
    ).toBe(
      `csp-safeguards lang/js md/nodejs#${process.versions.node} api/bedrock-runtime exec-env/AWS_Lambda_nodejs20.x app/acme-app`,
    );
  });

  test('GIVEN an app id with a line break and spaces THEN the user agent stays one header value of tokens', () => {
    const ua = bedrockUserAgent({ AWS_SDK_UA_APP_ID: 'a b\r\nx-evil: 1' });
    expect(ua).toMatch(/ app\/a-b--x-evil--1$/);
    expect(ua).not.toMatch(/[\r\n:]/);
  });
});

describe("RetryQuota (the SDK standard mode's retry tokens)", () => {
  test('a retry takes 5 tokens, 10 after a connection failure; none when the bucket holds less', () => {
    const q = new RetryQuota();
    expect(q.take(new UpstreamError('throttled', 'x', 429))).toBe(5);
    expect(q.take(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(10);
    expect(q.available).toBe(485);
    while (q.available >= 10) q.take(new Error('reset'));
    expect(q.available).toBe(5);
    expect(q.take(new Error('reset'))).toBeUndefined();
    expect(q.available).toBe(5);
  });

  test("a success gives back its last retry's cost, or 1 without retries, never past the capacity", () => {
    const q = new RetryQuota();
    q.take(new UpstreamError('unavailable', 'x', 503));
    q.take(new UpstreamError('unavailable', 'x', 503));
    q.succeeded(5);
    expect(q.available).toBe(495);
    q.succeeded(undefined);
    expect(q.available).toBe(496);
    for (let i = 0; i < 10; i++) q.succeeded(undefined);
    expect(q.available).toBe(RetryQuota.CAPACITY);
  });
});
