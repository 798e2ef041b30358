import {
  isAsciiAlnum,
  isAsciiDigit,
  isAsciiLetter,
  isAsciiLower,
  isAsciiText,
  isAsciiUpper,
} from '../../../../../lambdas/core/util/ascii';

/** Every UTF-16 code unit, checked against the regular expression that spells the class. */
const CODE_UNITS = Array.from({ length: 0x10000 }, (_, c) => c);

describe('ASCII character classes', () => {
  it.each([
    ['isAsciiDigit', isAsciiDigit, /^[0-9]$/],
    ['isAsciiLower', isAsciiLower, /^[a-z]$/],
    ['isAsciiUpper', isAsciiUpper, /^[A-Z]$/],
    ['isAsciiLetter', isAsciiLetter, /^[A-Za-z]$/],
    ['isAsciiAlnum', isAsciiAlnum, /^[0-9A-Za-z]$/],
  ] as const)(
    'GIVEN every code unit WHEN %s classifies it THEN it agrees with %s',
    (_name, predicate, re) => {
      const disagree = CODE_UNITS.filter((c) => predicate(c) !== re.test(String.fromCharCode(c)));
      expect(disagree).toEqual([]);
    },
  );

  it.each([
    ['fullwidth digit', 0xff10],
    ['fullwidth A', 0xff21],
    ['Latin-1 letter', 0xe9],
    ['Cyrillic a', 0x430],
    ['past the end (NaN)', Number.NaN],
    ['a code point above the BMP', 0x1d400],
  ])('GIVEN a look-alike or out-of-range input (%s) THEN it is in no class', (_name, c) => {
    for (const predicate of [isAsciiDigit, isAsciiLower, isAsciiUpper, isAsciiLetter, isAsciiAlnum]) {
      expect(predicate(c)).toBe(false);
    }
  });

  it.each([
    ['', true],
    ['plain ASCII, with \u007f and \u0000', true],
    ['caf\u00e9', false],
    ['\u0080', false],
    ['a lone surrogate \ud800', false],
    ['an emoji \u{1f600}', false],
  ])('GIVEN %j WHEN isAsciiText reads it THEN it is %s', (text, expected) => {
    expect(isAsciiText(text)).toBe(expected);
  });
});
