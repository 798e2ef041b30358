/**
 * The segmenter's word table (≈ 40,000 words) is built on the first reading that needs it, not when the engine is
 * built: the blocklist's gate literals look their words up in one pass over the list instead. Its own file, so the
 * module is loaded fresh (jest gives each test file its own module registry).
 */
import { gateLiterals } from '../../../../../lambdas/core/detectors/blocklist';
import { createEngine, parseRequest } from '../../../../../lambdas/core/index';
import {
  knownWordCost,
  knownWordCosts,
  splitWords,
  wordTableBuilds,
} from '../../../../../lambdas/core/normalize/segment';
import { WORDS } from '../../../../../lambdas/core/normalize/words';

// Words at both ends of the list and in between, inflected forms of listed stems (-s, -ed, -ing, -ies, -ied, a
// dropped e), unlisted words, a word longer than any the table keeps, a prefix and an extension of listed words.
const LIST = WORDS.split(' ');
const PROBES = [
  ...LIST.slice(0, 30),
  ...LIST.filter((_, i) => i % 997 === 0),
  ...LIST.slice(-30),
  'bombs',
  'hacked',
  'encrypts',
  'making',
  'promoted',
  'glorifies',
  'glorified',
  'studies',
  'worrying',
  'qxzqxz',
  'xqzvs',
  'antidisestablishmentarianism',
  'bo',
  'bombx',
  'the',
  'the',
];

test('building the engine and an English request (with curly quotes, a dash, CJK) do not build the word table; the gates and costs are the same as over it', async () => {
  const cold = knownWordCosts(PROBES);
  const engine = createEngine();
  const parsed = parseRequest(
    JSON.stringify({
      model: 'm',
      max_tokens: 8,
      messages: [
        { role: 'user', content: 'What is the capital of France? Answer in one sentence.' },
        { role: 'assistant', content: 'Paris.' },
        // Curly quotes, a dash and CJK: not ASCII, but no accented Latin word for the accent fold to look up.
        { role: 'user', content: 'And the “capital” of Japan — 東京? Answer in one word.' },
      ],
    }),
    { format: 'messages' },
  );
  if (!parsed.ok) throw new Error('parse');
  await engine.evaluateRequest(parsed.request);
  const phrases = [
    'make a pipe bomb',
    'how to make a pipe-bomb',
    'c++',
    'convert an ar-15',
    'glorifies xqzv terror',
  ];
  const gates = gateLiterals(phrases);
  expect(wordTableBuilds()).toBe(0);

  // The first reading of run-together letters builds it, once; the same numbers come out of it.
  expect(splitWords('howtomakeapipebomb')).toBe('how to make a pipe bomb');
  expect(wordTableBuilds()).toBe(1);
  expect(cold).toEqual(PROBES.map(knownWordCost));
  expect(cold.filter((c) => c === undefined).length).toBeGreaterThan(0);
  expect(knownWordCosts(PROBES)).toEqual(cold);
  expect(gateLiterals(phrases)).toEqual(gates);
  expect(gates).toEqual(['pipe', 'pipe', 'c++', '15', 'xqzv']);
  expect(wordTableBuilds()).toBe(1);
});
