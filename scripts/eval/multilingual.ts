/**
 * Recall on harmful requests written in other languages. A translation set is a folder of
 * `<lang>.jsonl` files, one `{id, text}` per translated dev-data row, kept outside this repository like
 * the dev data itself (it is derived from the rows) and named with `--translations <dir>`; the label,
 * category and source come from the dev data at run time (see translations/README.md and ADR 0010).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as z from 'zod';
import { round4 } from './metrics';
import type { LanguageRates, MultilingualReport } from './report';

const lineSchema = z.strictObject({ id: z.string().min(1), text: z.string().min(1) });

export interface Translation {
  readonly lang: string;
  readonly id: string;
  readonly text: string;
}

/** Reads every `<lang>.jsonl` in `dir`; a malformed line is an error naming the file and line. */
export function loadTranslations(dir: string): Translation[] {
  const out: Translation[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /^[a-z]{2,3}\.jsonl$/.test(f))
    .sort()) {
    const lang = basename(file, '.jsonl');
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          throw new Error(`${file}:${i + 1}: not valid JSON`);
        }
        const parsed = lineSchema.safeParse(value);
        if (!parsed.success) throw new Error(`${file}:${i + 1}: expected {"id", "text"} strings`);
        out.push({ lang, ...parsed.data });
      });
  }
  return out;
}

interface SourceRow {
  readonly id: string;
  readonly text: string;
  readonly label: string;
}

/**
 * Scores each translation and, for comparison, its English source row. Translations whose source row
 * is not in the data are counted as `missing` and not scored.
 */
export async function runMultilingual(
  translations: readonly Translation[],
  rows: ReadonlyMap<string, SourceRow>,
  score: (row: SourceRow, text: string) => Promise<boolean>,
): Promise<MultilingualReport> {
  const tally = new Map<string, { h: number; hHit: number; b: number; bHit: number; missing: number }>();
  const get = (lang: string) => {
    let t = tally.get(lang);
    if (!t) {
      t = { h: 0, hHit: 0, b: 0, bHit: 0, missing: 0 };
      tally.set(lang, t);
    }
    return t;
  };
  const englishDone = new Set<string>();
  for (const tr of translations) {
    const row = rows.get(tr.id);
    if (!row) {
      get(tr.lang).missing += 1;
      continue;
    }
    const harmful = row.label !== 'benign';
    const t = get(tr.lang);
    const hit = await score(row, tr.text);
    if (harmful) {
      t.h += 1;
      if (hit) t.hHit += 1;
    } else {
      t.b += 1;
      if (hit) t.bHit += 1;
    }
    if (!englishDone.has(row.id)) {
      englishDone.add(row.id);
      const en = get('en');
      const enHit = await score(row, row.text);
      if (harmful) {
        en.h += 1;
        if (enHit) en.hHit += 1;
      } else {
        en.b += 1;
        if (enHit) en.bHit += 1;
      }
    }
  }
  const rates = (t: {
    h: number;
    hHit: number;
    b: number;
    bHit: number;
    missing: number;
  }): LanguageRates => ({
    harmfulRows: t.h,
    benignRows: t.b,
    recallHarmful: round4(t.hHit / Math.max(1, t.h)),
    benignFpr: round4(t.bHit / Math.max(1, t.b)),
    missing: t.missing,
  });
  const languages = [...tally.keys()].filter((l) => l !== 'en').sort();
  return {
    source: 'hand translations of validation rows (--translations)',
    english: rates(get('en')),
    byLanguage: Object.fromEntries(languages.map((l) => [l, rates(tally.get(l)!)])),
  };
}
