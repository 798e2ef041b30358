import type { Rng } from './rng';
import { type EvalRequest, FAMILIES, familyMembers, TECHNIQUES, type Technique } from './techniques';
import { OBFUSCATIONS } from './transforms';

/** The six obfuscations the evaluation ran before the catalog existed (`--transforms legacy`). */
export const LEGACY_TECHNIQUES: readonly Technique[] = Object.entries(OBFUSCATIONS).map(([name, fn]) => ({
  name: `legacy:${name}`,
  family: 'legacy',
  description: `the engine's property-test obfuscation "${name}"`,
  apply: (input) => ({
    ...(input.context ? { system: input.context } : {}),
    messages: [{ role: 'user', content: fn(input.text) || ' ' }],
  }),
}));

/**
 * Resolves `--transforms`: `all` (the catalog), `none`, `legacy`, or a comma-separated list of
 * technique names and family names (`encoding,tag-chars`). Unknown names are an error that lists
 * the valid ones; the result keeps catalog order and has no duplicates.
 */
export function selectTechniques(spec: string): Technique[] {
  const s = spec.trim();
  if (s === 'none' || s === '') return [];
  if (s === 'all') return [...TECHNIQUES.values()];
  const chosen = new Set<string>();
  const legacy = new Map(LEGACY_TECHNIQUES.map((t) => [t.name, t]));
  const unknown: string[] = [];
  for (const raw of s.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (name === 'all') for (const t of TECHNIQUES.keys()) chosen.add(t);
    else if (name === 'legacy') for (const t of legacy.keys()) chosen.add(t);
    else if (TECHNIQUES.has(name) || legacy.has(name)) chosen.add(name);
    else if ((FAMILIES as readonly string[]).includes(name))
      for (const t of familyMembers(name)) chosen.add(t);
    else unknown.push(name);
  }
  if (unknown.length > 0)
    throw new Error(
      `unknown technique or family: ${unknown.join(', ')}. Families: ${FAMILIES.join(', ')}, legacy. Techniques: ${[...TECHNIQUES.keys()].join(', ')}`,
    );
  const ordered = [...TECHNIQUES.values(), ...LEGACY_TECHNIQUES];
  return ordered.filter((t) => chosen.has(t.name));
}

/**
 * A filler source for the dilution techniques: whole benign texts drawn (by the rng) from `pool`,
 * joined by blank lines, until `chars` is reached; the last one is cut at a word boundary.
 */
export function makeFiller(pool: readonly string[]): (chars: number, rng: Rng) => string {
  if (pool.length === 0) throw new Error('the filler pool is empty (no general benign rows in --data)');
  return (chars, rng) => {
    let out = '';
    while (out.length < chars) {
      const next = rng.pick(pool);
      out += (out === '' ? '' : '\n\n') + next;
    }
    if (out.length > chars) {
      const cut = out.lastIndexOf(' ', chars);
      out = out.slice(0, cut > chars / 2 ? cut : chars);
    }
    return out;
  };
}

/** The Messages-API body the engine parses for one variant. */
export function requestBody(req: EvalRequest): string {
  return JSON.stringify({
    model: 'eval',
    max_tokens: 16,
    ...(req.system ? { system: req.system } : {}),
    ...(req.tools ? { tools: req.tools } : {}),
    messages: req.messages,
  });
}
