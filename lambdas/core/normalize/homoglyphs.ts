/**
 * Confusable letters folded to Latin. Compact on purpose: fullwidth forms and mathematical
 * alphanumerics are already handled by NFKC; this table covers the Cyrillic, Greek, Armenian and
 * Latin-extended lookalikes that NFKC leaves alone. Both cases are listed because folding runs before
 * lowercasing (an uppercase Greek `Η` looks like `H`, its lowercase `η` does not look like `h`).
 */
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  // Cyrillic lowercase
  ['а', 'a'],
  ['в', 'b'],
  ['е', 'e'],
  ['ё', 'e'],
  ['к', 'k'],
  ['м', 'm'],
  ['н', 'h'],
  ['о', 'o'],
  ['р', 'p'],
  ['с', 'c'],
  ['т', 't'],
  ['у', 'y'],
  ['х', 'x'],
  ['ѕ', 's'],
  ['і', 'i'],
  ['ї', 'i'],
  ['ј', 'j'],
  ['ԁ', 'd'],
  ['ԛ', 'q'],
  ['ԝ', 'w'],
  ['һ', 'h'],
  ['ӏ', 'l'],
  ['ү', 'y'],
  ['ɡ', 'g'],
  // Cyrillic uppercase
  ['А', 'A'],
  ['В', 'B'],
  ['Е', 'E'],
  ['К', 'K'],
  ['М', 'M'],
  ['Н', 'H'],
  ['О', 'O'],
  ['Р', 'P'],
  ['С', 'C'],
  ['Т', 'T'],
  ['У', 'Y'],
  ['Х', 'X'],
  ['Ѕ', 'S'],
  ['І', 'I'],
  ['Ј', 'J'],
  ['Ԁ', 'D'],
  ['Ԛ', 'Q'],
  ['Ԝ', 'W'],
  ['Һ', 'H'],
  ['Ӏ', 'I'],
  ['Ү', 'Y'],
  // Greek lowercase
  ['α', 'a'],
  ['ε', 'e'],
  ['ι', 'i'],
  ['κ', 'k'],
  ['ν', 'v'],
  ['ο', 'o'],
  ['ρ', 'p'],
  ['τ', 't'],
  ['υ', 'u'],
  ['χ', 'x'],
  ['γ', 'y'],
  ['ω', 'w'],
  ['η', 'n'],
  // Greek uppercase
  ['Α', 'A'],
  ['Β', 'B'],
  ['Ε', 'E'],
  ['Ζ', 'Z'],
  ['Η', 'H'],
  ['Ι', 'I'],
  ['Κ', 'K'],
  ['Μ', 'M'],
  ['Ν', 'N'],
  ['Ο', 'O'],
  ['Ρ', 'P'],
  ['Τ', 'T'],
  ['Υ', 'Y'],
  ['Χ', 'X'],
  // Armenian and Latin extended
  ['օ', 'o'],
  ['ս', 'u'],
  ['հ', 'h'],
  ['ո', 'n'],
  ['ց', 'g'],
  ['ı', 'i'],
  ['ɑ', 'a'],
  ['ɩ', 'i'],
  ['ʏ', 'y'],
  ['ɪ', 'i'],
  ['ᴀ', 'a'],
  ['ᴄ', 'c'],
  ['ᴅ', 'd'],
  ['ᴇ', 'e'],
  ['ᴋ', 'k'],
  ['ᴍ', 'm'],
  ['ᴏ', 'o'],
  ['ᴘ', 'p'],
  ['ᴛ', 't'],
  ['ᴜ', 'u'],
  ['ᴠ', 'v'],
  ['ᴡ', 'w'],
  ['ᴢ', 'z'],
  // promptfoo's homoglyph strategy (src/redteam/strategies/homoglyph.ts) and the character-injection
  // study also draw on these: Latin tone six, Greek digamma, Cyrillic komi sje and izhitsa, and Cherokee
  // capitals that are drawn as Latin ones (Cherokee text written with them alone is not a word of English).
  ['Ƅ', 'b'],
  ['ƅ', 'b'],
  ['Ϝ', 'F'],
  ['Ԍ', 'G'],
  ['ѵ', 'v'],
  ['Ꭺ', 'A'],
  ['Ᏼ', 'B'],
  ['Ꮯ', 'C'],
  ['Ꭰ', 'D'],
  ['Ꭼ', 'E'],
  ['Ꮐ', 'G'],
  ['Ꮋ', 'H'],
  ['Ꭻ', 'J'],
  ['Ꮶ', 'K'],
  ['Ꮮ', 'L'],
  ['Ꮇ', 'M'],
  ['Ꮲ', 'P'],
  ['Ꮪ', 'S'],
  ['Ꮩ', 'V'],
  ['Ꮃ', 'W'],
  ['Ꮓ', 'Z'],
  // Weak lookalikes (see WEAK_HOMOGLYPHS): Cyrillic ghe for r, ya for R.
  ['г', 'r'],
  ['Я', 'R'],
];

/**
 * Lookalikes that are also everyday letters of a living orthography that reads nothing like Latin
 * (Russian `г`, `Я`): a word of confusables holding one is folded only beside a folded word or with
 * Latin letters in it (`homoglyph-fold.ts`), so `горе` alone stays Russian while `ԝгіτе` in a spoofed
 * sentence reads `write`.
 */
export const WEAK_HOMOGLYPHS: ReadonlySet<number> = new Set(['г', 'Г', 'Я'].map((c) => c.charCodeAt(0)));

/**
 * The table closed under upper-casing: if `ё` folds, so does `Ё`. Without this, a word left alone
 * because of `Ё` would fold once lowercased, and `canonicalize` would not be idempotent.
 */
function closeUnderUppercase(pairs: ReadonlyArray<readonly [string, string]>): Map<number, string> {
  const map = new Map<number, string>(pairs.map(([from, to]) => [from.charCodeAt(0), to]));
  for (const [from, to] of pairs) {
    const upper = from.toUpperCase();
    const code = upper.charCodeAt(0);
    if (upper.length === 1 && code >= 0x80 && !map.has(code)) map.set(code, to.toUpperCase());
  }
  return map;
}

/** Confusable code unit → Latin replacement. Every key is a single BMP code unit. */
export const HOMOGLYPHS: ReadonlyMap<number, string> = closeUnderUppercase(PAIRS);

/** Matches any confusable in {@link HOMOGLYPHS}; a plain character class, so linear. */
export const HOMOGLYPH_RE = new RegExp(
  `[${[...HOMOGLYPHS.keys()].map((c) => `\\u${c.toString(16).padStart(4, '0')}`).join('')}]`,
  'g',
);

/**
 * The 128-code-point blocks that contain a confusable, as one character class of a few ranges. A
 * superset of {@link HOMOGLYPH_RE} that the regex engine scans several times faster than a class of
 * 100+ scattered code points; each hit is then checked against {@link HOMOGLYPHS}.
 */
export const CONFUSABLE_BLOCKS_RE = new RegExp(
  `[${[...new Set([...HOMOGLYPHS.keys()].map((c) => c >> 7))]
    .sort((a, b) => a - b)
    .map(
      (b) =>
        `\\u${(b << 7).toString(16).padStart(4, '0')}-\\u${((b << 7) + 127).toString(16).padStart(4, '0')}`,
    )
    .join('')}]`,
  'g',
);
