import fc from 'fast-check';
import {
  canonicalize,
  NORMALIZE_DEFAULTS,
  nfkc,
  normalizeSegment,
} from '../../../../../lambdas/core/normalize/normalize';

const phrase = fc
  .array(fc.stringMatching(/^[a-z]{3,8}$/), { minLength: 2, maxLength: 5 })
  .map((words) => words.join(' '));

const INVISIBLES = [
  '\u200B',
  '\u200C',
  '\u200D',
  '\u2060',
  '\uFEFF',
  '\u00AD',
  '\u202E',
  '\u2066',
  '\u061C',
  '\uFE0F',
  '\u{E0001}',
  '\u{E0100}',
];
const HOMOGLYPH_OF: Readonly<Record<string, string>> = {
  a: 'а',
  e: 'е',
  o: 'о',
  p: 'р',
  c: 'с',
  x: 'х',
  y: 'у',
  i: 'і',
  j: 'ј',
  s: 'ѕ',
};
const LEET_OF: Readonly<Record<string, string>> = { o: '0', e: '3', a: '4', s: '5', t: '7' };

const someViewContains = (input: string, expected: string): boolean =>
  normalizeSegment(input, 0).views.some((v) => v.text.includes(expected));

describe('normalizeSegment properties', () => {
  it('GIVEN zero-width, bidi, variation or tag chars inserted WHEN normalized THEN the canonical view has the phrase', () => {
    fc.assert(
      fc.property(
        phrase,
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        fc.array(fc.constantFrom(...INVISIBLES)),
        (p, positions, chars) => {
          const letters = [...p];
          positions.forEach((pos, k) => {
            const at = pos % (letters.length + 1);
            letters.splice(at, 0, chars[k % Math.max(1, chars.length)] ?? '\u200B');
          });
          expect(canonicalize(letters.join(''))).toBe(p);
        },
      ),
    );
  });

  it('GIVEN homoglyphs swapped in WHEN normalized THEN the canonical view has the phrase', () => {
    fc.assert(
      fc.property(phrase, fc.double({ min: 0, max: 1, noNaN: true }), (p, rate) => {
        let k = 0;
        const spoofed = [...p]
          .map((ch) =>
            HOMOGLYPH_OF[ch] !== undefined && k++ % 2 === 0 && rate > 0.1 ? HOMOGLYPH_OF[ch] : ch,
          )
          .join('');
        expect(canonicalize(spoofed)).toBe(p);
      }),
    );
  });

  it('GIVEN the phrase upper-cased and in fullwidth WHEN normalized THEN the canonical view has the phrase', () => {
    fc.assert(
      fc.property(phrase, (p) => {
        const fullwidth = [...p.toUpperCase()]
          .map((c) => (c === ' ' ? c : String.fromCharCode(c.charCodeAt(0) + 0xfee0)))
          .join('');
        expect(canonicalize(fullwidth)).toBe(p);
      }),
    );
  });

  it('GIVEN the letters spaced out WHEN normalized THEN some view has the phrase', () => {
    fc.assert(
      fc.property(phrase, fc.constantFrom(' ', '.', '-', '*'), (p, sep) => {
        const spaced = p
          .split(' ')
          .map((w) => [...w].join(sep))
          .join(sep === ' ' ? '   ' : ' ');
        expect(someViewContains(spaced, p)).toBe(true);
      }),
    );
  });

  it('GIVEN leetspeak WHEN normalized THEN some view has the phrase', () => {
    fc.assert(
      fc.property(phrase, (p) => {
        // Each word keeps at least one letter, as in real leetspeak ("1337" alone is a number).
        const leet = p
          .split(' ')
          .map((w) => [...w].map((c, i) => (i > 0 ? (LEET_OF[c] ?? c) : c)).join(''))
          .join(' ');
        expect(someViewContains(leet, p)).toBe(true);
      }),
    );
  });

  it('GIVEN the phrase wrapped in base64 (once or twice) or hex WHEN normalized THEN some view has the phrase', () => {
    fc.assert(
      fc.property(
        phrase,
        fc.constantFrom('b64', 'b64b64', 'hex', 'url'),
        fc.string({ maxLength: 20 }),
        (p, how, prefix) => {
          const text = `${p} padding words`;
          const b64 = (s: string): string => Buffer.from(s).toString('base64');
          const encoded =
            how === 'b64'
              ? b64(text)
              : how === 'b64b64'
                ? b64(b64(text))
                : how === 'hex'
                  ? Buffer.from(text).toString('hex')
                  : [...Buffer.from(text)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
          expect(someViewContains(`${prefix.replace(/[A-Za-z0-9+/=%]/g, '')} ${encoded}`, p)).toBe(true);
        },
      ),
    );
  });

  it('GIVEN any string WHEN canonicalized twice THEN the result is unchanged (idempotent)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const once = canonicalize(s);
        expect(canonicalize(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const once = canonicalize(s);
        expect(canonicalize(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('GIVEN arbitrary strings, lone surrogates included WHEN normalized THEN no throw and every bound holds', () => {
    const arbitrary = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
      fc.string({ unit: 'grapheme' }),
      fc
        .array(
          fc.constantFrom(
            'aGVsbG8gd29ybGQgaG93IGFyZSB5b3U=',
            '68656c6c6f20776f726c64',
            '%41%42%43',
            ' ',
            'h 0 w',
            'ﷺ',
          ),
        )
        .map((a) => a.join('')),
    );
    fc.assert(
      fc.property(arbitrary, (s) => {
        const { views, signals } = normalizeSegment(s, 7);
        const total = views.reduce((n, v) => n + v.text.length, 0);
        expect(total).toBeLessThanOrEqual(s.length * NORMALIZE_DEFAULTS.maxExpansion);
        expect(views.length).toBeLessThanOrEqual(NORMALIZE_DEFAULTS.maxViews);
        expect(new Set(views.map((v) => v.text)).size).toBe(views.length);
        expect(signals.decodedViews).toBeLessThanOrEqual(views.length);
      }),
      { numRuns: 500 },
    );
  });
});

describe('nfkc by runs', () => {
  it('GIVEN any string WHEN normalized by non-ASCII runs THEN it equals String.prototype.normalize("NFKC")', () => {
    const arbitrary = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.string({
        unit: fc.constantFrom(
          'a',
          'e',
          ' ',
          '\u0301',
          '\u0308',
          '\u0327',
          'ﬁ',
          'Å',
          '\u1100',
          '\u1161',
          '\u11a8',
          '①',
          'ｶ',
          '\uff9e',
        ),
      }),
    );
    fc.assert(
      fc.property(arbitrary, (s) => {
        expect(nfkc(s)).toBe(s.normalize('NFKC'));
      }),
      { numRuns: 1000 },
    );
  });
});
