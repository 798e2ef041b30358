import fc from 'fast-check';
import { type ParseOptions, parseRequest } from '../../../../../lambdas/core/request/parse';
import { renderError } from '../../../../../lambdas/core/serving/errors';

/** A value that must never be echoed back in an error. */
const EVIL = 'EVIL_MARKER_1337';
const PNG_B64 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]).toString('base64');

const base = { model: 'claude-test', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
const withMessages = (messages: unknown[]): string => JSON.stringify({ ...base, messages });
const withUser = (...content: unknown[]): string => withMessages([{ role: 'user', content }]);
const image = (source: unknown): string => withUser({ type: 'image', source });
const urlImage = (url: string): string => image({ type: 'url', url });
const bedrock = (extra: Record<string, unknown>): string =>
  JSON.stringify({
    anthropic_version: 'bedrock-2023-05-31',
    max_tokens: 8,
    messages: base.messages,
    ...extra,
  });
const nest = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

interface Case {
  readonly name: string;
  readonly body: string | Uint8Array;
  readonly status: number;
  readonly field: string;
  readonly opts?: Partial<ParseOptions>;
}

const CASES: readonly Case[] = [
  // Fields and types the field table refuses (lambdas/core/request/fields.ts): 400 naming the path
  {
    name: 'server tool the gateway does not serve',
    body: JSON.stringify({ ...base, tools: [{ type: 'web_fetch_20250910', name: 'web_fetch' }] }),
    status: 400,
    field: 'tools[0].type',
  },
  {
    name: 'extra field on a server tool',
    body: JSON.stringify({
      ...base,
      tools: [{ type: 'web_search_20250305', name: 'web_search', notes: EVIL }],
    }),
    status: 400,
    field: 'tools[0].notes',
  },
  {
    name: 'refused block type (mcp_tool_use)',
    body: withUser({ type: 'mcp_tool_use', id: 'a', name: 'b', server_name: EVIL, input: {} }),
    status: 400,
    field: 'messages[0].content[0].type',
  },
  {
    name: 'extra field on a citation',
    body: withUser({
      type: 'text',
      text: 'a',
      citations: [
        {
          type: 'char_location',
          cited_text: 'x',
          document_index: 0,
          document_title: null,
          start_char_index: 0,
          end_char_index: 1,
          note: EVIL,
        },
      ],
    }),
    status: 400,
    field: 'messages[0].content[0].citations[0].note',
  },
  {
    name: 'inference_geo (residency is fixed)',
    body: JSON.stringify({ ...base, inference_geo: 'us' }),
    status: 400,
    field: 'inference_geo',
  },
  {
    name: 'fallbacks to another model',
    body: JSON.stringify({ ...base, fallbacks: [{ model: EVIL }] }),
    status: 400,
    field: 'fallbacks',
  },
  {
    name: 'mcp_servers',
    body: JSON.stringify({ ...base, mcp_servers: [{ name: EVIL }] }),
    status: 400,
    field: 'mcp_servers',
  },
  {
    name: 'betas in the body',
    body: JSON.stringify({ ...base, betas: [EVIL] }),
    status: 400,
    field: 'betas',
  },
  {
    name: 'prose in metadata.user_id',
    body: JSON.stringify({ ...base, metadata: { user_id: `${EVIL} x` } }),
    status: 400,
    field: 'metadata.user_id',
  },
  {
    name: 'prose in a thinking signature',
    body: withMessages([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: `${EVIL} x` }] },
    ]),
    status: 400,
    field: 'messages[1].content[0].signature',
  },
  {
    name: 'prose in a tool_use id',
    body: withMessages([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: `${EVIL} x`, name: 't', input: {} }] },
    ]),
    status: 400,
    field: 'messages[1].content[0].id',
  },
  {
    name: 'thinking block_binding (not served)',
    body: JSON.stringify({ ...base, thinking: { type: 'adaptive', block_binding: {} } }),
    status: 400,
    field: 'thinking.block_binding',
  },
  // Encoding, size and syntax
  { name: 'invalid JSON', body: `{"model": ${EVIL}`, status: 400, field: '' },
  { name: 'truncated JSON', body: `{"model":"${EVIL}`, status: 400, field: '' },
  { name: 'top-level array', body: `["${EVIL}"]`, status: 400, field: '' },
  { name: 'top-level null', body: 'null', status: 400, field: '' },
  { name: 'top-level string', body: `"${EVIL}"`, status: 400, field: '' },
  { name: 'empty body', body: '', status: 400, field: '' },
  { name: 'whitespace-only body', body: ' \n\t ', status: 400, field: '' },
  {
    name: 'invalid UTF-8 bytes',
    body: new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    status: 400,
    field: '',
  },
  { name: 'overlong UTF-8 encoding', body: new Uint8Array([0x7b, 0xc0, 0xaf, 0x7d]), status: 400, field: '' },
  {
    name: 'UTF-16LE body with BOM',
    body: new Uint8Array(
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`{"a":"${EVIL}"}`, 'utf16le')]),
    ),
    status: 415,
    field: '',
  },
  {
    name: 'body over the byte limit',
    body: withUser({ type: 'text', text: EVIL.repeat(20) }),
    status: 413,
    field: '',
    opts: { maxBytes: 100 },
  },
  {
    name: 'multi-byte string over the byte limit',
    body: `{"a":"${'é'.repeat(80)}"}`,
    status: 413,
    field: '',
    opts: { maxBytes: 100 },
  },
  { name: '100k opening brackets', body: '['.repeat(100_000), status: 400, field: `${'[0]'.repeat(64)}` },
  { name: 'objects nested 70 deep', body: nest(70), status: 400, field: Array(64).fill('a').join('.') },
  // Duplicate and prototype keys
  {
    name: 'duplicate top-level key',
    body: `{"model":"a","max_tokens":1,"model":"${EVIL}"}`,
    status: 400,
    field: 'model',
  },
  {
    name: 'duplicate key via escape',
    body: `{"model":"a","\\u006dodel":"${EVIL}"}`,
    status: 400,
    field: 'model',
  },
  {
    name: 'duplicate key inside a block',
    body: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"a","text":"${EVIL}"}]}]}`,
    status: 400,
    field: 'messages[0].content[0].text',
  },
  {
    name: '__proto__ at top level',
    body: `{"__proto__":{"polluted":"${EVIL}"}}`,
    status: 400,
    field: '__proto__',
  },
  {
    name: 'escaped __proto__ key',
    body: `{"metadata":{"__pro\\u0074o__":"${EVIL}"}}`,
    status: 400,
    field: 'metadata.__proto__',
  },
  {
    name: 'constructor inside tool input',
    body: withMessages([
      { role: 'user', content: 'x' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 't', name: 'n', input: { constructor: { prototype: EVIL } } }],
      },
    ]),
    status: 400,
    field: 'messages[1].content[0].input.constructor',
  },
  {
    name: 'prototype key',
    body: `{"tools":[{"prototype":"${EVIL}"}]}`,
    status: 400,
    field: 'tools[0].prototype',
  },
  // Unknown fields
  {
    name: 'unknown top-level field',
    body: JSON.stringify({ ...base, temperature_x: EVIL }),
    status: 400,
    field: 'temperature_x',
  },
  {
    name: 'unknown top-level field with an odd name',
    body: JSON.stringify({ ...base, [`<${EVIL}>`]: 1 }),
    status: 400,
    field: '[?]',
  },
  {
    name: 'unknown field inside a block',
    body: withUser({ type: 'text', text: 'a', extra: EVIL }),
    status: 400,
    field: 'messages[0].content[0].extra',
  },
  {
    name: 'anthropic_version in a Messages body',
    body: JSON.stringify({ ...base, anthropic_version: EVIL }),
    status: 400,
    field: 'anthropic_version',
  },
  // Wrong types and out-of-range numbers
  { name: 'model is a number', body: JSON.stringify({ ...base, model: 1337 }), status: 400, field: 'model' },
  {
    name: 'model with spaces and newline',
    body: JSON.stringify({ ...base, model: `${EVIL} \n` }),
    status: 400,
    field: 'model',
  },
  {
    name: 'missing model',
    body: JSON.stringify({ max_tokens: 1, messages: base.messages }),
    status: 400,
    field: 'model',
  },
  {
    name: 'negative max_tokens',
    body: JSON.stringify({ ...base, max_tokens: -1 }),
    status: 400,
    field: 'max_tokens',
  },
  {
    name: 'fractional max_tokens',
    body: JSON.stringify({ ...base, max_tokens: 1.5 }),
    status: 400,
    field: 'max_tokens',
  },
  {
    name: 'max_tokens overflowing to Infinity',
    body: '{"model":"m","max_tokens":1e400,"messages":[]}',
    status: 400,
    field: 'max_tokens',
  },
  {
    name: 'max_tokens above the limit',
    body: JSON.stringify({ ...base, max_tokens: 2 ** 53 }),
    status: 400,
    field: 'max_tokens',
  },
  {
    name: 'temperature above 1',
    body: JSON.stringify({ ...base, temperature: 2 }),
    status: 400,
    field: 'temperature',
  },
  { name: 'negative top_k', body: JSON.stringify({ ...base, top_k: -1 }), status: 400, field: 'top_k' },
  {
    name: 'stream as a string',
    body: JSON.stringify({ ...base, stream: EVIL }),
    status: 400,
    field: 'stream',
  },
  {
    name: 'system as a number',
    body: JSON.stringify({ ...base, system: 1337 }),
    status: 400,
    field: 'system',
  },
  {
    name: 'user_id as a number',
    body: JSON.stringify({ ...base, metadata: { user_id: 1337 } }),
    status: 400,
    field: 'metadata.user_id',
  },
  {
    name: 'too many stop sequences',
    body: JSON.stringify({ ...base, stop_sequences: Array(65).fill(EVIL) }),
    status: 400,
    field: 'stop_sequences',
  },
  {
    name: 'thinking budget too small',
    body: JSON.stringify({ ...base, thinking: { type: 'enabled', budget_tokens: 10 } }),
    status: 400,
    field: 'thinking.budget_tokens',
  },
  {
    name: 'unknown tool_choice type',
    body: JSON.stringify({ ...base, tool_choice: { type: EVIL } }),
    status: 400,
    field: 'tool_choice.type',
  },
  // Messages
  { name: 'messages empty', body: withMessages([]), status: 400, field: 'messages' },
  {
    name: 'messages not an array',
    body: JSON.stringify({ ...base, messages: EVIL }),
    status: 400,
    field: 'messages',
  },
  {
    name: 'too many messages',
    body: withMessages(Array(1001).fill({ role: 'user', content: 'x' })),
    status: 400,
    field: 'messages',
  },
  {
    name: 'first message from the assistant',
    body: withMessages([{ role: 'assistant', content: EVIL }]),
    status: 400,
    field: 'messages[0].role',
  },
  {
    name: 'role system',
    body: withMessages([{ role: 'system', content: EVIL }]),
    status: 400,
    field: 'messages[0].role',
  },
  {
    name: 'empty content string',
    body: withMessages([{ role: 'user', content: '' }]),
    status: 400,
    field: 'messages[0].content',
  },
  {
    name: 'empty content array',
    body: withMessages([{ role: 'user', content: [] }]),
    status: 400,
    field: 'messages[0].content',
  },
  {
    name: 'too many blocks',
    body: withUser(...Array(501).fill({ type: 'text', text: 'x' })),
    status: 400,
    field: 'messages[0].content',
  },
  // Blocks
  {
    name: 'unknown block type',
    body: withUser({ type: EVIL, text: 'x' }),
    status: 400,
    field: 'messages[0].content[0].type',
  },
  {
    name: 'tool_use in a user message',
    body: withUser({ type: 'tool_use', id: 'a', name: 'b', input: {} }),
    status: 400,
    field: 'messages[0].content[0].type',
  },
  {
    name: 'tool_result in an assistant message',
    body: withMessages([
      { role: 'user', content: 'x' },
      { role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 'a' }] },
    ]),
    status: 400,
    field: 'messages[1].content[0].type',
  },
  {
    name: 'text block with a number',
    body: withUser({ type: 'text', text: 1337 }),
    status: 400,
    field: 'messages[0].content[0].text',
  },
  {
    name: 'empty text block',
    body: withUser({ type: 'text', text: '' }),
    status: 400,
    field: 'messages[0].content[0].text',
  },
  {
    name: 'tool_use input not an object',
    body: withMessages([
      { role: 'user', content: 'x' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'b', input: EVIL }] },
    ]),
    status: 400,
    field: 'messages[1].content[0].input',
  },
  // Images and documents
  {
    name: 'svg media type',
    body: image({ type: 'base64', media_type: 'image/svg+xml', data: PNG_B64 }),
    status: 400,
    field: 'messages[0].content[0].source.media_type',
  },
  {
    name: 'base64 with bad characters',
    body: image({ type: 'base64', media_type: 'image/png', data: `${EVIL}!!!!` }),
    status: 400,
    field: 'messages[0].content[0].source.data',
  },
  {
    name: 'base64 with bad length',
    body: image({ type: 'base64', media_type: 'image/png', data: `${PNG_B64}A` }),
    status: 400,
    field: 'messages[0].content[0].source.data',
  },
  {
    name: 'empty base64',
    body: image({ type: 'base64', media_type: 'image/png', data: '' }),
    status: 400,
    field: 'messages[0].content[0].source.data',
  },
  {
    name: 'base64 not matching media type',
    body: image({ type: 'base64', media_type: 'image/jpeg', data: PNG_B64 }),
    status: 400,
    field: 'messages[0].content[0].source.data',
  },
  {
    name: 'pdf that is not a pdf',
    body: withUser({
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: PNG_B64 },
    }),
    status: 400,
    field: 'messages[0].content[0].source.data',
  },
  {
    name: 'http image URL',
    body: urlImage(`http://example.com/${EVIL}.png`),
    status: 400,
    field: 'messages[0].content[0].source.url',
  },
  {
    name: 'metadata IP URL',
    body: urlImage(`https://169.254.169.254/latest/meta-data/${EVIL}`),
    status: 400,
    field: 'messages[0].content[0].source.url',
  },
  {
    name: 'metadata IP as a decimal number',
    body: urlImage(`https://2852039166/${EVIL}`),
    status: 400,
    field: 'messages[0].content[0].source.url',
  },
  {
    name: 'metadata IP as IPv4-mapped IPv6',
    body: urlImage(`https://[::ffff:169.254.169.254]/${EVIL}`),
    status: 400,
    field: 'messages[0].content[0].source.url',
  },
  {
    name: 'localhost URL',
    body: urlImage(`https://localhost/${EVIL}`),
    status: 400,
    field: 'messages[0].content[0].source.url',
  },
  {
    name: 'private 10.x URL',
    body: urlImage(`https://10.1.2.3/${EVIL}`),
    status: 400,
    field: 'messages[0].content[0].source.url',
  },
  {
    name: 'private 192.168 URL',
    body: urlImage(`https://192.168.0.1/${EVIL}`),
    status: 400,
    field: 'messages[0].content[0].source.url',
  },
  {
    name: 'IPv6 loopback URL',
    body: urlImage(`https://[::1]/${EVIL}`),
    status: 400,
    field: 'messages[0].content[0].source.url',
  },
  {
    name: 'GCP metadata host',
    body: urlImage(`https://metadata.google.internal/${EVIL}`),
    status: 400,
    field: 'messages[0].content[0].source.url',
  },
  {
    name: 'URL with credentials',
    body: urlImage(`https://user:${EVIL}@example.com/a.png`),
    status: 400,
    field: 'messages[0].content[0].source.url',
  },
  {
    name: 'URL with a custom port',
    body: urlImage(`https://example.com:8443/${EVIL}`),
    status: 400,
    field: 'messages[0].content[0].source.url',
  },
  {
    name: 'document URL to a private host',
    body: withUser({ type: 'document', source: { type: 'url', url: `https://172.16.0.9/${EVIL}.pdf` } }),
    status: 400,
    field: 'messages[0].content[0].source.url',
  },
  // Lone surrogates
  {
    name: 'lone high surrogate in text',
    body: '{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"a\\ud800b"}]}',
    status: 400,
    field: 'messages[0].content',
  },
  {
    name: 'lone low surrogate in a tool input',
    body: '{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"b","input":{"q":"\\udc00"}}]}]}',
    status: 400,
    field: 'messages[1].content[0].input.q',
  },
  {
    name: 'raw lone surrogate in a string body (no escape)',
    body: '{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"a\ud800b"}]}',
    status: 400,
    field: 'messages[0].content',
  },
  {
    name: 'lone surrogate escape after an escaped backslash',
    body: '{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"\\\\\\ud800"}]}',
    status: 400,
    field: 'messages[0].content',
  },
  {
    name: 'duplicate key after a value ending in an escaped backslash',
    body: `{"model":"m\\\\","max_tokens":1,"model":"${EVIL}"}`,
    status: 400,
    field: 'model',
  },
  {
    name: 'duplicate key after a value with an escaped quote',
    body: `{"model":"\\"}{","max_tokens":1,"model":"${EVIL}"}`,
    status: 400,
    field: 'model',
  },
  // Bedrock
  {
    name: 'bedrock without anthropic_version',
    body: JSON.stringify({ max_tokens: 8, messages: base.messages }),
    status: 400,
    field: 'anthropic_version',
    opts: { format: 'bedrock' },
  },
  {
    name: 'bedrock with a wrong version',
    body: bedrock({ anthropic_version: EVIL }),
    status: 400,
    field: 'anthropic_version',
    opts: { format: 'bedrock' },
  },
  {
    name: 'bedrock body with model',
    body: bedrock({ model: EVIL }),
    status: 400,
    field: 'model',
    opts: { format: 'bedrock' },
  },
  {
    name: 'bedrock body with stream',
    body: bedrock({ stream: true }),
    status: 400,
    field: 'stream',
    opts: { format: 'bedrock' },
  },
  {
    name: 'bedrock model id in path with spaces',
    body: bedrock({}),
    status: 400,
    field: 'modelId',
    opts: { format: 'bedrock', modelFromPath: `${EVIL} x` },
  },
];

describe('parseRequest — hostile bodies', () => {
  it('GIVEN the table WHEN counted THEN it has at least 40 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    'GIVEN %s WHEN parsed THEN a precise typed error',
    (_name, c) => {
      const result = parseRequest(c.body, { format: 'messages', ...c.opts });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.status).toBe(c.status);
      expect(result.error.field).toBe(c.field);
      expect(result.error.type).toBe(c.status === 413 ? 'request_too_large' : 'invalid_request_error');
      const wire = renderError('messages', { kind: 'invalid', error: result.error }, 'dec_test').body;
      expect(result.error.message).not.toContain(EVIL);
      expect(wire.replace(c.field, '')).not.toContain(EVIL);
    },
  );
});

describe('parseRequest — never throws', () => {
  it('GIVEN arbitrary strings WHEN parsed THEN a result, never an exception', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(typeof parseRequest(s, { format: 'messages' }).ok).toBe('boolean');
      }),
    );
  });

  it('GIVEN arbitrary bytes WHEN parsed THEN a result, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (b) => {
        expect(typeof parseRequest(b, { format: 'bedrock' }).ok).toBe('boolean');
      }),
    );
  });

  it('GIVEN arbitrary JSON values in the body WHEN parsed THEN a result, never an exception', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.constantFrom('messages', 'bedrock' as const),
        (v, format) => {
          const body = JSON.stringify({ ...base, messages: [{ role: 'user', content: v }], extra: v });
          expect(typeof parseRequest(body, { format }).ok).toBe('boolean');
          expect(typeof parseRequest(JSON.stringify(v), { format }).ok).toBe('boolean');
        },
      ),
    );
  });
});
