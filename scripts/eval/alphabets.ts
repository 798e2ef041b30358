/**
 * Letter-for-letter substitution alphabets used by "fancy text" generators and by the published
 * character-injection studies: Unicode small capitals, IPA letters, super/subscripts, regional
 * indicators, enclosed letters, the mathematical alphanumeric styles, full-width forms and
 * upside-down text. Each alphabet maps a-z (and A-Z where the style has capitals); characters
 * without an entry are left as they are, exactly as the generators do.
 */

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export type Alphabet = ReadonlyMap<string, string>;

/** Builds an alphabet from a string of 26 replacement characters for a-z (and optionally A-Z). */
function fromLetters(lower: string, upper?: string): Alphabet {
  const map = new Map<string, string>();
  const lo = Array.from(lower);
  if (lo.length !== 26) throw new Error(`alphabet needs 26 letters, got ${lo.length}`);
  lo.forEach((c, i) => {
    if (c !== LOWER[i]) map.set(LOWER[i]!, c);
  });
  if (upper) {
    const up = Array.from(upper);
    if (up.length !== 26) throw new Error(`alphabet needs 26 capitals, got ${up.length}`);
    up.forEach((c, i) => {
      if (c !== UPPER[i]) map.set(UPPER[i]!, c);
    });
  } else {
    // No capitals in this style: capitals take the small form.
    lo.forEach((c, i) => {
      map.set(UPPER[i]!, c);
    });
  }
  return map;
}

/** A contiguous block of code points for A-Z and a-z (and 0-9), with the holes Unicode fills elsewhere. */
function fromBlock(
  upperStart: number,
  lowerStart: number,
  exceptions: Readonly<Record<string, number>> = {},
  digitStart?: number,
): Alphabet {
  const map = new Map<string, string>();
  for (let i = 0; i < 26; i++) {
    const up = UPPER[i]!;
    const lo = LOWER[i]!;
    map.set(up, String.fromCodePoint(exceptions[up] ?? upperStart + i));
    map.set(lo, String.fromCodePoint(exceptions[lo] ?? lowerStart + i));
  }
  if (digitStart !== undefined)
    for (let d = 0; d < 10; d++) map.set(String(d), String.fromCodePoint(digitStart + d));
  return map;
}

/** Maps every letter (either case) to one code point per letter index. */
function caseless(start: number): Alphabet {
  const map = new Map<string, string>();
  for (let i = 0; i < 26; i++) {
    const c = String.fromCodePoint(start + i);
    map.set(LOWER[i]!, c);
    map.set(UPPER[i]!, c);
  }
  return map;
}

/** Adds digits 1-9 from a contiguous run (enclosed digits start at 1) and an optional 0. */
function withDigits(base: Alphabet, oneStart: number, zero?: number): Alphabet {
  const map = new Map(base);
  for (let d = 1; d < 10; d++) map.set(String(d), String.fromCodePoint(oneStart + d - 1));
  if (zero !== undefined) map.set('0', String.fromCodePoint(zero));
  return map;
}

export const ALPHABETS = {
  /** Latin letter small capitals (U+1D00 block and neighbours); q and x have no small capital. */
  smallCaps: fromLetters('ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘqʀꜱᴛᴜᴠᴡxʏᴢ'),
  /** IPA Extensions lookalikes (U+0250–U+02AF and Latin Extended-B hooks). */
  ipa: fromLetters('ɑɓɕɗɛʄɠɦɨʝʞɭɱɲɵƥʠɾʂʈʉʋɰxʏʐ'),
  /** Modifier letters used as superscripts (no standard superscript q). */
  superscript: fromLetters('ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖqʳˢᵗᵘᵛʷˣʸᶻ', 'ᴬᴮᶜᴰᴱᶠᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾQᴿˢᵀᵁⱽᵂˣʸᶻ'),
  /** Subscript letters: Unicode has only a-e-h-i-j-k-l-m-n-o-p-r-s-t-u-v-x (others stay). */
  subscript: fromLetters('ₐbcdₑfgₕᵢⱼₖₗₘₙₒₚqᵣₛₜᵤᵥwₓyz'),
  /** Regional indicator symbols (the letters flags are made of). */
  regional: caseless(0x1f1e6),
  /** Circled letters Ⓐ / ⓐ (case kept), digits ① … ⑨ and ⓪. */
  circled: withDigits(fromBlock(0x24b6, 0x24d0), 0x2460, 0x24ea),
  /** Negative circled capitals 🅐. */
  negativeCircled: caseless(0x1f150),
  /** Squared capitals 🄰. */
  squared: caseless(0x1f130),
  /** Negative squared capitals 🅰. */
  negativeSquared: caseless(0x1f170),
  /** Parenthesized small letters ⒜ and digits ⑴. */
  parenthesized: withDigits(caseless(0x249c), 0x2474),
  mathBold: fromBlock(0x1d400, 0x1d41a, {}, 0x1d7ce),
  mathItalic: fromBlock(0x1d434, 0x1d44e, { h: 0x210e }),
  mathBoldItalic: fromBlock(0x1d468, 0x1d482),
  mathScript: fromBlock(0x1d49c, 0x1d4b6, {
    B: 0x212c,
    E: 0x2130,
    F: 0x2131,
    H: 0x210b,
    I: 0x2110,
    L: 0x2112,
    M: 0x2133,
    R: 0x211b,
    e: 0x212f,
    g: 0x210a,
    o: 0x2134,
  }),
  mathFraktur: fromBlock(0x1d504, 0x1d51e, { C: 0x212d, H: 0x210c, I: 0x2111, R: 0x211c, Z: 0x2128 }),
  mathDoubleStruck: fromBlock(
    0x1d538,
    0x1d552,
    { C: 0x2102, H: 0x210d, N: 0x2115, P: 0x2119, Q: 0x211a, R: 0x211d, Z: 0x2124 },
    0x1d7d8,
  ),
  mathSansBold: fromBlock(0x1d5d4, 0x1d5ee, {}, 0x1d7ec),
  mathMonospace: fromBlock(0x1d670, 0x1d68a, {}, 0x1d7f6),
} as const satisfies Record<string, Alphabet>;

/** Upside-down lookalikes; the text is also reversed so it reads correctly when rotated. */
export const UPSIDE_DOWN: Alphabet = new Map([
  ...fromLetters('ɐqɔpǝɟƃɥᴉɾʞlɯuodbɹsʇnʌʍxʎz'),
  ['?', '¿'],
  ['!', '¡'],
  ['.', '˙'],
  [',', "'"],
  ["'", ','],
  ['(', ')'],
  [')', '('],
  ['[', ']'],
  [']', '['],
  ['<', '>'],
  ['>', '<'],
  ['_', '‾'],
  ['&', '⅋'],
  ['1', 'Ɩ'],
  ['2', 'ᄅ'],
  ['3', 'Ɛ'],
  ['4', 'ㄣ'],
  ['5', 'ϛ'],
  ['6', '9'],
  ['7', 'ㄥ'],
  ['9', '6'],
]);

/** Full-width forms: printable ASCII U+0021–U+007E → U+FF01–U+FF5E, space → U+3000. */
export function fullWidth(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x21 && cp <= 0x7e) out += String.fromCodePoint(cp + 0xfee0);
    else if (cp === 0x20) out += '\u3000';
    else out += ch;
  }
  return out;
}

/** Replaces each character by its entry in the alphabet. */
export function mapChars(text: string, alphabet: Alphabet): string {
  let out = '';
  for (const ch of text) out += alphabet.get(ch) ?? ch;
  return out;
}
