import {
  emitWords,
  type FeatureConfig,
  type FeatureSink,
} from '../../../../../lambdas/core/classifier/features';
import { CONCEPTS, LEXICON_VERSION, lexiconOf } from '../../../../../lambdas/core/classifier/lexicon';
import { DEFAULT_TRAIN_OPTIONS } from '../../../../../scripts/classifier/training';

/** Codes of the word stream of `text` under `cfg`. */
function wordCodes(text: string, cfg: FeatureConfig): number[] {
  const codes: number[] = [];
  const sink: FeatureSink = { add: (code) => codes.push(code) };
  emitWords(text, cfg, sink);
  return codes;
}

const CFG: FeatureConfig = { ...DEFAULT_TRAIN_OPTIONS.features, conceptPairs: 4 };
const NO_PAIRS: FeatureConfig = { ...CFG, conceptPairs: 0 };

/** Codes that the pair feature adds to `text` (the multiset difference with pairs off). */
function pairCodes(text: string, cfg: FeatureConfig = CFG): number[] {
  const base = wordCodes(text, NO_PAIRS);
  const out: number[] = [];
  for (const c of wordCodes(text, cfg)) {
    const i = base.indexOf(c);
    if (i >= 0) base.splice(i, 1);
    else out.push(c);
  }
  return out;
}

describe('concept-pair features', () => {
  it('fire once when words of two different concepts are within the span, in either order', () => {
    // "poison" (violence) and "undetectable" (evasion).
    const a = pairCodes('how to poison someone and stay undetectable');
    const b = pairCodes('undetectable ways to poison someone');
    expect(a).toHaveLength(1);
    expect(b).toEqual(a);
  });

  it('do not fire for one concept alone, for words farther apart than the span, or when switched off', () => {
    expect(pairCodes('kill murder stab')).toEqual([]);
    expect(pairCodes('poison one two three four five undetectable')).toEqual([]);
    expect(pairCodes('how to poison someone and stay undetectable', NO_PAIRS)).toEqual([]);
    expect(pairCodes('how to poison someone and stay undetectable', { ...CFG, conceptWeight: 0 })).toEqual(
      [],
    );
  });

  it('are positioned so the same words give the same codes wherever they sit in a text', () => {
    const alone = pairCodes('poison undetectable');
    const padded = pairCodes(`${'the garden needs water today. '.repeat(20)}poison undetectable`);
    expect(padded).toEqual(alone);
  });
});

describe('lexicon versions', () => {
  it('keeps the first lexicon loadable next to the current one, and knows no others', () => {
    expect(lexiconOf(LEXICON_VERSION)).toBe(CONCEPTS);
    expect(lexiconOf('ce979189')).toBeDefined();
    expect(lexiconOf('ce979189')).not.toBe(CONCEPTS);
    expect(lexiconOf('deadbeef')).toBeUndefined();
    expect(() => wordCodes('kill', { ...CFG, lexicon: 'deadbeef' })).toThrow(/features\.lexicon/);
  });

  it('lists each word once per concept, in lower case, as single tokens', () => {
    for (const [name, words] of Object.entries(CONCEPTS)) {
      expect(new Set(words).size).toBe(words.length);
      for (const w of words) expect(w).toMatch(/^[a-z0-9]+$/);
      expect(name).toMatch(/^[a-z]+$/);
    }
  });
});
