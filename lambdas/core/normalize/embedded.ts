/**
 * Text embedded in structure: string values of JSON and code, and comments. A request hidden in a
 * JSON document's `"note"` field, a Python comment, an HTML comment or a spoofed `{"role": "user",
 * "content": "…"}` array is read by tier 1 among keys, brackets, escapes and the benign values
 * around it; pulled out one per line it is judged by what it says, as if it stood alone.
 */

/** Fewest words in a string value worth reading on its own (keys, enum values and tags have fewer). */
export const MIN_VALUE_WORDS = 3;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const isLineEnd = (c: number): boolean => c === 0x0a || c === 0x0d;
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;

/** Characters after which a `"` opens a value of a data structure or a call: `: [ , { ( =`. */
const opensValue = (c: number): boolean =>
  c === 0x3a || c === 0x5b || c === 0x2c || c === 0x7b || c === 0x28 || c === 0x3d;

/** The previous character before `i` that is not whitespace (-1 at the start). */
function previousMark(text: string, i: number): number {
  for (let j = i - 1; j >= 0; j--) {
    const c = text.charCodeAt(j);
    if (!isBlank(c) && !isLineEnd(c)) return c;
    // A bounded look-back: indentation and alignment, not a scan over a long blank run.
    if (i - j > 16) return -1;
  }
  return -1;
}

/** A string literal's content with its JSON escapes undone; as written when it is not valid JSON. */
function unescapeJson(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

function wordCount(text: string, enough: number): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length && words < enough; i++) {
    const blank = text.charCodeAt(i) <= 0x20;
    if (!blank && !inWord) words++;
    inWord = !blank;
  }
  return words;
}

/**
 * The string values (double-quoted, after `: [ , { ( =`, with at least {@link MIN_VALUE_WORDS} words,
 * unescaped as JSON) and comments (`# …` and `// …` to the line end when they start a line or follow a
 * blank, `/* … *\/`, `<!-- … -->`) of `text`, one per line, in order; undefined when there is none.
 * Quotes in prose (`she said "…"`) are not values. One pass: a string ends at the next unescaped quote
 * or line end, a block comment at its closer (found once by `indexOf`), so every character is looked
 * at a bounded number of times.
 */
export function embeddedText(text: string): string | undefined {
  const hasQuote = text.includes('"');
  if (
    !hasQuote &&
    !text.includes('#') &&
    !text.includes('//') &&
    !text.includes('/*') &&
    !text.includes('<!--')
  )
    return undefined;
  const pieces: string[] = [];
  const n = text.length;
  // A closer that is absent stays absent: later openers are not searched again (linear).
  let noBlockClose = false;
  let noHtmlClose = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === QUOTE || isLineEnd(d)) break;
        j += d === BACKSLASH && j + 1 < n && !isLineEnd(text.charCodeAt(j + 1)) ? 2 : 1;
      }
      if (j < n && text.charCodeAt(j) === QUOTE) {
        if (opensValue(previousMark(text, i))) {
          const value = unescapeJson(text.slice(i + 1, j));
          if (wordCount(value, MIN_VALUE_WORDS) >= MIN_VALUE_WORDS) pieces.push(value);
        }
        i = j;
      } else i = j - 1;
      continue;
    }
    // Only `#`, `/` and `<` can open a comment: every other character is passed over at once.
    if (c !== 0x23 && c !== 0x2f && c !== 0x3c) continue;
    const startsLine = i === 0 || isBlank(text.charCodeAt(i - 1)) || isLineEnd(text.charCodeAt(i - 1));
    if (c === 0x23 && startsLine && isBlank(text.charCodeAt(i + 1))) {
      i = lineComment(text, i + 2, pieces);
    } else if (c === 0x2f && startsLine && text.charCodeAt(i + 1) === 0x2f) {
      i = lineComment(text, i + 2, pieces);
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a && !noBlockClose) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) noBlockClose = true;
      else {
        pieces.push(text.slice(i + 2, end));
        i = end + 1;
      }
    } else if (c === 0x3c && !noHtmlClose && text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) noHtmlClose = true;
      else {
        pieces.push(text.slice(i + 4, end));
        i = end + 2;
      }
    }
  }
  const kept = pieces.map((p) => p.trim()).filter((p) => p.length > 0);
  return kept.length > 0 ? kept.join('\n') : undefined;
}

/** Pushes the comment from `from` to the line end; returns the index of its last character. */
function lineComment(text: string, from: number, pieces: string[]): number {
  let end = from;
  while (end < text.length && !isLineEnd(text.charCodeAt(end))) end++;
  pieces.push(text.slice(from, end));
  return end - 1;
}
