import { INVISIBLE_RE, TAG_RUN_RE } from './patterns';
import { fromCodeUnits } from './text';

/** Mutable tallies of hidden characters removed from one text. */
export interface InvisibleCounts {
  zeroWidth: number;
  bidi: number;
  tags: number;
  variationSelectors: number;
}

/** A fresh, zeroed {@link InvisibleCounts}. */
export const emptyInvisibleCounts = (): InvisibleCounts => ({
  zeroWidth: 0,
  bidi: 0,
  tags: 0,
  variationSelectors: 0,
});

const INVISIBLE_TEST = new RegExp(INVISIBLE_RE.source, 'u');
const TAG_TEST = new RegExp(TAG_RUN_RE.source, 'u');

const isBidi = (cp: number): boolean =>
  cp === 0x061c ||
  cp === 0x200e ||
  cp === 0x200f ||
  (cp >= 0x202a && cp <= 0x202e) ||
  (cp >= 0x2066 && cp <= 0x2069);

const isVariationSelector = (cp: number): boolean =>
  (cp >= 0xfe00 && cp <= 0xfe0f) ||
  (cp >= 0xe0100 && cp <= 0xe01ef) ||
  (cp >= 0x180b && cp <= 0x180d) ||
  cp === 0x180f;

const isTag = (cp: number): boolean => cp >= 0xe0000 && cp <= 0xe007f;

/** Adds one removed character to the right tally. */
const tally = (cp: number, counts: InvisibleCounts): void => {
  if (isTag(cp)) counts.tags++;
  else if (isVariationSelector(cp)) counts.variationSelectors++;
  else if (isBidi(cp)) counts.bidi++;
  else counts.zeroWidth++;
};

/**
 * Removes zero-width characters, bidi controls, variation selectors and tag characters, tallying
 * each kind into `counts`. Returns the input itself when there is nothing to remove.
 */
export function stripInvisible(text: string, counts: InvisibleCounts): string {
  if (!INVISIBLE_TEST.test(text)) return text;
  return text.replace(INVISIBLE_RE, (ch) => {
    tally(ch.codePointAt(0) ?? 0, counts);
    return '';
  });
}

/**
 * Decodes runs of Unicode tag characters to the ASCII they shadow (U+E0020–U+E007E → U+0020–U+007E),
 * one line per run — the payload of an "ASCII smuggling" attack. Returns '' when there is none.
 */
export function decodeTagRuns(text: string): string {
  if (!TAG_TEST.test(text)) return '';
  const runs: string[] = [];
  for (const match of text.matchAll(TAG_RUN_RE)) {
    const codes: number[] = [];
    for (const ch of match[0]) {
      const cp = (ch.codePointAt(0) ?? 0) - 0xe0000;
      if (cp >= 0x20 && cp <= 0x7e) codes.push(cp);
    }
    if (codes.length > 0) runs.push(fromCodeUnits(codes));
  }
  return runs.join('\n');
}
