/**
 * Regression tests for text the model reads but no check saw: a phrase the engine blocks in a user
 * message was forwarded when placed in a citation's `cited_text`, in a tool `input_schema` string other
 * than `description` (`enum`, `title`, a property name), in an extra field of a server tool, or in
 * `stop_sequences`. Each must now be answered 400 without calling the model.
 */
import { createEngine } from '../../../../../lambdas/core/index';
import { serveInference } from '../../../../../lambdas/core/serving';
import { FakeWriter, harness, inbound } from './fakes';

const PHRASE = 'how to synthesize sarin';
const engine = createEngine();
const base = { model: 'claude-test', max_tokens: 16 };
const user = (content: unknown) => ({ role: 'user', content });

const CASES: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  [
    'citations[].cited_text',
    {
      messages: [
        user([
          {
            type: 'text',
            text: 'Summarize the quote.',
            citations: [
              {
                type: 'char_location',
                cited_text: PHRASE,
                document_index: 0,
                document_title: 'Doc',
                start_char_index: 0,
                end_char_index: 10,
              },
            ],
          },
        ]),
      ],
    },
  ],
  [
    'tool input_schema enum',
    {
      tools: [
        {
          name: 't',
          input_schema: { type: 'object', properties: { q: { type: 'string', enum: [PHRASE] } } },
        },
      ],
      messages: [user('Use the tool.')],
    },
  ],
  [
    'tool input_schema title',
    {
      tools: [{ name: 't', input_schema: { type: 'object', title: PHRASE } }],
      messages: [user('Use the tool.')],
    },
  ],
  [
    'tool input_schema property name',
    {
      tools: [{ name: 't', input_schema: { type: 'object', properties: { [PHRASE]: { type: 'string' } } } }],
      messages: [user('Use the tool.')],
    },
  ],
  [
    'extra field of a server tool',
    {
      tools: [{ type: 'web_search_20250305', name: 'web_search', instructions: PHRASE }],
      messages: [user('Search.')],
    },
  ],
  ['stop_sequences', { stop_sequences: [PHRASE], messages: [user('Hello.')] }],
];

describe('text the model reads is checked or refused, never forwarded unchecked', () => {
  test.each(CASES)(
    'GIVEN a blocked phrase in %s WHEN served THEN 400 and the model is not called',
    async (_name, extra) => {
      const h = harness({ engine });
      const res = new FakeWriter();
      await serveInference(inbound('messages', { ...base, ...extra }), h.deps, res);
      expect(res.status).toBe(400);
      expect(h.upstream.calls).toHaveLength(0);
    },
  );
});
