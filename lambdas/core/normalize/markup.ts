/**
 * HTML and XML markup read as a browser renders it: tags and comments removed, so that a word split by a
 * tag (`pi<span>pe</span>`, `pipe<b></b>bomb`) or a phrase whose words sit in separate elements reads as
 * the text a person sees. Elements that render inline (`b`, `i`, `span`, `a`, `em`…) and comments leave
 * nothing; the others (`br`, `p`, `div`, `li`, `td`…) leave a space, like the line or cell break they render as.
 *
 * Only markup that is evidently markup is read: a known HTML element, a comment, or a tag of any other name
 * glued to a letter or digit on both sides (`pipe<x></x>bomb`); `List<String>`, `a < b > c`, `<T>(x)` and
 * harness tags on their own line (`<system-reminder>`) are text. No regex: one pass, each code unit read at
 * most twice (a tag's scan stops at the next `<`, where the next scan starts, and at {@link MAX_TAG} units).
 */
import * as ascii from '../util/ascii';
import { INVISIBLE_RE } from './patterns';

const { isAsciiAlnum, isAsciiLower } = ascii;

/** Elements that render inline: removing their tags joins the text on both sides. */
const INLINE = new Set(
  'a abbr b bdi bdo big cite code data del dfn em font i ins kbd mark q s samp small span strike strong sub sup time tt u var wbr'.split(
    ' ',
  ),
);

/** Other HTML elements: their tags render as a break (a space here). */
const BLOCK = new Set(
  'address article aside blockquote body br button caption center col colgroup dd details dialog div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hr html iframe img input label legend li link main meta nav noscript ol option p pre script section select style summary svg table tbody td textarea tfoot th thead title tr ul'.split(
    ' ',
  ),
);

/** Elements that have no closing tag: their tag opens nothing. */
const VOID = new Set('area base br col embed hr img input link meta source track wbr'.split(' '));

/** Elements that only change how text looks: one closing where another opens (`</b><i>`) is a change of style. */
const FORMAT = new Set('b big del em font i ins mark s small strike strong sub sup tt u'.split(' '));

/**
 * What an element boundary renders as by default: where one element closes and the next opens (`</a><a href>`,
 * `</span><span>`, `</Trans><Trans>`), the two are separate items (menu entries, translation strings), not one word,
 * unless both are {@link FORMAT} elements (`<b>pipe</b><i>bomb</i>`: a change of style inside the text) or one of the
 * two holds only one or two letters (`<span>p</span><span>i</span>`: a word styled letter by letter). A spaced
 * bullet is a hard boundary for the blocklist, as a list written in text is.
 */
export const ELEMENT_BOUNDARY = ' • ';

/** Named references to invisible characters (lowercase: the views are). */
const INVISIBLE_NAMES: Readonly<Record<string, number>> = {
  shy: 0xad,
  zerowidthspace: 0x200b,
  zwnj: 0x200c,
  zwj: 0x200d,
  lrm: 0x200e,
  rlm: 0x200f,
  nobreak: 0x2060,
  invisibletimes: 0x2062,
  it: 0x2062,
  invisiblecomma: 0x2063,
  ic: 0x2063,
};
const INVISIBLE_ONE = new RegExp(`^${INVISIBLE_RE.source}$`, 'u');
/** Longest character reference read (`&invisiblecomma;`, `&#x0000200b;`). */
const MAX_REF = 24;

/**
 * The end of the character reference at `i` (`text[i]` is `&`) when it names an invisible character (`&shy;`,
 * `&#8203;`, `&#x200b;`, `&ZeroWidthSpace;`), else -1: such a reference renders as nothing, like the character.
 */
function invisibleRefEnd(text: string, i: number): number {
  const limit = Math.min(text.length, i + MAX_REF);
  let j = i + 1;
  let cp: number | undefined;
  if (text.charCodeAt(j) === 0x23) {
    const hex = (text.charCodeAt(j + 1) | 0x20) === 0x78;
    j += hex ? 2 : 1;
    const from = j;
    while (j < limit && (hex ? /[0-9a-f]/i : /[0-9]/).test(text.charAt(j))) j++;
    if (j === from) return -1;
    cp = Number.parseInt(text.slice(from, j), hex ? 16 : 10);
  } else {
    const from = j;
    while (j < limit && isAsciiLower(text.charCodeAt(j) | 0x20)) j++;
    cp = INVISIBLE_NAMES[text.slice(from, j).toLowerCase()];
  }
  if (text.charCodeAt(j) !== 0x3b || cp === undefined || !(cp > 0 && cp <= 0x10ffff)) return -1;
  if (cp >= 0xd800 && cp <= 0xdfff) return -1;
  return INVISIBLE_ONE.test(String.fromCodePoint(cp)) ? j + 1 : -1;
}

/** Longest tag read, attributes included (a longer one is text). */
const MAX_TAG = 512;
/** Longest tag name read. */
const MAX_NAME = 32;

/** One tag or comment found: `[start, end)` and how it renders. */
interface Tag {
  readonly start: number;
  readonly end: number;
  /** 0 inline (nothing), 1 a break (a space), 2 a tag of another name (nothing, where glued on both sides). */
  readonly kind: 0 | 1 | 2;
  /** 1 a closing tag (`</a>`), 2 an opening tag (`<a href>`), 0 neither (a comment, `<br/>`, `<wbr>`). */
  readonly role: 0 | 1 | 2;
  /** A text-formatting element ({@link FORMAT}). */
  readonly format: boolean;
}

const isNameChar = (c: number): boolean => isAsciiAlnum(c) || c === 0x2d || c === 0x5f || c === 0x3a;
const isBlank = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
/** A letter or digit a tag may be glued to: ASCII letters and digits, and anything beyond ASCII but spaces. */
const isGlue = (c: number): boolean =>
  isAsciiAlnum(c) || (c > 0x7f && c !== 0xa0 && c !== 0x3000 && c < 0xe000);

/**
 * The end of the tag that opens at `i` (`text[i]` is `<`), or -1 when none does there; `-(k + 2)` when the scan
 * stopped at another `<` at `k` (the caller resumes there). Reads `<name`, `</name`, then `>`, `/>`, or blanks and
 * attributes (the first one starting with a letter; quoted values may hold `>`) up to `>`.
 */
function tagEnd(text: string, i: number, n: number): number {
  let j = i + 1;
  if (text.charCodeAt(j) === 0x2f) j++;
  const nameStart = j;
  if (!isAsciiLower(text.charCodeAt(j) | 0x20)) return -1;
  while (j < n && j - nameStart <= MAX_NAME && isNameChar(text.charCodeAt(j))) j++;
  if (j - nameStart > MAX_NAME) return -1;
  const c = text.charCodeAt(j);
  if (c === 0x3e) return j + 1;
  if (c === 0x2f && text.charCodeAt(j + 1) === 0x3e) return j + 2;
  // A `/` before an attribute separates it like a blank (`<span/class=x>`), as browsers read it.
  if (!isBlank(c) && !(c === 0x2f && isAsciiLower(text.charCodeAt(j + 1) | 0x20))) return -1;
  j++;
  while (j < n && isBlank(text.charCodeAt(j))) j++;
  const first = text.charCodeAt(j);
  if (first === 0x3e) return j + 1;
  if (first === 0x2f) return text.charCodeAt(j + 1) === 0x3e ? j + 2 : -1;
  if (!isAsciiLower(first | 0x20)) return -1;
  let quote = 0;
  const limit = Math.min(n, i + MAX_TAG);
  for (; j < limit; j++) {
    const d = text.charCodeAt(j);
    if (d === 0x3c) return -(j + 2);
    if (quote !== 0) {
      if (d === quote) quote = 0;
    } else if (d === 0x22 || d === 0x27) quote = d;
    else if (d === 0x3e) return j + 1;
  }
  return -1;
}

/** The tags and comments of `text` that {@link renderMarkup} reads, in order. Linear. */
function findTags(text: string): Tag[] {
  const tags: Tag[] = [];
  const n = text.length;
  // The next `-->` and `--!>` (browsers close a comment at either) at or after the scan, found once each: once one
  // is not found, no later one is.
  let plain = -2;
  let bang = -2;
  // The next `<` and `&` at or after the scan, each found once: once one is not found, none is later.
  let amp = text.indexOf('&');
  let lt = text.indexOf('<');
  const next = (from: number): number => {
    if (amp !== -1 && amp < from) amp = text.indexOf('&', from);
    if (lt !== -1 && lt < from) lt = text.indexOf('<', from);
    return amp === -1 ? lt : lt === -1 ? amp : Math.min(lt, amp);
  };
  /**
   * A comment or an invisible character reference at `start` that ends at `end` (-1: none): an inline tag, it renders
   * as nothing. Returns where to look next.
   */
  const inline = (start: number, end: number): number => {
    if (end < 0) return next(start + 1);
    tags.push({ start, end, kind: 0, role: 0, format: false });
    return next(end);
  };
  for (let i = next(0); i >= 0 && i < n; ) {
    if (text.charCodeAt(i) === 0x26) {
      i = inline(i, invisibleRefEnd(text, i));
      continue;
    }
    if (text.startsWith('<!--', i)) {
      if (plain !== -1 && plain < i + 4) plain = text.indexOf('-->', i + 4);
      if (bang !== -1 && bang < i + 4) bang = text.indexOf('--!>', i + 4);
      i = inline(i, plain < 0 ? (bang < 0 ? -1 : bang + 4) : bang < 0 || plain < bang ? plain + 3 : bang + 4);
      continue;
    }
    const end = tagEnd(text, i, n);
    if (end < -1) {
      i = -end - 2;
      continue;
    }
    if (end < 0) {
      i = next(i + 1);
      continue;
    }
    let s = i + 1;
    const closing = text.charCodeAt(s) === 0x2f;
    if (closing) s++;
    let e = s;
    while (e < end && isNameChar(text.charCodeAt(e))) e++;
    const name = text.slice(s, e).toLowerCase();
    const role = closing ? 1 : text.charCodeAt(end - 2) === 0x2f || VOID.has(name) ? 0 : 2;
    const kind = INLINE.has(name) ? 0 : BLOCK.has(name) ? 1 : 2;
    tags.push({ start: i, end, kind, role, format: FORMAT.has(name) });
    i = next(end);
  }
  return tags;
}

/** Whether `text[from, to)` is one or two letters or digits between two runs of tags (`from` -1: no run before). */
function isPiece(text: string, from: number, to: number): boolean {
  if (from < 0 || to < 0 || to - from < 1 || to - from > 2) return false;
  for (let i = from; i < to; i++) if (!isGlue(text.charCodeAt(i))) return false;
  return true;
}

/**
 * `text` with its markup rendered ({@link findTags}): inline tags and comments replaced by `inline` (nothing by
 * default; tier 0 passes a mark to know where they stood), the other HTML elements' tags by a space, and a run of
 * adjacent tags of other names by `inline` where it is glued to a letter or digit on both sides (kept elsewhere).
 * A run holding a break renders as one space; a run where an element closes and another opens (`</a><a href>`,
 * `</Trans><Trans>`) as `between` ({@link ELEMENT_BOUNDARY}): only runs of opening tags, of closing tags, an empty
 * element (`pipe<b></b>bomb`) or comments join the text on both sides. Undefined when nothing was read as markup.
 * Linear.
 */
export function renderMarkup(text: string, inline = '', between = ELEMENT_BOUNDARY): string | undefined {
  if (!text.includes('<') && !text.includes('&')) return undefined;
  const tags = findTags(text);
  if (tags.length === 0) return undefined;
  const parts: string[] = [];
  let last = 0;
  let any = false;
  // Where the previous run of tags ended (-1 before the first).
  let prevEnd = -1;
  for (let r = 0; r < tags.length; ) {
    // A run of adjacent tags renders as one.
    let q = r + 1;
    while (q < tags.length && (tags[q] as Tag).start === (tags[q - 1] as Tag).end) q++;
    const start = (tags[r] as Tag).start;
    const end = (tags[q - 1] as Tag).end;
    let kinds = 0;
    // Whether an opening tag follows a closing one in the run, not both formatting: one item ends and another starts.
    let closed = 0;
    let boundary = false;
    for (let k = r; k < q; k++) {
      const t = tags[k] as Tag;
      kinds |= 1 << t.kind;
      if (t.role === 1) closed = t.format ? closed | 1 : 2;
      else if (t.role === 2 && closed !== 0 && !(closed === 1 && t.format)) boundary = true;
    }
    // Elements of one or two letters are a styled word (`<span>p</span><span>i</span>…`), not separate items.
    if (boundary) {
      const nextStart = q < tags.length ? (tags[q] as Tag).start : -1;
      if (isPiece(text, prevEnd, start) || isPiece(text, end, nextStart)) boundary = false;
    }
    prevEnd = end;
    const glued = isGlue(text.charCodeAt(start - 1)) && isGlue(text.charCodeAt(end));
    if (kinds & 2) {
      parts.push(text.slice(last, start), ' ');
      last = end;
      any = true;
    } else if (!(kinds & 4) || glued) {
      parts.push(text.slice(last, start), boundary ? between : inline);
      last = end;
      any = true;
    } else {
      // Tags of other names, not glued on both sides: text, but the known elements among them still render.
      for (let k = r; k < q; k++) {
        const t = tags[k] as Tag;
        if (t.kind === 2) continue;
        parts.push(text.slice(last, t.start), t.kind === 1 ? ' ' : inline);
        last = t.end;
        any = true;
      }
    }
    r = q;
  }
  if (!any) return undefined;
  parts.push(text.slice(last));
  return parts.join('');
}
