import { parseRequest } from '../../../../../lambdas/core/request/parse';
import type { TrustBoundary } from '../../../../../lambdas/core/types';

const PNG_B64 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]).toString('base64');
const PDF_B64 = Buffer.from('%PDF-1.7\n%....').toString('base64');

type Expected = ReadonlyArray<readonly [TrustBoundary, string, string]>;

const CASES: ReadonlyArray<readonly [string, Record<string, unknown>, Expected]> = [
  [
    'string content',
    { messages: [{ role: 'user', content: 'hello' }] },
    [['user', 'messages[0].content', 'hello']],
  ],
  [
    'system string and assistant history',
    {
      system: 'be nice',
      messages: [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: [{ type: 'text', text: 'q2' }] },
      ],
    },
    [
      ['system', 'system', 'be nice'],
      ['user', 'messages[0].content', 'q1'],
      ['assistant', 'messages[1].content', 'a1'],
      ['user', 'messages[2].content[0].text', 'q2'],
    ],
  ],
  [
    'system blocks with cache_control',
    {
      system: [
        { type: 'text', text: 's1', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 's2' },
      ],
      messages: [{ role: 'user', content: 'u' }],
    },
    [
      ['system', 'system[0].text', 's1'],
      ['system', 'system[1].text', 's2'],
      ['user', 'messages[0].content', 'u'],
    ],
  ],
  [
    'tool definitions, tool_use and tool_result',
    {
      tools: [
        {
          name: 'search',
          description: 'web search',
          input_schema: { type: 'object', properties: { q: { type: 'string', description: 'the query' } } },
        },
        { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
      ],
      tool_choice: { type: 'auto' },
      messages: [
        { role: 'user', content: 'find it' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'let me search', signature: 'sig' },
            { type: 'redacted_thinking', data: 'opaque' },
            {
              type: 'tool_use',
              id: 't1',
              name: 'search',
              input: { q: 'cats', opts: { tags: ['a', 'b'] }, n: 3 },
            },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: 'result text' },
            {
              type: 'tool_result',
              tool_use_id: 't2',
              content: [{ type: 'text', text: 'block result' }],
              is_error: true,
            },
          ],
        },
      ],
    },
    [
      ['system', 'tools[0].description', 'web search'],
      // Every key and string of a tool schema is text the model reads (enum, title, property names…).
      ['system', 'tools[0].input_schema.type#key', 'type'],
      ['system', 'tools[0].input_schema.type', 'object'],
      ['system', 'tools[0].input_schema.properties#key', 'properties'],
      ['system', 'tools[0].input_schema.properties.q#key', 'q'],
      ['system', 'tools[0].input_schema.properties.q.type#key', 'type'],
      ['system', 'tools[0].input_schema.properties.q.type', 'string'],
      ['system', 'tools[0].input_schema.properties.q.description#key', 'description'],
      ['system', 'tools[0].input_schema.properties.q.description', 'the query'],
      ['user', 'messages[0].content', 'find it'],
      ['assistant', 'messages[1].content[0].thinking', 'let me search'],
      ['tool_use', 'messages[1].content[2].input.q#key', 'q'],
      ['tool_use', 'messages[1].content[2].input.q', 'cats'],
      ['tool_use', 'messages[1].content[2].input.opts#key', 'opts'],
      ['tool_use', 'messages[1].content[2].input.opts.tags#key', 'tags'],
      ['tool_use', 'messages[1].content[2].input.opts.tags[0]', 'a'],
      ['tool_use', 'messages[1].content[2].input.opts.tags[1]', 'b'],
      ['tool_use', 'messages[1].content[2].input.n#key', 'n'],
      ['tool_result', 'messages[2].content[0].content', 'result text'],
      ['tool_result', 'messages[2].content[1].content[0].text', 'block result'],
    ],
  ],
  [
    'documents of every source type and images',
    {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_B64 } },
            {
              type: 'document',
              source: { type: 'text', media_type: 'text/plain', data: 'plain doc' },
              title: 'T',
              context: 'C',
            },
            { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'chunk' }] } },
            { type: 'document', source: { type: 'content', content: 'content string' } },
            {
              type: 'document',
              source: { type: 'url', url: 'https://example.com/a.pdf' },
              citations: { enabled: true },
            },
            { type: 'text', text: 'summarize' },
          ],
        },
      ],
    },
    [
      ['document', 'messages[0].content[1].source.url', 'https://example.com/cat.png'],
      ['document', 'messages[0].content[3].source.data', 'plain doc'],
      ['document', 'messages[0].content[3].title', 'T'],
      ['document', 'messages[0].content[3].context', 'C'],
      ['document', 'messages[0].content[4].source.content[0].text', 'chunk'],
      ['document', 'messages[0].content[5].source.content', 'content string'],
      ['document', 'messages[0].content[6].source.url', 'https://example.com/a.pdf'],
      ['user', 'messages[0].content[7].text', 'summarize'],
    ],
  ],
  [
    'tool input keys that are not identifiers',
    {
      messages: [
        { role: 'user', content: 'x' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'a', name: 'b', input: { 'odd key': 'v', '0': 'w' } }],
        },
      ],
    },
    [
      ['user', 'messages[0].content', 'x'],
      ['tool_use', 'messages[1].content[0].input["0"]#key', '0'],
      ['tool_use', 'messages[1].content[0].input["0"]', 'w'],
      ['tool_use', 'messages[1].content[0].input["odd key"]#key', 'odd key'],
      ['tool_use', 'messages[1].content[0].input["odd key"]', 'v'],
    ],
  ],
];

describe('parseRequest — valid Messages API bodies', () => {
  it.each(CASES)('GIVEN %s WHEN parsed THEN segments carry trust and path', (_name, partial, expected) => {
    const body = { model: 'claude-sonnet-4-5', max_tokens: 64, ...partial };
    const result = parseRequest(JSON.stringify(body), { format: 'messages' });
    if (!result.ok) throw new Error(`unexpected error: ${JSON.stringify(result.error)}`);
    expect(result.request.segments.map((s) => [s.trust, s.path, s.text])).toEqual(expected);
    expect(result.request.inputChars).toBe(expected.reduce((n, [, , t]) => n + t.length, 0));
    expect(result.request.body).toEqual(body);
  });

  it('GIVEN stream, metadata and sampling fields WHEN parsed THEN they are surfaced', () => {
    const body = {
      model: 'claude-x',
      max_tokens: 100,
      stream: true,
      metadata: { user_id: 'u-1' },
      temperature: 0.2,
      top_p: 0.9,
      top_k: 5,
      stop_sequences: ['END'],
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [{ role: 'user', content: 'hi' }],
    };
    const result = parseRequest(JSON.stringify(body), { format: 'messages' });
    expect(result).toMatchObject({
      ok: true,
      request: {
        format: 'messages',
        model: 'claude-x',
        maxTokens: 100,
        stream: true,
        metadata: { userId: 'u-1' },
      },
    });
  });

  it('GIVEN a UTF-8 body with a BOM as bytes WHEN parsed THEN the BOM is ignored', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(
        JSON.stringify({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'héllo' }] }),
      ),
    ]);
    const result = parseRequest(new Uint8Array(bytes), { format: 'messages' });
    expect(result.ok && result.request.segments[0]?.text).toBe('héllo');
  });

  it('GIVEN a string body with a BOM WHEN parsed THEN the BOM is ignored', () => {
    const result = parseRequest(
      `\uFEFF${JSON.stringify({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'a' }] })}`,
      { format: 'messages' },
    );
    expect(result.ok).toBe(true);
  });

  it('GIVEN a final assistant prefill WHEN parsed THEN it is accepted', () => {
    const body = {
      model: 'm',
      max_tokens: 1,
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'The answer is' },
      ],
    };
    expect(parseRequest(JSON.stringify(body), { format: 'messages' }).ok).toBe(true);
  });
});

describe('parseRequest — valid Bedrock bodies', () => {
  it('GIVEN an InvokeModel body WHEN parsed THEN the model comes from the path', () => {
    const body = {
      anthropic_version: 'bedrock-2023-05-31',
      anthropic_beta: ['computer-use-2024-10-22'],
      max_tokens: 512,
      system: 'sys',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
    };
    const result = parseRequest(JSON.stringify(body), {
      format: 'bedrock',
      modelFromPath: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    });
    expect(result).toMatchObject({
      ok: true,
      request: {
        format: 'bedrock',
        model: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
        maxTokens: 512,
        stream: false,
        anthropicVersion: 'bedrock-2023-05-31',
        inputChars: 8,
      },
    });
    if (result.ok) {
      expect(result.request.segments.map((s) => [s.trust, s.path])).toEqual([
        ['system', 'system'],
        ['user', 'messages[0].content[0].text'],
      ]);
    }
  });

  it('GIVEN anthropic_beta with unknown and repeated flags WHEN parsed THEN only allowlisted flags stay, once', () => {
    const body = {
      anthropic_version: 'bedrock-2023-05-31',
      anthropic_beta: [
        'computer-use-2024-10-22',
        'mcp-client-2025-11-20',
        'made-up',
        'computer-use-2024-10-22',
      ],
      max_tokens: 1,
      messages: [{ role: 'user', content: 'a' }],
    };
    const result = parseRequest(JSON.stringify(body), { format: 'bedrock', modelFromPath: 'm' });
    expect(result).toMatchObject({
      ok: true,
      request: {
        betas: ['computer-use-2024-10-22'],
        droppedBetas: 2,
        body: { anthropic_beta: ['computer-use-2024-10-22'] },
      },
    });
  });

  it('GIVEN the anthropic-beta header WHEN a Messages body is parsed THEN flags are split, trimmed and allowlisted', () => {
    const result = parseRequest(
      JSON.stringify({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'a' }] }),
      {
        format: 'messages',
        betaHeader: ' claude-code-20250219 ,, files-api-2025-04-14,effort-2025-11-24',
      },
    );
    expect(result).toMatchObject({
      ok: true,
      request: { betas: ['claude-code-20250219', 'effort-2025-11-24'], droppedBetas: 1 },
    });
    expect(result.ok && 'anthropic_beta' in result.request.body).toBe(false);
  });

  it('GIVEN an inference-profile ARN as model id WHEN parsed THEN it is accepted', () => {
    const body = {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'a' }],
    };
    const modelFromPath =
      'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0';
    expect(parseRequest(JSON.stringify(body), { format: 'bedrock', modelFromPath }).ok).toBe(true);
  });
});
