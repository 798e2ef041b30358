import { type DemoUpstream, startDemoUpstream } from '../../../local/demo-upstream';

describe('demo upstream (Anthropic Messages API shape)', () => {
  let up: DemoUpstream;
  beforeAll(async () => {
    up = await startDemoUpstream();
  });
  afterAll(() => up.close());

  const post = (body: unknown) =>
    fetch(`${up.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  test('answers a JSON message quoting the user text', async () => {
    const res = await post({
      model: 'demo',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Hello there' }],
    });
    const json = (await res.json()) as {
      content: { text: string }[];
      stop_reason: string;
      usage: { output_tokens: number };
    };
    expect(res.status).toBe(200);
    expect(json.content[0]!.text).toContain('You wrote: "Hello there"');
    expect(json.stop_reason).toBe('end_turn');
    expect(json.usage.output_tokens).toBeGreaterThan(0);
  });

  test('streams SSE events in the Messages API order', async () => {
    const res = await post({
      model: 'demo',
      max_tokens: 50,
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const text = await res.text();
    const events = [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(events[0]).toBe('message_start');
    expect(events.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(events.filter((e) => e === 'content_block_delta').length).toBeGreaterThan(5);
  });

  test.each([429, 500, 529])('the status marker returns %i with an Anthropic error body', async (status) => {
    const res = await post({
      model: 'demo',
      max_tokens: 5,
      messages: [{ role: 'user', content: `x [[demo:status=${status}]]` }],
    });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { type: string }).type).toBe('error');
  });

  test('the harmful-output marker turns the reply harmful part-way', async () => {
    const res = await post({
      model: 'demo',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'story [[demo:harmful-output]]' }],
    });
    const json = (await res.json()) as { content: { text: string }[] };
    expect(json.content[0]!.text).toMatch(/^This is the CSP Safeguards demo model.*pipe bomb/);
  });
});
