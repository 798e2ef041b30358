/**
 * Text encodings an attacker wraps a request in (garak's `encoding` probes and promptfoo's encoding
 * strategies describe the set): each function is the standard encoding, written here from its
 * specification (RFC 4648 base32, RFC 2045 quoted-printable, POSIX uuencode, Adobe ASCII85, ITU
 * Morse), over the UTF-8 bytes of the text.
 */
import { MORSE_CODE } from '../../lambdas/core/normalize/morse';
import type { Rng } from './rng';

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

export const base64 = (text: string): string => utf8(text).toString('base64');

export const hex = (text: string): string => utf8(text).toString('hex');

/** Each byte as eight binary digits, bytes separated by spaces. */
export const binary = (text: string): string =>
  [...utf8(text)].map((b) => b.toString(2).padStart(8, '0')).join(' ');

/** RFC 4648 base32 with padding. */
export function base32(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = utf8(text);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = ((buffer << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

/** Base-85 digits of 4-byte groups (a final partial group of k bytes keeps k + 1 digits). */
function base85Groups(text: string, alphabet: string, zeroGroup?: string): string {
  const bytes = utf8(text);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const n = Math.min(4, bytes.length - i);
    let v = 0;
    for (let j = 0; j < 4; j++) v = v * 256 + (j < n ? bytes[i + j]! : 0);
    if (n === 4 && v === 0 && zeroGroup) {
      out += zeroGroup;
      continue;
    }
    const digits: string[] = [];
    for (let j = 0; j < 5; j++) {
      digits.unshift(alphabet[v % 85]!);
      v = Math.floor(v / 85);
    }
    out += digits.slice(0, n + 1).join('');
  }
  return out;
}

const A85_ALPHABET = Array.from({ length: 85 }, (_, i) => String.fromCharCode(33 + i)).join('');
const B85_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~';

/** Python's `base64.a85encode` (no delimiters), one of garak InjectAscii85's two encoders. */
export const a85 = (text: string): string => base85Groups(text, A85_ALPHABET, 'z');

/** RFC 1924 base85, Python's `base64.b85encode`: garak InjectAscii85's other encoder. */
export const b85 = (text: string): string => base85Groups(text, B85_ALPHABET);

/** Adobe ASCII85 (`<~ … ~>`, `z` for a zero group). */
export const ascii85 = (text: string): string => `<~${a85(text)}~>`;

/** uuencoded lines of up to 45 bytes; `zero` is the character of a zero digit (backtick or space). */
function uuBody(text: string, zero: '`' | ' '): string[] {
  const bytes = utf8(text);
  const enc = (v: number) => (v === 0 ? zero : String.fromCharCode(v + 32));
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 45) {
    const chunk = bytes.subarray(i, i + 45);
    let line = enc(chunk.length);
    for (let j = 0; j < chunk.length; j += 3) {
      const a = chunk[j]!;
      const b = chunk[j + 1] ?? 0;
      const c = chunk[j + 2] ?? 0;
      line += enc(a >> 2) + enc(((a << 4) | (b >> 4)) & 63) + enc(((b << 2) | (c >> 6)) & 63) + enc(c & 63);
    }
    lines.push(line);
  }
  return lines;
}

/** POSIX uuencode body (`begin 644 file` … `end`), 45 bytes a line. */
export const uuencode = (text: string): string =>
  ['begin 644 message.txt', ...uuBody(text, '`'), '`', 'end'].join('\n');

/**
 * garak InjectUU: Python's `binascii.b2a_uu` over 45-byte chunks, concatenated — bare lines with no
 * `begin`/`end`, a space for a zero digit.
 */
export const uuLines = (text: string): string =>
  uuBody(text, ' ')
    .map((line) => `${line}\n`)
    .join('');

/**
 * RFC 2045 quoted-printable. Bytes outside printable ASCII and `=` are always encoded; `encodeLetters`
 * of the printable ones (chosen by the rng) are encoded too, which the RFC allows, and lines are
 * soft-broken (`=` + newline) at 76 characters, so words are cut mid-way as in real mail.
 */
export function quotedPrintable(text: string, rng: Rng, encodeLetters = 0.5): string {
  const bytes = utf8(text);
  const out: string[] = [];
  let line = '';
  for (const b of bytes) {
    const printable = b >= 33 && b <= 126 && b !== 61;
    let piece: string;
    if (b === 32) piece = ' ';
    else if (printable && rng.next() >= encodeLetters) piece = String.fromCharCode(b);
    else piece = `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (line.length + piece.length > 75) {
      out.push(`${line}=`);
      line = '';
    }
    line += piece;
  }
  out.push(line);
  return out.join('\n');
}

/** URL percent-encoding of every byte (letters included, as encoder tools offer). */
export const urlEncodeAll = (text: string): string =>
  [...utf8(text)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

export function rot13(text: string): string {
  return text.replace(/[a-z]/gi, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** Atbash: a↔z, b↔y, … */
export function atbash(text: string): string {
  return text.replace(/[a-z]/gi, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(25 - (c.charCodeAt(0) - base) + base);
  });
}

/** ITU Morse: letters separated by spaces, words by ` / `; characters without a code are dropped. */
export function morse(text: string): string {
  return text
    .toLowerCase()
    .split(/\s+/)
    .map((w) =>
      Array.from(w)
        .map((c) => MORSE_CODE[c])
        .filter((c) => c !== undefined)
        .join(' '),
    )
    .filter((w) => w !== '')
    .join(' / ');
}

const NATO = [
  'Alfa',
  'Bravo',
  'Charlie',
  'Delta',
  'Echo',
  'Foxtrot',
  'Golf',
  'Hotel',
  'India',
  'Juliett',
  'Kilo',
  'Lima',
  'Mike',
  'November',
  'Oscar',
  'Papa',
  'Quebec',
  'Romeo',
  'Sierra',
  'Tango',
  'Uniform',
  'Victor',
  'Whiskey',
  'X-ray',
  'Yankee',
  'Zulu',
] as const;

/**
 * garak InjectNato: the code word of every letter, upper-cased, joined by spaces — word boundaries,
 * digits and punctuation are dropped ("X-ray" is written "Xray").
 */
export function natoGarak(text: string): string {
  const out: string[] = [];
  for (const c of text.toUpperCase()) {
    const i = c.charCodeAt(0) - 65;
    if (c.length === 1 && i >= 0 && i < 26) out.push(NATO[i] === 'X-ray' ? 'Xray' : NATO[i]!);
  }
  return out.join(' ');
}

/** NATO phonetic alphabet, one code word a letter, `(space)` between words; digits kept. */
export function nato(text: string): string {
  return text
    .split(/\s+/)
    .map((w) =>
      Array.from(w)
        .map((c) => {
          const i = c.toLowerCase().charCodeAt(0) - 97;
          return i >= 0 && i < 26 && c.length === 1 ? NATO[i] : /[0-9]/.test(c) ? c : '';
        })
        .filter((x) => x !== '')
        .join(' '),
    )
    .filter((w) => w !== '')
    .join(' (space) ');
}

/** Grade-1 English braille letters (U+2800 block dot patterns), digits with the number sign. */
const BRAILLE_LETTERS = '⠁⠃⠉⠙⠑⠋⠛⠓⠊⠚⠅⠇⠍⠝⠕⠏⠟⠗⠎⠞⠥⠧⠺⠭⠽⠵';
export function brailleLetters(text: string): string {
  let out = '';
  for (const ch of text) {
    const lo = ch.toLowerCase();
    const i = lo.charCodeAt(0) - 97;
    if (lo.length === 1 && i >= 0 && i < 26) out += BRAILLE_LETTERS[i];
    else if (/[1-9]/.test(ch)) out += `⠼${BRAILLE_LETTERS[Number(ch) - 1]}`;
    else if (ch === '0') out += '⠼⠚';
    else if (ch === ' ') out += ' ';
    else out += ch;
  }
  return out;
}

/** garak InjectBraille's cells for punctuation, capitals (U+2820 before the letter) and numbers (U+283C). */
const BRAILLE_PUNCT: Readonly<Record<string, string>> = {
  '.': '⠲',
  "'": '⠄',
  ',': '⠂',
  '-': '⠤',
  '/': '⠌',
  '!': '⠖',
  '?': '⠦',
  $: '⠲',
  ':': '⠒',
  ';': '⠰',
  '(': '⠶',
  ')': '⠶',
};

/**
 * garak InjectBraille: lower-case letters as grade-1 cells, a capital sign before upper-case letters,
 * the number sign before each digit (digits as the cells of a–j), punctuation as its cell, line breaks
 * and spaces kept, anything else dropped.
 */
export function brailleGarak(text: string): string {
  let out = '';
  for (const ch of text) {
    const lo = ch.toLowerCase();
    const i = lo.charCodeAt(0) - 97;
    if (ch === '\n' || ch === '\r' || ch === '\t' || ch === ' ') out += ch;
    else if (lo.length === 1 && i >= 0 && i < 26) out += (ch !== lo ? '⠠' : '') + BRAILLE_LETTERS[i];
    else if (/[0-9]/.test(ch)) out += `⠼${BRAILLE_LETTERS[(Number(ch) + 9) % 10]}`;
    else out += BRAILLE_PUNCT[ch] ?? '';
  }
  return out;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  ' ': '&#32;',
  '.': '&period;',
  ',': '&comma;',
  '?': '&quest;',
  '!': '&excl;',
  ':': '&colon;',
  ';': '&semi;',
  '(': '&lpar;',
  ')': '&rpar;',
  '/': '&sol;',
  '-': '&#45;',
  '=': '&equals;',
  '+': '&plus;',
  '*': '&ast;',
  '#': '&num;',
  $: '&dollar;',
  '%': '&percnt;',
  '@': '&commat;',
  '\n': '&NewLine;',
};

/** HTML character references for every character: decimal (`&#104;`) or hex (`&#x68;`). */
export function htmlEntities(text: string, form: 'decimal' | 'hex'): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += form === 'decimal' ? `&#${cp};` : `&#x${cp.toString(16)};`;
  }
  return out;
}

/**
 * HTML5 named references where the character has one (punctuation), and decimal or hex numeric
 * references (chosen by the rng) for the letters, which have no names.
 */
export function htmlEntitiesMixed(text: string, rng: Rng): string {
  let out = '';
  for (const ch of text) {
    const named = NAMED_ENTITIES[ch];
    if (named) out += named;
    else {
      const cp = ch.codePointAt(0)!;
      out += rng.next() < 0.5 ? `&#${cp};` : `&#x${cp.toString(16).toUpperCase()};`;
    }
  }
  return out;
}
