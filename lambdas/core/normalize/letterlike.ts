/**
 * Letter-like symbols folded to the Latin letters they spell, unconditionally (unlike the homoglyph
 * table, which folds Cyrillic/Greek letters only inside words that look spoofed). Every character listed
 * here is a decorative or phonetic stand-in for a Latin letter that NFKC leaves alone, and that "fancy
 * text" generators and published filter-evasion catalogs use to spell whole sentences:
 *
 * - Latin small capitals (`ʜᴏᴡ ᴛᴏ`) and the IPA / hooked letters of "IPA" text (`ɦɵɯ`, `ɓ`, `ƈ`, `ɗ`…);
 * - regional indicator symbols (`🇭 🇴 🇼`), negative circled (`🅗`) and negative squared (`🅷`) letters;
 * - parenthesized letters (`⒣⒪⒲`; NFKC would turn them into `(h)(o)(w)`) and numbers (`⑴⑼` → 19);
 * - Braille letters (grade 1: `⠓⠕⠺`), with the Braille blank U+2800 as a space;
 * - invisible spacers that render as a blank (Hangul fillers U+3164, U+FFA0, U+115F, U+1160) → a space,
 *   so that words separated by them stay separate words.
 *
 * Upside-down letters (`ɐ ǝ ɥ ɹ ʇ ʎ ɯ ʞ ʍ ʌ ɔ ɟ ƃ ᴉ`) are deliberately absent: upside-down text is
 * written in reverse order too, so it gets its own view (`upside-down.ts`).
 */
import { HANGUL_FILLERS } from './text';

/**
 * `ǫ Ǫ`: small capital Q in fancy text (`ǫᴜɪᴄᴋ`), but an o with an ogonek (a Latin letter and its mark) in
 * accented text (`tǫ`, `pąsswǫrd`). Folded to q unless a neighbouring code point is a letter and neither is a
 * letter of the table: left as it is there, for the accent fold to read as o. An `x` beside it says nothing
 * (small-capital text writes x as it is).
 */
const OGONEK_O: ReadonlySet<number> = new Set([0x1eb, 0x1ea]);
const LETTER_RE = /\p{L}/u;

/** The code point of `text` just before `at` (undefined at the start). */
function pointBefore(text: string, at: number): number | undefined {
  if (at === 0) return undefined;
  const low = text.charCodeAt(at - 1);
  return low >= 0xdc00 && low <= 0xdfff && at >= 2 ? text.codePointAt(at - 2) : low;
}

/** Whether `ǫ` at `at` (one code unit) reads as an o with an ogonek ({@link OGONEK_O}). */
function ogonekO(text: string, at: number, map: ReadonlyMap<number, string>): boolean {
  let letters = 0;
  for (const cp of [pointBefore(text, at), text.codePointAt(at + 1)]) {
    if (cp === undefined || cp === 0x78 || cp === 0x58 || !LETTER_RE.test(String.fromCodePoint(cp))) continue;
    if (map.has(cp)) return false;
    letters++;
  }
  return letters > 0;
}

/** The folds, the regular expression of their keys and its one-match test; built on first use. */
interface Table {
  readonly map: ReadonlyMap<number, string>;
  readonly re: RegExp;
  readonly test: RegExp;
}

/** The Braille number sign: the cells of a–j right after it are the digits 1–9, 0. */
const NUMBER_SIGN = 0x283c;

// Small capitals (Latin and phonetic extensions). ǫ (q with ogonek) and ꞯ stand in for Q; ǫ is also o with an
// ogonek, read so beside ordinary letters ({@link OGONEK_O}).
const SMALL_CAPS: ReadonlyArray<readonly [string, string]> = [
  ['ᴀ', 'a'],
  ['ʙ', 'b'],
  ['ᴄ', 'c'],
  ['ᴅ', 'd'],
  ['ᴇ', 'e'],
  ['ꜰ', 'f'],
  ['ɢ', 'g'],
  ['ʜ', 'h'],
  ['ɪ', 'i'],
  ['ᴊ', 'j'],
  ['ᴋ', 'k'],
  ['ʟ', 'l'],
  ['ᴍ', 'm'],
  ['ɴ', 'n'],
  ['ᴏ', 'o'],
  ['ᴘ', 'p'],
  ['ǫ', 'q'],
  ['ꞯ', 'q'],
  ['ʀ', 'r'],
  ['ꜱ', 's'],
  ['ᴛ', 't'],
  ['ᴜ', 'u'],
  ['ᴠ', 'v'],
  ['ᴡ', 'w'],
  ['ʏ', 'y'],
  ['ᴢ', 'z'],
];

// Braille, grade 1 letters.
const BRAILLE = 'abcdefghijklmnopqrstuvwxyz';
const BRAILLE_DOTS = [
  0x01, 0x03, 0x09, 0x19, 0x11, 0x0b, 0x1b, 0x13, 0x0a, 0x1a, 0x05, 0x07, 0x0d, 0x1d, 0x15, 0x0f, 0x1f, 0x17,
  0x0e, 0x1e, 0x25, 0x27, 0x3a, 0x2d, 0x3d, 0x35,
];
const DIGIT_OF_CELL: ReadonlyMap<number, string> = new Map(
  BRAILLE_DOTS.slice(0, 10).map((dots, i) => [0x2800 + dots, String((i + 1) % 10)] as const),
);

/**
 * Blocks whose symbols NFKC spells as an abbreviation of two or more letters (see {@link buildTable}).
 */
const ABBREVIATION_BLOCKS: ReadonlyArray<readonly [number, number]> = [
  [0x20a0, 0x20cf],
  [0x2100, 0x214f],
  [0x3200, 0x33ff],
  [0x1f100, 0x1f1ff],
];

let table: Table | undefined;

/**
 * Builds the table: a few milliseconds (about a thousand symbols normalized one by one for the abbreviations,
 * every entry upper-cased), paid by the first text that is not ASCII instead of by every import of the engine.
 */
function buildTable(): Table {
  const map = new Map<number, string>();
  const put = (chars: string, to: string): void => {
    for (const ch of chars) map.set(ch.codePointAt(0) ?? 0, to);
  };
  const range = (first: number, letters = 'abcdefghijklmnopqrstuvwxyz'): void => {
    for (let i = 0; i < letters.length; i++) map.set(first + i, letters[i] as string);
  };
  for (const [from, to] of SMALL_CAPS) put(from, to);

  // IPA and hooked / stroked Latin letters used as "IPA text" and as lookalikes.
  put('ɑɒ', 'a');
  put('ɓƀƃ', 'b');
  put('ƈɕ', 'c');
  put('ɗɖđ', 'd');
  put('ɛɘɜ', 'e');
  put('ƒʄ', 'f');
  put('ɠɡ', 'g');
  put('ɦɧ', 'h');
  put('ɨɩı', 'i');
  put('ʝ', 'j');
  put('ƙʞ', 'k');
  put('ɭɬ', 'l');
  put('ɱ', 'm');
  put('ɲɳŋ', 'n');
  put('ɵø', 'o');
  put('ƥ', 'p');
  put('ʠ', 'q');
  put('ɽɾ', 'r');
  put('ʂ', 's');
  put('ƭʈ', 't');
  put('ʋⱱ', 'v');
  put('ⱳɰ', 'w');
  put('ʉ', 'u');
  put('ƴ', 'y');
  put('ʐʑȥ', 'z');
  // Superscript phi is what superscript generators use for the missing superscript q.
  put('ᵠ', 'q');

  range(0x1f1e6); // regional indicators 🇦…🇿
  range(0x1f150); // negative circled 🅐…🅩
  range(0x1f170); // negative squared 🅰…🆉
  range(0x249c); // parenthesized ⒜…⒵
  // Parenthesized numbers ⑴…⒇ read as the numbers (NFKC would give `(1)(9)`, so `⑴⑼` no longer reads 19).
  for (let i = 0; i < 20; i++) map.set(0x2474 + i, String(i + 1));

  // Braille letters; the blank is a space; capital and number signs are dropped.
  BRAILLE_DOTS.forEach((dots, i) => {
    map.set(0x2800 + dots, BRAILLE[i] as string);
  });
  map.set(0x2800, ' ');
  map.set(0x2802, ',');
  map.set(0x2832, '.');
  map.set(0x2826, '?');
  map.set(0x2816, '!');
  map.set(0x2804, "'");
  map.set(0x2812, ':');
  map.set(0x2824, '-');
  map.set(0x2830, ';');
  map.set(0x280c, '/');
  map.set(0x2836, '"');
  map.set(0x2820, '');
  map.set(0x283c, '');

  // Spacers that render as a blank.
  for (const cp of HANGUL_FILLERS) map.set(cp, ' ');

  // Symbols that NFKC spells as an abbreviation of two or more letters (™ → TM, ℠ → SM, ℡ → TEL, № → No, ㎏ → kg,
  // 🅪 → MC): a word of their own. NFKC alone would glue it to the word it follows (`bomb™` → `bombtm`), so it is
  // read apart, between spaces. Taken from the blocks that hold them (letterlike symbols, currency, enclosed CJK
  // and alphanumeric supplement, CJK compatibility) by their NFKC form, not listed by hand. A symbol that NFKC
  // makes one letter (circled `Ⓑ`) stays glued: it spells a word letter by letter.
  for (const [first, last] of ABBREVIATION_BLOCKS) {
    for (let cp = first; cp <= last; cp++) {
      const ch = String.fromCodePoint(cp);
      if (map.has(cp) || /[\p{L}\p{N}\p{M}]/u.test(ch)) continue;
      const spelled = ch.normalize('NFKC');
      if (spelled !== ch && (spelled.match(/[a-z]/gi)?.length ?? 0) >= 2) map.set(cp, ` ${spelled} `);
    }
  }

  // Closed under upper-casing (Ɑ → ɑ, Ʀ → ʀ): canonicalization lowercases after folding, and a capital
  // whose lowercase is listed must fold too, or canonicalize would not be idempotent.
  for (const [cp, to] of [...map]) {
    const upper = String.fromCodePoint(cp).toUpperCase();
    const u = upper.codePointAt(0) ?? 0;
    if ([...upper].length === 1 && u !== cp && u >= 0x80 && !map.has(u)) map.set(u, to);
  }

  // Any key: a plain character class (code point escapes), so linear.
  const re = new RegExp(
    `[${[...map.keys()]
      .sort((a, b) => a - b)
      .map((cp) => `\\u{${cp.toString(16)}}`)
      .join('')}]`,
    'gu',
  );
  return { map, re, test: new RegExp(re.source, 'u') };
}

/** Code point → replacement (built on first use). */
export function letterlikeTable(): ReadonlyMap<number, string> {
  table ??= buildTable();
  return table.map;
}

/**
 * Folds letter-like symbols (see the module comment). Linear: one native scan for candidates, one map
 * lookup per hit. Returns the input itself when nothing is folded.
 */
export function foldLetterlike(text: string): { text: string; folds: number } {
  table ??= buildTable();
  const { map, re, test } = table;
  if (!test.test(text)) return { text, folds: 0 };
  let folds = 0;
  // Braille digits: cells a–j directly after the number sign (and after each other) read as digits.
  let digitsFrom = -1;
  const out = text.replace(re, (ch: string, at: number) => {
    folds++;
    const cp = ch.codePointAt(0) ?? 0;
    if (OGONEK_O.has(cp) && ogonekO(text, at, map)) {
      folds--;
      return ch;
    }
    if (cp === NUMBER_SIGN) {
      digitsFrom = at + ch.length;
      return '';
    }
    const digit = at === digitsFrom ? DIGIT_OF_CELL.get(cp) : undefined;
    if (digit !== undefined) {
      digitsFrom = at + ch.length;
      return digit;
    }
    return map.get(cp) ?? ch;
  });
  return { text: out, folds };
}
