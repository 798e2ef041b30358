/**
 * Emoji injected between the letters of words (`b🔥o🔥m🔥b`): the character-injection study's emoji
 * variant (Hackett et al., 2025) breaks every word into one-letter pieces that no word feature matches,
 * while a model reads straight through the pictures. Read back by dropping each emoji (with its joiners,
 * skin tones and keycap marks) that follows a letter, when at least {@link MIN_GLUED_EMOJI} sit between
 * two letters, one per {@link MAX_LETTERS_PER_EMOJI} letters or more: ordinary text puts an emoji between
 * words, not inside them, and a prompt that decorates a few names keeps its emoji.
 *
 * Linear: one pass; the pictographic test runs only on astral and symbol code points.
 */
import { GLUED_EMOJI_RE } from './patterns';

const PICTOGRAPHIC_RE = /\p{Extended_Pictographic}/u;
const LETTER_RE = /\p{L}/u;

/** Emoji between two letters needed before the emoji are dropped. */
export const MIN_GLUED_EMOJI = 4;
/** Letters per emoji inside a word, at most: below this density the emoji are decoration. */
export const MAX_LETTERS_PER_EMOJI = 8;

/** Whether code point `cp` is an emoji or a part of one (joiner, variation selector, skin tone, keycap). */
const isEmojiPart = (cp: number, ch: string): boolean =>
  cp === 0x200d ||
  cp === 0xfe0f ||
  cp === 0x20e3 ||
  (cp >= 0x1f3fb && cp <= 0x1f3ff) ||
  (cp >= 0x2100 && PICTOGRAPHIC_RE.test(ch));

const isLetter = (cp: number, ch: string): boolean =>
  (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x80 && LETTER_RE.test(ch));

/**
 * Cheap look before {@link dropGluedEmoji}: at least {@link MIN_GLUED_EMOJI} places where an ASCII letter
 * is followed by an astral character (most emoji) or a symbol of U+2100–U+2BFF (✨ ⭐ ❤ …). A native
 * regex test first (one such place), then one pass over the code units.
 */
export function mayHoldGluedEmoji(text: string): boolean {
  if (!GLUED_EMOJI_RE.test(text)) return false;
  let n = 0;
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0xd800 && c <= 0xdbff) || (c >= 0x2100 && c <= 0x2bff))) continue;
    const p = text.charCodeAt(i - 1) | 0x20;
    if (p >= 0x61 && p <= 0x7a && ++n >= MIN_GLUED_EMOJI) return true;
  }
  return false;
}

/** `text` with emoji glued after letters removed, or undefined when fewer than {@link MIN_GLUED_EMOJI} sit inside words. */
export function dropGluedEmoji(text: string): string | undefined {
  const chars = Array.from(text);
  let inside = 0;
  let letters = 0;
  let out = '';
  let prevLetter = false;
  for (let i = 0; i < chars.length; ) {
    const ch = chars[i] as string;
    const cp = ch.codePointAt(0) as number;
    if (prevLetter && isEmojiPart(cp, ch)) {
      let j = i + 1;
      while (
        j < chars.length &&
        isEmojiPart((chars[j] as string).codePointAt(0) as number, chars[j] as string)
      )
        j++;
      const next = chars[j];
      if (next !== undefined && isLetter(next.codePointAt(0) as number, next)) inside++;
      i = j;
      continue;
    }
    out += ch;
    prevLetter = isLetter(cp, ch);
    if (prevLetter) letters++;
    i++;
  }
  // Dense: one emoji inside a word per eight letters at least. A prompt that decorates a few names
  // (`speaker🧿`, `{{neuromancer☠}}`) keeps its emoji.
  return inside >= MIN_GLUED_EMOJI && inside * MAX_LETTERS_PER_EMOJI >= letters ? out : undefined;
}
