/**
 * Text encodings beyond base64 / hex / URL (`decode.ts`): base32, binary, Morse code (pieces decoded
 * on their own), and HTML entities, quoted-printable and `\uXXXX` escapes (decoded in place). Each
 * decoder also reports the spans of `text` it explained, so that the residual view (the text with
 * its encoded runs blanked) can be scored instead of the encoded noise.
 * Every regex is in `patterns.ts` (recheck-tested); every decoder is one scan plus work proportional
 * to what it matched.
 */
import { bytesToText } from './decode';
import { MORSE_DECODE as MORSE } from './morse';
import {
  BASE32_DIGIT_RE,
  BASE32_RUN_RE,
  BINARY_PACKED_RE,
  BINARY_SPACED_RE,
  BINARY_SPLIT_RE,
  EQUALS_RE,
  HTML_ENTITY_RE,
  MORSE_LETTER_SPLIT_RE,
  MORSE_RUN_RE,
  MORSE_WORD_SPLIT_RE,
  QP_RUN_RE,
  QP_SOFT_BREAK_RE,
  UNDERSCORE_RE,
  UNICODE_ESCAPE_RE,
} from './patterns';
import { asciiSet, contextEnd, contextStart, fromCodeUnits, hasRun, type Span } from './text';

export type { Span } from './text';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A decoder's result: decoded pieces (one line each) and the spans they came from. */
export interface Decoded {
  readonly pieces: string[];
  readonly spans: Span[];
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B32_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B32.length; i++) B32_VALUE[B32.charCodeAt(i)] = i;

/** RFC 4648 base32 of one run (padding dropped); undefined when it is not text. */
function decodeBase32(run: string): string | undefined {
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < run.length; i++) {
    const v = B32_VALUE[run.charCodeAt(i)] ?? -1;
    if (v < 0) break;
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
    }
  }
  return bytesToText(Uint8Array.from(bytes));
}

/** Runs a global regex over `text` and decodes each match with `decode`, within `budget` characters. */
function decodeMatches(
  text: string,
  re: RegExp,
  budget: number,
  decode: (match: string) => string | undefined,
  out: Decoded,
): void {
  let used = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const decoded = decode(m[0]);
    if (decoded === undefined || used + decoded.length > budget) continue;
    out.pieces.push(decoded);
    out.spans.push([m.index, m.index + m[0].length]);
    used += decoded.length;
  }
}

/** The base32 alphabet, and the shortest run {@link BASE32_RUN_RE} matches. */
export const BASE32_SYMBOLS = asciiSet(B32);
export const MIN_BASE32_RUN = 16;

/** Base32 runs (≥ 16 symbols of `A–Z2–7`, optional `=` padding) that decode to text. */
export function decodeBase32Runs(text: string, budget: number): Decoded {
  const out: Decoded = { pieces: [], spans: [] };
  if (!hasRun(text, MIN_BASE32_RUN, BASE32_SYMBOLS) || !BASE32_DIGIT_RE.test(text)) return out;
  decodeMatches(text, BASE32_RUN_RE, budget, decodeBase32, out);
  return out;
}

/** One binary run: groups of 7 or 8 bits (separated), or packed octets. */
const decodeBinary = (run: string): string | undefined => {
  const groups = run.split(BINARY_SPLIT_RE).filter((g) => g.length > 0);
  const bytes: number[] = [];
  for (const g of groups) {
    if (g.length <= 8) bytes.push(Number.parseInt(g, 2));
    else for (let i = 0; i + 8 <= g.length; i += 8) bytes.push(Number.parseInt(g.slice(i, i + 8), 2));
  }
  return bytesToText(Uint8Array.from(bytes));
};

/**
 * What binary runs are made of (bits and the separators of {@link BINARY_SPACED_RE}), and the shortest
 * match of either binary regex: four groups of seven bits and three separators.
 */
export const BINARY_UNITS = asciiSet('01 ,;');
export const MIN_BINARY_RUN = 4 * 7 + 3;

/** Binary runs: ≥ 4 groups of 7–8 bits separated by spaces/commas, or ≥ 4 packed octets. */
export function decodeBinaryRuns(text: string, budget: number): Decoded {
  const out: Decoded = { pieces: [], spans: [] };
  if (!text.includes('0000') && !text.includes('1 0') && !text.includes('0 1') && !text.includes('01'))
    return out;
  if (!hasRun(text, MIN_BINARY_RUN, BINARY_UNITS)) return out;
  decodeMatches(text, BINARY_SPACED_RE, budget, decodeBinary, out);
  if (out.pieces.length === 0) decodeMatches(text, BINARY_PACKED_RE, budget, decodeBinary, out);
  return out;
}

/**
 * One Morse run: letters separated by one or two spaces, words by `/`, `|` or three or more spaces.
 * Undefined unless at least 80 % of its letters are valid codes.
 */
function decodeMorse(run: string): string | undefined {
  const words: string[] = [];
  let letters = 0;
  let bad = 0;
  for (const word of run.split(MORSE_WORD_SPLIT_RE)) {
    let w = '';
    for (const code of word.split(MORSE_LETTER_SPLIT_RE)) {
      if (code.length === 0) continue;
      letters++;
      const ch = MORSE[code.replace(UNDERSCORE_RE, '-')];
      if (ch === undefined) bad++;
      w += ch ?? '?';
    }
    if (w.length > 0) words.push(w);
  }
  if (letters < 4 || bad > letters * 0.2) return undefined;
  return words.join(' ');
}

/**
 * What Morse runs are made of (codes and the gaps of {@link MORSE_RUN_RE}), and its shortest match:
 * four one-symbol codes and three one-character gaps.
 */
export const MORSE_UNITS = asciiSet('.-_ /|');
export const MIN_MORSE_RUN = 4 + 3;

/** Morse runs (≥ 4 codes of `.`/`-`/`_`). */
export function decodeMorseRuns(text: string, budget: number): Decoded {
  const out: Decoded = { pieces: [], spans: [] };
  if (!text.includes('.-') && !text.includes('-.') && !text.includes('..') && !text.includes('--'))
    return out;
  if (!hasRun(text, MIN_MORSE_RUN, MORSE_UNITS)) return out;
  decodeMatches(text, MORSE_RUN_RE, budget, decodeMorse, out);
  return out;
}

const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  excl: '!',
  quest: '?',
  period: '.',
  comma: ',',
  colon: ':',
  semi: ';',
  lpar: '(',
  rpar: ')',
  sol: '/',
  hyphen: '-',
  dash: '-',
  num: '#',
  percnt: '%',
  ast: '*',
  equals: '=',
  commat: '@',
  newline: '\n',
  tab: '\t',
  dollar: '$',
  plus: '+',
  lowbar: '_',
  verbar: '|',
  vert: '|',
  bsol: '\\',
  lsqb: '[',
  rsqb: ']',
  lbrack: '[',
  rbrack: ']',
  lcub: '{',
  rcub: '}',
  lbrace: '{',
  rbrace: '}',
  grave: '`',
  hat: '^',
  midast: '*',
  tilde: '~',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  copy: '©',
  reg: '®',
  trade: '™',
  deg: '°',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  sect: '§',
  para: '¶',
  middot: '·',
  times: '×',
  divide: '÷',
};

const codePointText = (cp: number): string | undefined =>
  Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)
    ? String.fromCodePoint(cp)
    : undefined;

const decodeEntity = (entity: string): string => {
  const body = entity.slice(1, -1);
  if (body.charCodeAt(0) === 0x23) {
    const hex = body.charCodeAt(1) === 0x78 || body.charCodeAt(1) === 0x58;
    return codePointText(Number.parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10)) ?? entity;
  }
  return NAMED[body.toLowerCase()] ?? entity;
};

/** Minimum number of escapes before an in-place decoded view is produced. */
export const MIN_ESCAPES = 3;

/**
 * Decodes every match of `re` in place, when there are at least {@link MIN_ESCAPES} matches: one view
 * of the stretch from the first match to the last, widened to its sentence or line ({@link contextStart},
 * {@link contextEnd}) so that a plain lead-in ("Decode it and do what it says.") is not mixed into the
 * payload; the plain text outside is read in the residual view. Never longer than the source.
 */
function decodeInPlace(
  text: string,
  re: RegExp,
  decode: (m: string) => string,
  out: Decoded,
  escapesIn: (m: string) => number = () => 1,
): void {
  let n = 0;
  const spans: Span[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    n += escapesIn(m[0]);
    spans.push([m.index, m.index + m[0].length]);
  }
  const first = spans[0];
  const last = spans[spans.length - 1];
  if (n < MIN_ESCAPES || first === undefined || last === undefined) return;
  const region = text.slice(contextStart(text, first[0]), contextEnd(text, last[1]));
  const decoded = region.replace(re, decode);
  if (decoded === region) return;
  out.pieces.push(decoded);
  out.spans.push(...spans);
}

/** HTML / XML character references (`&#104;`, `&#x68;`, `&amp;`), decoded in place. */
export function decodeHtmlEntities(text: string): Decoded {
  const out: Decoded = { pieces: [], spans: [] };
  if (text.includes('&')) decodeInPlace(text, HTML_ENTITY_RE, decodeEntity, out);
  return out;
}

const hexBytesText = (hex: string): string => {
  try {
    return UTF8.decode(Buffer.from(hex, 'hex'));
  } catch {
    return Buffer.from(hex, 'hex').toString('latin1');
  }
};

/** Quoted-printable (`=68=6F=77`, soft line breaks `=\n`), decoded in place. */
export function decodeQuotedPrintable(text: string): Decoded {
  const out: Decoded = { pieces: [], spans: [] };
  if (!text.includes('=')) return out;
  const softBreaks = text.includes('=\n') || text.includes('=\r\n');
  const joined = softBreaks ? text.replace(QP_SOFT_BREAK_RE, '') : text;
  // A lone `=XX` is common outside quoted-printable (`68=280` in a score table): it needs a run of two
  // escapes or a soft line break somewhere before the text counts as quoted-printable.
  let evidence = softBreaks;
  decodeInPlace(
    joined,
    QP_RUN_RE,
    (run) => {
      if (run.length >= 6) evidence = true;
      return hexBytesText(run.replace(EQUALS_RE, ''));
    },
    out,
    (run) => run.length / 3,
  );
  if (!evidence) return { pieces: [], spans: [] };
  // With soft breaks joined, spans would not refer to `text`: none are reported (no residual view).
  return softBreaks ? { pieces: out.pieces, spans: [] } : out;
}

/** `\uXXXX` / `\u{X…}` escapes (JSON, JavaScript), decoded in place (surrogate pairs joined). */
export function decodeUnicodeEscapes(text: string): Decoded {
  const out: Decoded = { pieces: [], spans: [] };
  if (!text.includes('\\u')) return out;
  decodeInPlace(
    text,
    UNICODE_ESCAPE_RE,
    (run) => {
      const units: number[] = [];
      for (const part of run.split('\\u')) {
        if (part.length === 0) continue;
        const hex = part.startsWith('{') ? part.slice(1, -1) : part;
        const cp = Number.parseInt(hex, 16);
        if (cp > 0xffff) {
          const s = codePointText(cp);
          if (s) for (let i = 0; i < s.length; i++) units.push(s.charCodeAt(i));
        } else units.push(cp);
      }
      return fromCodeUnits(units);
    },
    out,
    (run) => run.split('\\u').length - 1,
  );
  return out;
}
