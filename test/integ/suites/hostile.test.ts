/**
 * Hostile-input suite: malformed and hostile requests against the local gateway (the same authorizer
 * and serving code as the Lambda functions). Every request must get a 4xx (never a 5xx) with a JSON
 * error that names the problem without echoing the hostile value, a `request-id` header equal to the
 * id in the body, and exactly one decision record with that id. Spoofed identity headers with a valid
 * key are accepted but must not change the recorded tenant. See docs/local-suites.md.
 */
import { gzipSync } from 'node:zlib';
import { type DecisionRecord, recordedField } from '../../../lambdas/core/decision/record';
import { createTenant, operatorContext, setStatus } from '../../../lambdas/operator/actions';
import { MESSAGES_HEADERS } from '../support/http';
import {
  bodyRequestId,
  fetchRaw,
  type Harness,
  messagesBody,
  type RawResponse,
  rawRequest,
  startHarness,
} from './support/harness';

/** Put into hostile values; no response may contain it. */
const CANARY = 'ZZCANARY';

interface Ctx {
  readonly url: string;
  /** A high-limit tenant's key, so ~90 quick requests never meet the rate limit. */
  readonly key: string;
  readonly suspendedKey: string;
  readonly bannedKey: string;
}

interface Case {
  readonly name: string;
  readonly send: (c: Ctx) => Promise<RawResponse>;
  readonly status: number;
  /** The JSON path the error must name (message `field: …` and record `error.field`). */
  readonly field?: string;
  /** A fragment the error message must contain (the problem). */
  readonly says?: string | RegExp;
  /** Strings the response must not contain (besides {@link CANARY}). */
  readonly mustNotEcho?: readonly string[];
}

const json = { ...MESSAGES_HEADERS };

/** POST /v1/messages with the tenant's key and a JSON content type. */
const post = (c: Ctx, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetchRaw(`${c.url}/v1/messages`, {
    method: 'POST',
    headers: { ...json, 'x-api-key': c.key, ...headers },
    body,
  });

/** A Messages body with these fields replaced. */
const withFields = (fields: Record<string, unknown>) =>
  JSON.stringify({
    model: 'demo',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Hello' }],
    ...fields,
  });

/** A Messages body whose first user message has this content. */
const withContent = (content: unknown) => withFields({ messages: [{ role: 'user', content }] });

const image = (url: string) => withContent([{ type: 'image', source: { type: 'url', url } }]);

const bedrock = (c: Ctx, modelPath: string, body: string, stream = false, key = c.key) =>
  fetchRaw(`${c.url}/model/${modelPath}/${stream ? 'invoke-with-response-stream' : 'invoke'}`, {
    method: 'POST',
    headers: { ...json, 'x-api-key': key },
    body,
  });

const bedrockBody = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    anthropic_version: 'bedrock-2023-05-31',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Hello' }],
    ...fields,
  });

/** `depth` nested arrays inside the first message's content. */
const nested = (open: string, close: string, depth: number) =>
  `{"model":"demo","max_tokens":8,"messages":[{"role":"user","content":${open.repeat(depth)}${close.repeat(depth)}}]}`;

const otherKey = `csk_${'A'.repeat(32)}`;

const CASES: readonly Case[] = [
  // --- bytes and JSON syntax ---
  { name: 'empty body', send: (c) => post(c, ''), status: 400, says: 'empty' },
  { name: 'whitespace-only body', send: (c) => post(c, ' \n\t '), status: 400, says: 'empty' },
  {
    name: 'truncated JSON',
    send: (c) => post(c, `{"model":"demo","max_tokens":8,"messages":[{"role":"user","content":"${CANARY}`),
    status: 400,
    says: 'not valid JSON',
  },
  {
    name: 'trailing garbage after the object',
    send: (c) => post(c, `${withFields({})} ${CANARY}`),
    status: 400,
    says: 'not valid JSON',
  },
  { name: 'body is a JSON array', send: (c) => post(c, `["${CANARY}"]`), status: 400, says: 'JSON object' },
  { name: 'body is a JSON string', send: (c) => post(c, `"${CANARY}"`), status: 400, says: 'JSON object' },
  { name: 'body is null', send: (c) => post(c, 'null'), status: 400, says: 'JSON object' },
  {
    name: 'form-encoded body',
    send: (c) =>
      post(c, `model=demo&text=${CANARY}`, { 'content-type': 'application/x-www-form-urlencoded' }),
    status: 415,
    says: 'content-type: must be application/json',
  },
  {
    name: 'invalid UTF-8 bytes in a string',
    send: (c) =>
      post(
        c,
        Buffer.concat([
          Buffer.from(`{"model":"demo","max_tokens":8,"messages":[{"role":"user","content":"${CANARY}`),
          Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
          Buffer.from('"}]}'),
        ]),
      ),
    status: 400,
    says: 'not valid UTF-8',
  },
  {
    name: 'overlong UTF-8 encoding of "/"',
    send: (c) =>
      post(
        c,
        Buffer.concat([
          Buffer.from('{"model":"demo","max_tokens":8,"messages":[{"role":"user","content":"a'),
          Buffer.from([0xc0, 0xaf]),
          Buffer.from('"}]}'),
        ]),
      ),
    status: 400,
    says: 'not valid UTF-8',
  },
  {
    name: 'UTF-16LE body with BOM',
    send: (c) => post(c, Buffer.from(`\ufeff${messagesBody(CANARY)}`, 'utf16le')),
    status: 415,
    says: 'UTF-8',
  },
  {
    name: 'UTF-16BE body without BOM',
    send: (c) => post(c, Buffer.from(messagesBody(CANARY), 'utf16le').swap16()),
    status: 415,
    says: 'UTF-8',
  },
  {
    name: 'raw NUL bytes inside a string',
    send: (c) => post(c, messagesBody(`a\u0000${CANARY}`).replace('\\u0000', '\u0000')),
    status: 400,
    says: 'not valid JSON',
  },
  {
    name: 'lone high surrogate (\\ud800 escape)',
    send: (c) => post(c, messagesBody('x').replace('"x"', `"${CANARY}\\ud800"`)),
    status: 400,
    field: 'messages[0].content',
    says: 'lone UTF-16 surrogate',
  },
  {
    name: 'lone low surrogate in system',
    send: (c) => post(c, withFields({ system: 'x' }).replace('"system":"x"', `"system":"\\udc00${CANARY}"`)),
    status: 400,
    field: 'system',
    says: 'lone UTF-16 surrogate',
  },
  {
    name: 'lone surrogate in a key of tool input',
    send: (c) =>
      post(
        c,
        withFields({
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: { k: 1 } }] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] },
          ],
        }).replace('"input":{"k":1}', '"input":{"\\ud800":1}'),
      ),
    status: 400,
    says: 'lone UTF-16 surrogate',
  },
  // --- size and depth ---
  {
    name: 'body of 2 MiB + 1 byte',
    send: (c) => post(c, messagesBody(CANARY.padEnd(2 * 1024 * 1024, 'x'))),
    status: 413,
    says: 'exceeds',
  },
  {
    name: 'body of 10 MB (raw, connection closed after the answer)',
    send: (c) =>
      rawRequest(c.url, {
        path: '/v1/messages',
        headers: { ...json, 'x-api-key': c.key },
        body: messagesBody(CANARY.repeat(1_250_000)),
      }),
    status: 413,
    says: 'exceeds',
  },
  {
    name: '100k nested arrays',
    send: (c) => post(c, nested('[', ']', 100_000)),
    status: 400,
    says: 'nesting deeper than 64',
  },
  {
    name: '100k nested objects',
    send: (c) => post(c, nested('{"a":', '}', 100_000).replace(/\}\}\]\}$/, '')),
    status: 400,
    says: 'nesting deeper than 64',
  },
  {
    name: '65 nested arrays (one over the limit)',
    send: (c) => post(c, nested('[', ']', 62)),
    status: 400,
    says: 'nesting deeper than 64',
  },
  // --- keys ---
  {
    name: '__proto__ at the top level',
    send: (c) => post(c, withFields({}).replace('{', `{"__proto__":{"${CANARY}":true},`)),
    status: 400,
    field: '__proto__',
    says: 'forbidden key',
  },
  {
    name: 'constructor.prototype in tool input_schema',
    send: (c) =>
      post(
        c,
        withFields({ tools: [{ name: 'f', input_schema: { type: 'object' } }] }).replace(
          '"input_schema":{',
          `"input_schema":{"constructor":{"prototype":{"${CANARY}":1}},`,
        ),
      ),
    status: 400,
    field: 'tools[0].input_schema.constructor',
    says: 'forbidden key',
  },
  {
    name: '__proto__ spelled with a \\u escape',
    send: (c) => post(c, withFields({}).replace('{', '{"__pro\\u0074o__":{"polluted":true},')),
    status: 400,
    says: 'forbidden key',
  },
  {
    name: 'prototype key inside metadata',
    send: (c) =>
      post(c, withFields({ metadata: { user_id: 'u' } }).replace('"user_id"', '"prototype":1,"user_id"')),
    status: 400,
    field: 'metadata.prototype',
    says: 'forbidden key',
  },
  {
    name: 'duplicate top-level key (model twice)',
    send: (c) => post(c, withFields({}).replace('{', `{"model":"${CANARY}",`)),
    status: 400,
    field: 'model',
    says: 'duplicate key',
  },
  {
    name: 'duplicate key inside a message (content twice)',
    send: (c) =>
      post(c, withFields({}).replace('"content":"Hello"', `"content":"Hello","content":"${CANARY}"`)),
    status: 400,
    field: 'messages[0].content',
    says: 'duplicate key',
  },
  {
    name: 'unknown top-level field',
    send: (c) => post(c, withFields({ temperature_override: CANARY })),
    status: 400,
    field: 'temperature_override',
    says: 'unknown field',
  },
  {
    name: 'unknown field whose name is markup (shown as [?])',
    send: (c) => post(c, withFields({ [`<img src=x onerror=${CANARY}>`]: 1 })),
    status: 400,
    field: '[?]',
    says: 'unknown field',
    mustNotEcho: ['<img'],
  },
  // --- wrong types and values ---
  {
    name: 'max_tokens is a string',
    send: (c) => post(c, withFields({ max_tokens: CANARY })),
    status: 400,
    field: 'max_tokens',
  },
  {
    name: 'max_tokens negative',
    send: (c) => post(c, withFields({ max_tokens: -5 })),
    status: 400,
    field: 'max_tokens',
  },
  {
    name: 'max_tokens fractional',
    send: (c) => post(c, withFields({ max_tokens: 1.5 })),
    status: 400,
    field: 'max_tokens',
  },
  {
    name: 'max_tokens 1e300',
    send: (c) => post(c, withFields({}).replace('"max_tokens":64', '"max_tokens":1e300')),
    status: 400,
    field: 'max_tokens',
  },
  {
    name: 'messages is a string',
    send: (c) => post(c, withFields({ messages: CANARY })),
    status: 400,
    field: 'messages',
  },
  {
    name: 'messages is empty',
    send: (c) => post(c, withFields({ messages: [] })),
    status: 400,
    field: 'messages',
  },
  {
    name: 'role "system" in messages',
    send: (c) => post(c, withFields({ messages: [{ role: 'system', content: CANARY }] })),
    status: 400,
    field: 'messages[0].role',
  },
  {
    name: 'content is a number',
    send: (c) => post(c, withContent(42)),
    status: 400,
    field: 'messages[0].content',
  },
  {
    name: 'content is empty',
    send: (c) => post(c, withContent('')),
    status: 400,
    field: 'messages[0].content',
  },
  { name: 'model is a number', send: (c) => post(c, withFields({ model: 7 })), status: 400, field: 'model' },
  {
    name: 'model with markup',
    send: (c) => post(c, withFields({ model: `<script>${CANARY}</script>` })),
    status: 400,
    field: 'model',
    mustNotEcho: ['<script>'],
  },
  {
    name: 'temperature 5',
    send: (c) => post(c, withFields({ temperature: 5 })),
    status: 400,
    field: 'temperature',
  },
  {
    name: 'stream is a string',
    send: (c) => post(c, withFields({ stream: 'yes' })),
    status: 400,
    field: 'stream',
  },
  // --- content blocks ---
  {
    name: 'unknown block type',
    send: (c) => post(c, withContent([{ type: CANARY, text: 'x' }])),
    status: 400,
    field: 'messages[0].content[0].type',
  },
  {
    name: 'assistant-only block type in a user message',
    send: (c) => post(c, withContent([{ type: 'tool_use', id: 'x', name: 'f', input: {} }])),
    status: 400,
    field: 'messages[0].content[0].type',
  },
  {
    name: 'text block without text',
    send: (c) => post(c, withContent([{ type: 'text', value: CANARY }])),
    status: 400,
    field: 'messages[0].content[0].text',
  },
  {
    name: 'base64 image that is not base64',
    send: (c) =>
      post(
        c,
        withContent([
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: `!!${CANARY}!` } },
        ]),
      ),
    status: 400,
    field: 'messages[0].content[0].source.data',
    says: 'not valid base64',
  },
  {
    name: 'base64 "png" whose bytes are not a PNG',
    send: (c) =>
      post(
        c,
        withContent([
          {
            type: 'image',
            source: {
              type: 'base64',
              media_type: 'image/png',
              data: Buffer.from(`GIF89a${CANARY}`).toString('base64'),
            },
          },
        ]),
      ),
    status: 400,
    field: 'messages[0].content[0].source.data',
  },
  {
    name: 'base64 image with media type image/svg+xml',
    send: (c) =>
      post(
        c,
        withContent([
          { type: 'image', source: { type: 'base64', media_type: 'image/svg+xml', data: 'PHN2Zz4=' } },
        ]),
      ),
    status: 400,
    field: 'messages[0].content[0].source.media_type',
  },
  // --- URL sources (SSRF) ---
  ...[
    ['https://169.254.169.254/latest/meta-data/', '169.254'],
    ['https://localhost/x.png', 'localhost'],
    ['https://10.0.0.7/x.png', '10.0.0.7'],
    ['https://[::ffff:169.254.169.254]/x.png', 'ffff'],
    ['https://2852039166/x.png', '2852039166'],
    ['https://metadata.google.internal/x.png', 'metadata.google'],
    ['http://example.com/x.png', 'example.com'],
    ['file:///etc/passwd', '/etc/passwd'],
    ['https://user:pw@example.com/x.png', 'user:pw'],
    ['https://example.com:8443/x.png', '8443'],
  ].map(
    ([u, echo]): Case => ({
      name: `image URL ${u}`,
      send: (c) => post(c, image(u!)),
      status: 400,
      field: 'messages[0].content[0].source.url',
      mustNotEcho: [echo!],
    }),
  ),
  {
    name: 'document URL pointing at the metadata service',
    send: (c) =>
      post(
        c,
        withContent([{ type: 'document', source: { type: 'url', url: 'https://169.254.169.254/doc.pdf' } }]),
      ),
    status: 400,
    field: 'messages[0].content[0].source.url',
    mustNotEcho: ['169.254'],
  },
  // --- counts ---
  {
    name: '1001 messages',
    send: (c) =>
      post(
        c,
        withFields({
          messages: Array.from({ length: 1001 }, (_, i) => ({
            role: i % 2 ? 'assistant' : 'user',
            content: 'hi',
          })),
        }),
      ),
    status: 400,
    field: 'messages',
  },
  {
    name: '501 blocks in one message',
    send: (c) => post(c, withContent(Array.from({ length: 501 }, () => ({ type: 'text', text: 'hi' })))),
    status: 400,
    field: 'messages[0].content',
  },
  {
    name: '257 tools',
    send: (c) =>
      post(
        c,
        withFields({ tools: Array.from({ length: 257 }, (_, i) => ({ name: `t${i}`, input_schema: {} })) }),
      ),
    status: 400,
    field: 'tools',
  },
  {
    name: '65 stop sequences',
    send: (c) => post(c, withFields({ stop_sequences: Array.from({ length: 65 }, (_, i) => `s${i}`) })),
    status: 400,
    field: 'stop_sequences',
  },
  // --- Bedrock routes ---
  {
    name: 'Bedrock: model id with a space',
    send: (c) => bedrock(c, `bad%20${CANARY}`, bedrockBody()),
    status: 400,
    field: 'modelId',
  },
  {
    name: 'Bedrock: model id with markup',
    send: (c) => bedrock(c, encodeURIComponent(`<b>${CANARY}`), bedrockBody()),
    status: 400,
    field: 'modelId',
    mustNotEcho: ['<b>'],
  },
  {
    name: 'Bedrock: body with model',
    send: (c) => bedrock(c, 'anthropic.demo-v1:0', bedrockBody({ model: CANARY })),
    status: 400,
    field: 'model',
  },
  {
    name: 'Bedrock: body with stream',
    send: (c) => bedrock(c, 'anthropic.demo-v1:0', bedrockBody({ stream: true })),
    status: 400,
    field: 'stream',
  },
  {
    name: 'Bedrock: missing anthropic_version',
    send: (c) => bedrock(c, 'anthropic.demo-v1:0', withFields({}).replace('"model":"demo",', '')),
    status: 400,
    field: 'anthropic_version',
  },
  {
    name: 'Bedrock: wrong anthropic_version',
    send: (c) => bedrock(c, 'anthropic.demo-v1:0', bedrockBody({ anthropic_version: CANARY })),
    status: 400,
    field: 'anthropic_version',
  },
  {
    name: 'Bedrock stream: invalid JSON',
    send: (c) => bedrock(c, 'anthropic.demo-v1:0', `{"${CANARY}`, true),
    status: 400,
    says: 'not valid JSON',
  },
  {
    name: 'Bedrock: no key',
    send: (c) => bedrock(c, 'anthropic.demo-v1:0', bedrockBody(), false, ''),
    status: 401,
  },
  // --- credentials and tenants ---
  {
    name: 'no credential',
    send: (c) =>
      fetchRaw(`${c.url}/v1/messages`, { method: 'POST', headers: json, body: messagesBody('hi') }),
    status: 401,
    says: 'authentication',
  },
  {
    name: 'no credential, spoofed x-tenant-id',
    send: (c) =>
      fetchRaw(`${c.url}/v1/messages`, {
        method: 'POST',
        headers: {
          ...json,
          'x-tenant-id': 'hostile-tenant',
          'x-amzn-apigateway-principal-id': 'hostile-tenant',
        },
        body: messagesBody('hi'),
      }),
    status: 401,
    mustNotEcho: ['hostile-tenant'],
  },
  {
    name: 'malformed key',
    send: (c) => post(c, messagesBody('hi'), { 'x-api-key': `csk_${CANARY}` }),
    status: 401,
  },
  {
    name: 'unknown well-formed key',
    send: (c) => post(c, messagesBody('hi'), { 'x-api-key': otherKey }),
    status: 401,
  },
  {
    name: 'empty x-api-key',
    send: (c) =>
      rawRequest(c.url, {
        path: '/v1/messages',
        headers: { ...json, 'x-api-key': '' },
        body: messagesBody('hi'),
      }),
    status: 401,
  },
  {
    name: 'Bearer without a token',
    send: (c) =>
      fetchRaw(`${c.url}/v1/messages`, {
        method: 'POST',
        headers: { ...json, authorization: 'Bearer' },
        body: messagesBody('hi'),
      }),
    status: 401,
  },
  {
    name: 'Bearer with two tokens',
    send: (c) =>
      fetchRaw(`${c.url}/v1/messages`, {
        method: 'POST',
        headers: { ...json, authorization: `Bearer ${c.key} ${CANARY}` },
        body: messagesBody('hi'),
      }),
    status: 401,
    mustNotEcho: ['csk_'],
  },
  {
    name: 'Basic auth scheme',
    send: (c) =>
      fetchRaw(`${c.url}/v1/messages`, {
        method: 'POST',
        headers: { ...json, authorization: `Basic ${Buffer.from(`${c.key}:`).toString('base64')}` },
        body: messagesBody('hi'),
      }),
    status: 401,
  },
  {
    name: 'x-api-key and Authorization with different keys',
    send: (c) => post(c, messagesBody('hi'), { authorization: `Bearer ${otherKey}` }),
    status: 401,
    mustNotEcho: ['csk_'],
  },
  {
    name: 'two x-api-key headers with different keys (raw)',
    send: (c) =>
      rawRequest(c.url, {
        path: '/v1/messages',
        headers: { ...json, 'x-api-key': [c.key, otherKey] },
        body: messagesBody('hi'),
      }),
    status: 401,
    mustNotEcho: ['csk_'],
  },
  {
    name: 'suspended tenant',
    send: (c) => post(c, messagesBody('hi'), { 'x-api-key': c.suspendedKey }),
    status: 403,
    says: 'suspended',
  },
  {
    name: 'banned tenant (Bedrock route)',
    send: (c) => bedrock(c, 'anthropic.demo-v1:0', bedrockBody(), false, c.bannedKey),
    status: 403,
    says: 'banned',
  },
  // --- encodings ---
  {
    name: 'gzip bomb (64 MiB of zeros, Content-Encoding: gzip) is refused, not decompressed',
    send: (c) =>
      rawRequest(c.url, {
        path: '/v1/messages',
        headers: { ...json, 'content-encoding': 'gzip', 'x-api-key': c.key },
        body: GZIP_BOMB(),
      }),
    status: 415,
    field: 'content-encoding',
  },
  {
    // Authentication comes first, as API Gateway runs the authorizer before the proxy sees the envelope.
    name: 'Content-Encoding: br without a key',
    send: (c) =>
      rawRequest(c.url, { path: '/v1/messages', headers: { ...json, 'content-encoding': 'br' }, body: 'xx' }),
    status: 401,
    says: 'authentication',
  },
  {
    name: 'Content-Encoding: deflate, gzip on Bedrock',
    send: (c) =>
      rawRequest(c.url, {
        path: '/model/anthropic.demo-v1:0/invoke',
        headers: { ...json, 'content-encoding': 'deflate, gzip', 'x-api-key': c.key },
        body: gzipSync(bedrockBody()),
      }),
    status: 415,
    field: 'content-encoding',
  },
];

let bomb: Buffer | undefined;
/** 64 MiB of zeros, gzipped (about 64 KiB on the wire), built once. */
function GZIP_BOMB(): Buffer {
  bomb ??= gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  return bomb;
}

/** The error message of an Anthropic or Bedrock error body. */
function errorMessage(text: string): string {
  const body = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
  const m = body.error?.message ?? body.message;
  if (typeof m !== 'string') throw new Error(`no error message in ${text.slice(0, 200)}`);
  return m;
}

describe('hostile input against the local gateway', () => {
  let h: Harness;
  let ctx: Ctx;
  const sent: string[] = [];
  let baseline: DecisionRecord;

  beforeAll(async () => {
    h = await startHarness();
    const ops = operatorContext(h.rt.dynamo.doc, h.rt.dynamo.tables, 'test:hostile');
    const { apiKey: key } = await ops.tenants.createTenant({
      tenantId: 'hostile-suite',
      tier: 'enterprise',
      zone: 'LOCAL',
      limits: { requests: 1_000_000, inputTokens: 1_000_000_000, outputTokens: 1_000_000_000 },
    });
    const suspended = await createTenant(ops, {
      tenantId: 'suspended-tenant',
      tier: 'standard',
      zone: 'LOCAL',
    });
    await setStatus(ops, 'suspended-tenant', 'suspended', 'hostile suite', 3_600_000);
    const banned = await createTenant(ops, { tenantId: 'banned-tenant', tier: 'standard', zone: 'LOCAL' });
    await setStatus(ops, 'banned-tenant', 'banned', 'hostile suite');
    ctx = { url: h.rt.gateway.url, key, suspendedKey: suspended.apiKey, bannedKey: banned.apiKey };

    const res = await post(ctx, messagesBody('Hello'));
    expect(res.status).toBe(200);
    const id = res.headers['request-id'] as string;
    sent.push(id);
    baseline = await h.waitForRecord(id);
    expect(baseline.tenant).toMatch(/^tn_/);
  }, 30_000);

  afterAll(async () => {
    await h?.stop();
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const upstreamBefore = h.rt.upstream!.received();
    const res = await c.send(ctx);
    const requestId = res.headers['request-id'];
    if (typeof requestId === 'string') sent.push(requestId);

    // A 4xx, never a 5xx, with a JSON error.
    expect(res.status).toBe(c.status);
    expect(String(res.headers['content-type'])).toContain('application/json');
    const message = errorMessage(res.text);
    if (c.field !== undefined) expect(message.startsWith(`${c.field}: `)).toBe(true);
    if (c.says !== undefined) expect(message).toMatch(c.says);

    // request-id present; equal to the id in the body (Anthropic) or x-amzn-requestid (Bedrock).
    expect(typeof requestId).toBe('string');
    const id = requestId as string;
    expect(id).toMatch(/^dec_[0-9a-f]{32}$/);
    const inBody = bodyRequestId(res.text);
    if (inBody !== undefined) expect(inBody).toBe(id);
    if (res.headers['x-amzn-requestid'] !== undefined) expect(res.headers['x-amzn-requestid']).toBe(id);

    // Never echoes the hostile value.
    for (const s of [CANARY, ...(c.mustNotEcho ?? [])]) expect(res.text).not.toContain(s);

    // Exactly one record, with this id, the same status, and the field (never the value).
    const record = await h.waitForRecord(id);
    expect(record.status).toBe(c.status);
    expect(JSON.stringify(record)).not.toContain(CANARY);
    // The record names the field through the record's redaction (client-chosen keys become `?`).
    if (c.field !== undefined && c.status !== 415) expect(record.error?.field).toBe(recordedField(c.field));
    if (record.tenant !== null)
      expect(['tn_', 'unavailable'].some((p) => record.tenant!.startsWith(p))).toBe(true);
    // Nothing hostile reached the model.
    expect(h.rt.upstream!.received()).toBe(upstreamBefore);
  });

  describe('spoofed identity headers with a valid key do not change the recorded tenant', () => {
    const spoofs: ReadonlyArray<readonly [string, Record<string, string>]> = [
      ['x-tenant-id', { 'x-tenant-id': 'suspended-tenant' }],
      [
        'x-amzn-* authorizer-looking headers',
        { 'x-amzn-apigateway-principal-id': 'banned-tenant', 'x-amzn-tenant': 'x' },
      ],
      [
        'x-forwarded-for / x-real-ip / x-tenant',
        { 'x-forwarded-for': '10.0.0.1', 'x-real-ip': '127.0.0.1', 'x-tenant': 'y' },
      ],
      [
        'x-api-tenant / x-authorizer-tenant-id',
        { 'x-api-tenant': 'banned-tenant', 'x-authorizer-tenant-id': 'z' },
      ],
    ];
    test.each(spoofs)('%s', async (_name, headers) => {
      const res = await post(ctx, messagesBody('Hello'), headers);
      expect(res.status).toBe(200);
      const id = res.headers['request-id'] as string;
      sent.push(id);
      const record = await h.waitForRecord(id);
      expect(record.tenant).toBe(baseline.tenant);
      expect(record.apiKey).toBe(baseline.apiKey);
    });
  });

  test('an escaped NUL (\\u0000) in text is valid JSON: accepted and recorded once', async () => {
    const res = await post(ctx, messagesBody('Hello\u0000there'));
    expect(res.status).toBe(200);
    const id = res.headers['request-id'] as string;
    sent.push(id);
    expect((await h.waitForRecord(id)).status).toBe(200);
  });

  // Found by this suite and fixed: the gateway passes req.headersDistinct to authorize(), so a second
  // Authorization header with another key is seen and refused as conflicting.
  test('two Authorization headers with different keys are refused (raw)', async () => {
    const res = await rawRequest(ctx.url, {
      path: '/v1/messages',
      headers: { ...json, authorization: [`Bearer ${ctx.key}`, `Bearer ${otherKey}`] },
      body: messagesBody('hi'),
    });
    const id = res.headers['request-id'] as string;
    sent.push(id);
    await h.waitForRecord(id);
    expect(res.status).toBe(401);
  });

  // As the Anthropic API: the media type is enforced (415), so a JSON body under another type is not served.
  test('fails when a JSON body is sent as text/plain: 415, recorded as a refusal', async () => {
    const res = await post(ctx, messagesBody('Hello'), { 'content-type': 'text/plain' });
    const id = res.headers['request-id'] as string;
    sent.push(id);
    expect(await h.waitForRecord(id)).toEqual(expect.objectContaining({ action: 'refuse', status: 415 }));
    expect(res.status).toBe(415);
  });

  test('every request left exactly one decision record, and the gateway still serves', async () => {
    const lines = await h.waitForLines(sent.length);
    const ids = h.records().map((r) => r.decisionId);
    expect(lines).toBe(sent.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...sent].sort());
    expect(h.rt.telemetry.counts().failed).toBe(0);
    expect(CASES.length + 6).toBeGreaterThanOrEqual(60);
    const res = await post(ctx, messagesBody('Still there?'));
    expect(res.status).toBe(200);
    sent.push(res.headers['request-id'] as string);
    const metrics = h.rt.gateway.metrics();
    expect(metrics['PortErrors'] ?? 0).toBe(0);
  });
});
