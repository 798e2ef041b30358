import { type ParsedRequest, parseRequest } from '../../../../../lambdas/core/request/parse';
import { redactRequest, redactText } from '../../../../../lambdas/core/request/redact';

const parse = (body: Record<string, unknown>): ParsedRequest => {
  const r = parseRequest(JSON.stringify({ model: 'm', max_tokens: 5, ...body }), { format: 'messages' });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.request;
};

describe('redactText', () => {
  it.each([
    [
      'one span',
      'call 555-1234 now',
      [{ span: [5, 13] as const, label: 'phone' }],
      'call [REDACTED:phone] now',
    ],
    [
      'two spans, out of order',
      'a@b.c and d@e.f',
      [
        { span: [10, 15] as const, label: 'email' },
        { span: [0, 5] as const, label: 'email' },
      ],
      '[REDACTED:email] and [REDACTED:email]',
    ],
    [
      'overlapping spans merged, labels united',
      'secret-token-value',
      [
        { span: [0, 10] as const, label: 'secret' },
        { span: [5, 18] as const, label: 'key' },
      ],
      '[REDACTED:key+secret]',
    ],
    [
      'nested span swallowed',
      'abcdefgh',
      [
        { span: [1, 7] as const, label: 'x' },
        { span: [2, 3] as const, label: 'x' },
      ],
      'a[REDACTED:x]h',
    ],
    ['span clamped to the text', 'abc', [{ span: [1, 99] as const, label: 'x' }], 'a[REDACTED:x]'],
    [
      'empty and inverted spans ignored',
      'abc',
      [
        { span: [2, 2] as const, label: 'x' },
        { span: [2, 1] as const, label: 'x' },
      ],
      'abc',
    ],
    ['surrogate pair never split', 'a😀b', [{ span: [2, 4] as const, label: 'x' }], 'a[REDACTED:x]'],
  ])('GIVEN %s WHEN redacted THEN %#', (_name, text, spans, expected) => {
    expect(redactText(text, spans)).toBe(expected);
  });
});

describe('redactRequest', () => {
  it('GIVEN spans in two segments WHEN redacted THEN a new body with replacements and the original untouched', () => {
    const request = parse({
      system: 'sys',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'my email is a@b.co ok' }] }],
    });
    const before = JSON.stringify(request.body);
    const out = redactRequest(request, [
      { segment: 1, span: [12, 18], label: 'pii.email' },
      { segment: 0, span: [0, 3], label: 'x' },
    ]);
    expect(out).toEqual({
      model: 'm',
      max_tokens: 5,
      system: '[REDACTED:x]',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'my email is [REDACTED:pii.email] ok' }] }],
    });
    expect(JSON.stringify(request.body)).toBe(before);
    expect(out).not.toBe(request.body);
  });

  it('GIVEN a tool input leaf with an odd key WHEN redacted THEN that leaf is replaced', () => {
    const request = parse({
      messages: [
        { role: 'user', content: 'x' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'a', name: 'b', input: { 'api key': 'sk-123' } }],
        },
      ],
    });
    // Segment 1 is the key `api key`, segment 2 its value.
    expect(request.segments[2]).toMatchObject({ path: 'messages[1].content[0].input["api key"]' });
    const out = redactRequest(request, [{ segment: 2, span: [0, 6], label: 'secret' }]) as {
      messages: Array<{ content: Array<{ input: Record<string, string> }> | string }>;
    };
    const content = out.messages[1]?.content;
    expect(typeof content !== 'string' && content?.[0]?.input['api key']).toBe('[REDACTED:secret]');
  });

  it('GIVEN a redaction inside a free-form JSON key WHEN redacted THEN the key is renamed in place', () => {
    const request = parse({
      tools: [
        {
          name: 't',
          input_schema: {
            type: 'object',
            properties: { 'jane@example.com': { type: 'string' }, other: { type: 'string' } },
          },
        },
      ],
      messages: [{ role: 'user', content: 'x' }],
    });
    const index = request.segments.findIndex((s) => s.text === 'jane@example.com');
    expect(request.segments[index]?.path).toBe('tools[0].input_schema.properties["jane@example.com"]#key');
    const out = redactRequest(request, [{ segment: index, span: [0, 16], label: 'email' }]) as {
      tools: Array<{ input_schema: { properties: Record<string, unknown> } }>;
    };
    expect(Object.keys(out.tools[0]?.input_schema.properties ?? {})).toEqual(['[REDACTED:email]', 'other']);
  });

  it('GIVEN no redactions or an unknown segment WHEN redacted THEN an equal copy', () => {
    const request = parse({ messages: [{ role: 'user', content: 'hello' }] });
    expect(redactRequest(request, [{ segment: 9, span: [0, 1], label: 'x' }])).toEqual(request.body);
  });

  it('GIVEN a segment whose path no longer matches the body WHEN redacted THEN it fails loudly', () => {
    const request = parse({ messages: [{ role: 'user', content: 'hello' }] });
    const tampered: ParsedRequest = {
      ...request,
      segments: [{ trust: 'user', path: 'messages[0].content', text: 'other' }],
    };
    expect(() => redactRequest(tampered, [{ segment: 0, span: [0, 1], label: 'x' }])).toThrow(
      /does not resolve/,
    );
  });
});
