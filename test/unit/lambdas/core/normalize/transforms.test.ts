import {
  decodeBase64Runs,
  decodeHexRuns,
  decodeUrlRuns,
  rot13,
  wantsRot13,
} from '../../../../../lambdas/core/normalize/decode';
import { collapseSpacedLetters } from '../../../../../lambdas/core/normalize/despace';
import { foldHomoglyphs } from '../../../../../lambdas/core/normalize/homoglyph-fold';
import {
  decodeTagRuns,
  emptyInvisibleCounts,
  stripInvisible,
} from '../../../../../lambdas/core/normalize/invisible';
import { foldLeet } from '../../../../../lambdas/core/normalize/leet';
import { normalizeSegment } from '../../../../../lambdas/core/normalize/normalize';

describe('stripInvisible', () => {
  it.each([
    ['zero-width space', 'a\u200Bb', 'ab', { zeroWidth: 1 }],
    ['soft hyphen and word joiner', 'a\u00AD\u2060b', 'ab', { zeroWidth: 2 }],
    ['bidi override and isolate', '\u202Eab\u2066c\u2069', 'abc', { bidi: 3 }],
    ['arabic letter mark', 'a\u061Cb', 'ab', { bidi: 1 }],
    ['variation selectors', 'a\uFE0F\u{E0100}b', 'ab', { variationSelectors: 2 }],
    ['tag characters', `a\u{E0041}\u{E007F}b`, 'ab', { tags: 2 }],
    ['nothing to strip', 'plain', 'plain', {}],
  ])('GIVEN %s WHEN stripped THEN text and counts', (_name, input, expected, counts) => {
    const c = emptyInvisibleCounts();
    expect(stripInvisible(input, c)).toBe(expected);
    expect(c).toEqual({ ...emptyInvisibleCounts(), ...counts });
  });
});

describe('decodeTagRuns', () => {
  it('GIVEN two runs of tag characters WHEN decoded THEN one ASCII line per run', () => {
    const tags = (s: string): string =>
      [...s].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
    expect(decodeTagRuns(`x${tags('Hi there')}y${tags('run')}`)).toBe('Hi there\nrun');
    expect(decodeTagRuns('no tags')).toBe('');
  });
});

describe('foldHomoglyphs', () => {
  it.each([
    ['mixed-script word', 'pаypаl', 'paypal', 2],
    ['all-confusable Cyrillic word', 'сосо', 'coco', 4],
    ['uppercase Greek lookalikes', 'ΑΡΙ', 'API', 3],
    ['genuine Cyrillic word left alone', 'привет', 'привет', 0],
    ['single confusable letter alone', 'а b', 'а b', 0],
    ['lone confusable letter after a spoofed word', 'wrіtе а list', 'write a list', 3],
    ['lone confusable letter before a spoofed word', 'а ѕсrірt', 'a script', 5],
    [
      'lone confusable letters around an apostrophe',
      "Hеу, І'm at а соmрutеr'ѕ desk",
      "Hey, I'm at a computer's desk",
      9,
    ],
    ['lone letter among genuine Cyrillic words', 'купил книгу а потом', 'купил книгу а потом', 0],
    ['lone letter too far from a spoofed word', 'а .... ѕсrірt', 'а .... script', 4],
  ])('GIVEN %s WHEN folded THEN %s', (_name, input, expected, folds) => {
    expect(foldHomoglyphs(input)).toEqual({ text: expected, folds });
  });
});

describe('foldLeet', () => {
  it.each([
    ['digits inside words', 'h4ck th3 pl4n3t', 'hack the planet'],
    ['double ones are l', 'ki11 a11', 'kill all'],
    ['single one is i', 'k1d', 'kid'],
    ['symbols', 'p@$$w0rd', 'password'],
    ['interior bang and pipe', 'sh!t he|p', 'shit help'],
    ['plain numbers stay', 'call 911 in 2024, 3.5 kg', 'call 911 in 2024, 3.5 kg'],
    ['version strings are folded too (extra view only)', 'v3', 've'],
    ['trailing bang stays', 'hello!', 'hello!'],
    [
      'long tokens stay (hashes)',
      'sha 3f2a9c1b8d7e6f5a4b3c2d1e0f9a8b7c',
      'sha 3f2a9c1b8d7e6f5a4b3c2d1e0f9a8b7c',
    ],
  ])('GIVEN %s WHEN folded THEN %s', (_name, input, expected) => {
    expect(foldLeet(input)).toBe(expected);
  });
});

describe('collapseSpacedLetters', () => {
  it.each([
    ['single spaces, double-space word gaps', 'h o w  t o  m a k e', 'how to make', false],
    ['dots', 'say h.o.w.t.o now', 'say howto now', false],
    ['dashes with a space gap', 'b-o-m-b m-a-k-e', 'bomb make', false],
    ['digits leet-folded', 'h 4 c k', 'hack', true],
    ['three letters are not enough', 'a b c', 'a b c', false],
    ['ordinary prose untouched', 'I am a cat', 'I am a cat', false],
  ])('GIVEN %s WHEN collapsed THEN %s', (_name, input, expected, leet) => {
    expect(collapseSpacedLetters(input)).toEqual({ text: expected, leet });
  });
});

describe('decoders', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  it.each([
    ['standard base64', `x ${b64('attack at dawn please')} y`, ['attack at dawn please']],
    ['base64url', Buffer.from('???>>>attack at dawn').toString('base64url'), ['???>>>attack at dawn']],
    ['a long English word is not base64 text', 'internationalization counterrevolutionaries', []],
    [
      'binary payload rejected',
      Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]).toString('base64'),
      [],
    ],
  ])('GIVEN %s WHEN base64-decoded THEN %j', (_name, input, expected) => {
    expect(decodeBase64Runs(input, 10_000)).toEqual(expected);
  });

  it.each([
    ['escaped \\x', '\\x68\\x65\\x6c\\x6c\\x6f\\x20\\x77\\x6f', ['hello wo']],
    ['0x with commas', '0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x77, 0x6f', ['hello wo']],
    ['spaced pairs', '68 65 6c 6c 6f 20 77 6f', ['hello wo']],
    ['colon pairs', '68:65:6c:6c:6f:20:77:6f', ['hello wo']],
    ['words made of hex letters are not hex', 'deadbeef cafe babe face fade', []],
  ])('GIVEN %s WHEN hex-decoded THEN %j', (_name, input, expected) => {
    expect(decodeHexRuns(input, 10_000)).toEqual(expected);
  });

  it('GIVEN a plain hex run found by the base64 scan WHEN hex-decoded THEN it is decoded', () => {
    const hexRuns: string[] = [];
    decodeBase64Runs(`see ${Buffer.from('hello world').toString('hex')}`, 10_000, hexRuns);
    expect(decodeHexRuns('', 10_000, hexRuns)).toEqual(['hello world']);
  });

  it.each([
    ['partly encoded', 'how%20to%20make%20it', 'how to make it'],
    ['too few escapes', 'a%20b', undefined],
    ['invalid UTF-8 kept as is', '%ff%fe%fd', '%ff%fe%fd'],
  ])('GIVEN %s WHEN URL-decoded THEN %s', (_name, input, expected) => {
    expect(decodeUrlRuns(input)).toBe(expected);
  });

  it.each([
    ['hint word', 'please apply rot13 to this', true],
    ['three rot13 words', 'ubj gb znxr gur guvat sbe lbh', true],
    ['one rot13 word, no English', 'vtaber', true],
    ['English with one accidental match', 'the cat and the dog are with you, naq', false],
    ['plain English', 'how to make a cake for the party', false],
  ])('GIVEN %s WHEN asked for rot13 THEN %s', (_name, input, expected) => {
    expect(wantsRot13(input)).toBe(expected);
  });

  it('GIVEN rot13 WHEN applied twice THEN identity, case kept', () => {
    expect(rot13('Hello, World!')).toBe('Uryyb, Jbeyq!');
    expect(rot13(rot13('Hello, World!'))).toBe('Hello, World!');
  });
});

describe('normalizeSegment bounds', () => {
  it('GIVEN NFKC expansion beyond the budget WHEN normalized THEN the canonical view is truncated to it', () => {
    const input = '\uFDFA'.repeat(10); // each expands to 18 characters under NFKC
    const { views } = normalizeSegment(input, 0);
    expect(views.reduce((n, v) => n + v.text.length, 0)).toBeLessThanOrEqual(input.length * 4);
    expect(views[0]?.text.length).toBe(40);
  });

  it('GIVEN many encodings WHEN normalized with maxViews 3 THEN at most 3 views', () => {
    const input = `h0w t0 h o w  t o ${Buffer.from('secret message here').toString('base64')} %41%42%43 rot13`;
    expect(normalizeSegment(input, 0, { maxViews: 3 }).views).toHaveLength(3);
  });

  it('GIVEN base64 inside base64 WHEN maxDepth is 1 THEN only the outer layer is decoded', () => {
    const inner = Buffer.from('double encoded secret message').toString('base64');
    const outer = Buffer.from(inner).toString('base64');
    const texts = normalizeSegment(outer, 0, { maxDepth: 1 }).views.map((v) => v.text);
    expect(texts).toContain(inner.toLowerCase());
    expect(texts).not.toContain('double encoded secret message');
  });
});
