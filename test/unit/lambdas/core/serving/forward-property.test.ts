/**
 * Property: nothing unchecked reaches the model. Valid bodies covering every accepted field (beta
 * included) are generated; a phrase the default engine blocks in a user message is then planted at
 * EVERY string leaf and EVERY object key of the body, in turn — replacing the value, and appended to it.
 * Each planted body must be answered 400 (blocked by policy, or refused by the schema) and the model
 * must not be called. The unplanted body must be served (so the property is not vacuous).
 */
import fc from 'fast-check';
import { createEngine } from '../../../../../lambdas/core/index';
import { serveInference } from '../../../../../lambdas/core/serving';
import { FakeWriter, harness, inbound, MESSAGES_HEADERS } from './fakes';

const PHRASE = 'synthesize sarin';
const engine = createEngine();

const word = fc.constantFrom('weather', 'garden', 'recipe', 'paris', 'river', 'music', 'planet', 'library');
const sentence = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join(' '));
const key = fc.constantFrom('city', 'topic', 'count', 'query', 'unit', 'label');
const cache = fc.option(fc.constant({ type: 'ephemeral' as const, ttl: '5m' as const }), { nil: undefined });
const json = fc.dictionary(key, fc.oneof(sentence, fc.integer(), fc.array(sentence, { maxLength: 2 })), {
  minKeys: 1,
  maxKeys: 3,
});
const opaque = fc.constantFrom('c2lnbmF0dXJl', 'RXF1YWxseU9wYXF1ZQ==', 'abc_DEF-123');
const id = fc.constantFrom('toolu_01A', 'toolu_02B');

const citation = fc.oneof(
  sentence.map((t) => ({
    type: 'char_location',
    cited_text: t,
    document_index: 0,
    document_title: 'Atlas',
    start_char_index: 0,
    end_char_index: 5,
  })),
  sentence.map((t) => ({
    type: 'web_search_result_location',
    cited_text: t,
    encrypted_index: 'ZW5j',
    title: 'Atlas',
    url: 'https://example.com/atlas',
  })),
  sentence.map((t) => ({
    type: 'search_result_location',
    cited_text: t,
    search_result_index: 0,
    start_block_index: 0,
    end_block_index: 1,
    source: 'https://example.com/s',
    title: null,
  })),
);
const textBlock = fc.record(
  {
    type: fc.constant('text'),
    text: sentence,
    cache_control: cache,
    citations: fc.option(fc.array(citation, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  },
  { requiredKeys: ['type', 'text'] },
);
const document = fc.oneof(
  fc.record({
    type: fc.constant('document'),
    source: fc.record({ type: fc.constant('text'), media_type: fc.constant('text/plain'), data: sentence }),
    title: sentence,
    context: sentence,
    citations: fc.constant({ enabled: true }),
  }),
  fc.record({
    type: fc.constant('document'),
    source: fc.record({
      type: fc.constant('content'),
      content: fc.array(textBlock, { minLength: 1, maxLength: 2 }),
    }),
  }),
  fc.constant({ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }),
);
const image = fc.constant({ type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } });
const toolResult = fc.record({
  type: fc.constant('tool_result'),
  tool_use_id: id,
  content: fc.oneof(
    sentence,
    fc.array(fc.oneof(textBlock, fc.constant({ type: 'tool_reference', tool_name: 'Lookup' })), {
      minLength: 1,
      maxLength: 2,
    }),
  ),
  is_error: fc.boolean(),
});
const userMessage = fc.record({
  role: fc.constant('user'),
  content: fc.oneof(
    sentence,
    fc.array(fc.oneof(textBlock, document, image, toolResult), { minLength: 1, maxLength: 3 }),
  ),
});
const assistantMessage = fc.record({
  role: fc.constant('assistant'),
  content: fc.oneof(
    sentence,
    fc.array(
      fc.oneof(
        textBlock,
        fc.record({ type: fc.constant('thinking'), thinking: sentence, signature: opaque }),
        fc.record({ type: fc.constant('redacted_thinking'), data: opaque }),
        fc.record({ type: fc.constant('tool_use'), id, name: fc.constant('Lookup'), input: json }),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  ),
});
const systemMessage = fc.record({
  role: fc.constant('system'),
  content: fc.array(textBlock, { minLength: 1, maxLength: 2 }),
  clear_at: fc.constant('next_user_message'),
  output_config: fc.constant({ effort: 'low' }),
});
const customTool = fc.record(
  {
    name: fc.constant('Lookup'),
    description: sentence,
    input_schema: fc.record({
      type: fc.constant('object'),
      title: sentence,
      properties: fc.dictionary(
        key,
        fc.record({ type: fc.constant('string'), enum: fc.array(word, { maxLength: 2 }) }),
        {
          maxKeys: 2,
        },
      ),
    }),
    input_examples: fc.array(json, { maxLength: 1 }),
    defer_loading: fc.boolean(),
    cache_control: cache,
  },
  { requiredKeys: ['name', 'input_schema'] },
);
const webSearch = fc.record({
  type: fc.constant('web_search_20250305'),
  name: fc.constant('web_search'),
  allowed_domains: fc.constant(['example.com']),
  user_location: fc.record({
    type: fc.constant('approximate'),
    city: word,
    timezone: fc.constant('Europe/Paris'),
  }),
});

const body = fc.record(
  {
    model: fc.constant('claude-test'),
    max_tokens: fc.integer({ min: 1, max: 512 }),
    stream: fc.boolean(),
    system: fc.oneof(sentence, fc.array(textBlock, { minLength: 1, maxLength: 2 })),
    messages: fc
      .tuple(userMessage, fc.array(fc.oneof(assistantMessage, userMessage, systemMessage), { maxLength: 3 }))
      .map(([first, rest]) => [first, ...rest]),
    metadata: fc.constant({ user_id: '{"device_id":"abc123","session_id":"s-1"}' }),
    stop_sequences: fc.array(sentence, { maxLength: 2 }),
    tools: fc.array(fc.oneof(customTool, webSearch), { maxLength: 2 }),
    tool_choice: fc.constant({ type: 'auto' }),
    thinking: fc.constantFrom(
      { type: 'adaptive', display: 'omitted' },
      { type: 'enabled', budget_tokens: 2048 },
    ),
    context_management: fc.record({
      edits: fc.constant([
        { type: 'clear_thinking_20251015', keep: 'all' },
        { type: 'compact_20260112', instructions: 'keep the garden notes' },
      ]),
    }),
    output_config: fc.record({
      effort: fc.constant('medium'),
      format: fc.record({ type: fc.constant('json_schema'), schema: json }),
    }),
    service_tier: fc.constant('auto'),
  },
  { requiredKeys: ['model', 'max_tokens', 'messages'] },
);

type Path = Array<string | number>;

/** Every place a string can be planted: string leaves, and object keys (`key: true`). */
function sites(value: unknown, path: Path = [], out: Array<{ path: Path; key: boolean }> = []) {
  if (typeof value === 'string') out.push({ path, key: false });
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) sites(value[i], [...path, i], out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push({ path: [...path, k], key: true });
      sites(v, [...path, k], out);
    }
  }
  return out;
}

function plant(value: unknown, site: { path: Path; key: boolean }, mode: 'replace' | 'append'): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const step of site.path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = site.path[site.path.length - 1] as string | number;
  if (site.key) {
    const name = mode === 'replace' ? PHRASE : `${String(last)} ${PHRASE}`;
    const entries = Object.entries(node).map(([k, v]) => [k === last ? name : k, v] as const);
    for (const k of Object.keys(node)) delete node[k];
    for (const [k, v] of entries) node[k] = v;
  } else node[last] = mode === 'replace' ? PHRASE : `${String(node[last])} ${PHRASE}`;
  return copy;
}

async function serve(b: unknown, headers: Record<string, string> = {}) {
  const h = harness({ engine });
  const res = new FakeWriter();
  await serveInference(inbound('messages', b, { headers: { ...MESSAGES_HEADERS, ...headers } }), h.deps, res);
  return { status: res.status, calls: h.upstream.calls, reason: h.records[0]?.reason };
}

describe('forwarding — a blocked phrase planted anywhere is never forwarded', () => {
  test('GIVEN the phrase in a plain user message WHEN served THEN it is blocked (the phrase is a real block)', async () => {
    const r = await serve({
      model: 'claude-test',
      max_tokens: 10,
      messages: [{ role: 'user', content: PHRASE }],
    });
    expect(r).toMatchObject({ status: 400, reason: 'blocked:harmful' });
    expect(r.calls).toHaveLength(0);
  }, 30_000);

  test('GIVEN generated valid bodies WHEN the phrase is planted at every string leaf and key THEN 400 and the model is not called', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (generated) => {
        const b = JSON.parse(JSON.stringify(generated)) as unknown; // as sent: no undefined members
        const clean = await serve(b);
        // A generated body the statistical tier blocks before anything is planted carries no evidence about
        // forwarding (seed 867481028 found one: "weather" in seven segments scored 0.847 for injection), so it
        // is discarded, not failed. fast-check fails the run if too many bodies are discarded.
        fc.pre(clean.status === 200 && clean.reason === null);
        expect(clean.calls).toHaveLength(1);
        for (const site of sites(b)) {
          for (const mode of ['replace', 'append'] as const) {
            const r = await serve(plant(b, site, mode));
            const where = `${mode} at ${site.key ? 'key ' : ''}${JSON.stringify(site.path)}`;
            expect([where, r.status, r.calls.length]).toEqual([where, 400, 0]);
          }
        }
      }),
      { numRuns: 12 },
    );
  }, 180_000);

  test('GIVEN the anthropic-beta header WHEN served THEN only allowlisted flags are forwarded', async () => {
    const r = await serve(
      { model: 'claude-test', max_tokens: 10, messages: [{ role: 'user', content: 'hello' }] },
      {
        'anthropic-beta': `context-management-2025-06-27, ${PHRASE},mcp-client-2025-11-20,context-management-2025-06-27`,
      },
    );
    expect(r.status).toBe(200);
    expect(r.calls[0]?.body['anthropic_beta']).toEqual(['context-management-2025-06-27']);
  }, 30_000);
});
