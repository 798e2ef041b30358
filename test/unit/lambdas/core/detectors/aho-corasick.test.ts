import fc from 'fast-check';
import { AhoCorasick } from '../../../../../lambdas/core/detectors/aho-corasick';

/** Every (pattern, start) occurrence by brute force, as "pattern:start" keys. */
function naive(patterns: readonly string[], text: string): string[] {
  const out: string[] = [];
  patterns.forEach((p, id) => {
    if (p.length === 0) return;
    for (let i = 0; i + p.length <= text.length; i++) if (text.startsWith(p, i)) out.push(`${id}:${i}`);
  });
  return out.sort();
}

function viaAutomaton(patterns: readonly string[], text: string): string[] {
  return AhoCorasick.build(patterns)
    .findAll(text)
    .map((m) => `${m.pattern}:${m.start}`)
    .sort();
}

describe('AhoCorasick', () => {
  it('finds overlapping and nested patterns (classic he/she/his/hers)', () => {
    // GIVEN the textbook pattern set WHEN scanning "ushers" THEN she, he and hers are all found
    const matches = AhoCorasick.build(['he', 'she', 'his', 'hers']).findAll('ushers');
    expect(matches).toEqual([
      { pattern: 1, start: 1, end: 4 },
      { pattern: 0, start: 2, end: 4 },
      { pattern: 3, start: 2, end: 6 },
    ]);
  });

  it('reports duplicates of one pattern under each id and ignores empty patterns', () => {
    const matches = AhoCorasick.build(['', 'ab', 'ab']).findAll('xabx');
    expect(matches.map((m) => m.pattern).sort()).toEqual([1, 2]);
  });

  it('handles non-ASCII code units and surrogate pairs', () => {
    const matches = AhoCorasick.build(['ß', '😀x']).findAll('aßb😀x');
    expect(matches).toEqual([
      { pattern: 0, start: 1, end: 2 },
      { pattern: 1, start: 3, end: 6 },
    ]);
  });

  it('matches a naive search on random inputs over a small alphabet', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', ' '), maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(word, { maxLength: 12 }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'c', ' ', 'd'), maxLength: 80 }),
        (patterns, text) => {
          expect(viaAutomaton(patterns, text)).toEqual(naive(patterns, text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('matches a naive search on arbitrary unicode strings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 4 }), { maxLength: 6 }),
        fc.string({ maxLength: 60 }),
        (patterns, text) => {
          expect(viaAutomaton(patterns, text)).toEqual(naive(patterns, text));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('AhoCorasick with foldAsciiCase', () => {
  /** ASCII lowercase only, as the folded automaton reads both patterns and text. */
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

  it('matches ASCII letters in either case and nothing else', () => {
    // GIVEN patterns in mixed case WHEN the text has other cases THEN both match; non-ASCII stays exact
    const ac = AhoCorasick.build(['AKIA', 'sk-', 'é'], { foldAsciiCase: true });
    expect(ac.findAll('akia SK- É é').map((m) => `${m.pattern}:${m.start}`)).toEqual(['0:0', '1:5', '2:11']);
  });

  it('mark sets exactly the patterns a case-folded naive search finds', () => {
    const unit = fc.constantFrom('a', 'B', 'c', 'A', 'b', ' ', 'ß', '\u212a', 'k');
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit, maxLength: 5 }), { maxLength: 10 }),
        fc.string({ unit, maxLength: 80 }),
        (patterns, text) => {
          const seen = new Uint8Array(patterns.length);
          AhoCorasick.build(patterns, { foldAsciiCase: true }).mark(text, seen);
          const expected = patterns.map((p) => (p.length > 0 && fold(text).includes(fold(p)) ? 1 : 0));
          expect([...seen]).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
