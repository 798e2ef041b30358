/**
 * Substitution ciphers that bring their own key: "bijection learning" (Huang et al., arXiv 2410.01294;
 * promptfoo's `bijection` strategy) writes a table of the alphabet (`a -> q`, `b -> 17`, one letter a
 * line), practice pairs, then the request in the code. A table of at least {@link MIN_TABLE_LETTERS}
 * distinct letters is strong evidence and gives the exact inverse, so the coded lines are read back with
 * it. A decoded line is kept only when more of its words are English words (ADR 0039 list) than of the
 * line as written, so the plain instructions around the code are not garbled into the view, and a practice pair
 * (`Plain: the map is ready` / `Coded: …`) is left out: its coded half decodes to text the prompt holds.
 *
 * No regex: one pass over the lines to find the table, one greedy left-to-right decoding pass per line
 * (tokens are at most {@link MAX_TOKEN} characters), two word lookups per word.
 */
import { knownWordCost } from './segment';

/** Distinct letters a key table needs. */
export const MIN_TABLE_LETTERS = 20;
/** Longest code token read. */
export const MAX_TOKEN = 4;

const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d;

/** `a -> q`, `a → 17`, `a => q`, `a: q`, `a = q`: the letter and its token, or undefined. */
function tableEntry(line: string): readonly [string, string] | undefined {
  let i = 0;
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  if (i >= line.length || !isLower(line.charCodeAt(i))) return undefined;
  const letter = line[i] as string;
  i++;
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  if (line.startsWith('->', i) || line.startsWith('=>', i)) i += 2;
  else if (line[i] === '→' || line[i] === ':' || line[i] === '=') i += 1;
  else return undefined;
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  let j = i;
  while (j < line.length && !isBlank(line.charCodeAt(j))) j++;
  const token = line.slice(i, j);
  for (let k = j; k < line.length; k++) if (!isBlank(line.charCodeAt(k))) return undefined;
  if (token.length === 0 || token.length > MAX_TOKEN) return undefined;
  return [letter, token];
}

/**
 * Share of a line's letters and digits that belong to listed English words (runs of a–z, two letters or
 * more): digits and unknown words weigh as what they are, unread code.
 */
function englishShare(line: string): number {
  let mass = 0;
  let known = 0;
  for (let i = 0; i < line.length; ) {
    const c = line.charCodeAt(i);
    if (!isLower(c)) {
      if (c >= 0x30 && c <= 0x39) mass++;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < line.length && isLower(line.charCodeAt(j))) j++;
    mass += j - i;
    if (j - i >= 2 && knownWordCost(line.slice(i, j)) !== undefined) known += j - i;
    i = j;
  }
  return mass === 0 ? 0 : known / mass;
}

/** Longest `label: ` in front of a line (`Example coded: `). */
const MAX_LABEL = 24;

/** A line without a short `label: ` in front (`plain: the map is ready` → `the map is ready`), trimmed. */
function labelled(line: string): string {
  const colon = line.indexOf(': ');
  return (colon >= 0 && colon <= MAX_LABEL ? line.slice(colon + 2) : line).trim();
}

/**
 * The coded lines of lowercase text read back with the key table it carries, one per line; undefined
 * without such a table or when no line reads better decoded.
 */
export function substitutionReading(lower: string): string | undefined {
  if (!lower.includes('->') && !lower.includes('→') && !lower.includes('=>')) return undefined;
  const lines = lower.split('\n');
  const inverse = new Map<string, string>();
  const isTable: boolean[] = [];
  for (const line of lines) {
    const entry = tableEntry(line);
    isTable.push(entry !== undefined);
    if (entry !== undefined && !inverse.has(entry[1])) inverse.set(entry[1], entry[0]);
  }
  const letters = new Set(inverse.values());
  if (letters.size < MIN_TABLE_LETTERS) return undefined;
  let longest = 0;
  for (const t of inverse.keys()) longest = Math.max(longest, t.length);
  // Each line without a short `label:` in front, to recognise a practice pair's plain half.
  const plainBodies = new Set(lines.map(labelled));
  const out: string[] = [];
  lines.forEach((line, n) => {
    if (isTable[n]) return;
    let decoded = '';
    for (let i = 0; i < line.length; ) {
      let hit = false;
      for (let len = Math.min(longest, line.length - i); len >= 1; len--) {
        const letter = inverse.get(line.slice(i, i + len));
        if (letter !== undefined) {
          decoded += letter;
          i += len;
          hit = true;
          break;
        }
      }
      if (!hit) {
        decoded += line[i];
        i++;
      }
    }
    if (decoded === line || englishShare(decoded) <= englishShare(line)) return;
    // A practice pair's coded half decodes to its plain half, which the text already holds: not the request.
    const body = labelled(decoded);
    if (body.length > 0 && plainBodies.has(body)) return;
    out.push(decoded.trim());
  });
  return out.length > 0 ? out.join('\n') : undefined;
}
