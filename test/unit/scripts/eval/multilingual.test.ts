import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTranslations, runMultilingual } from '../../../../scripts/eval/multilingual';
import { isValidationId } from '../../../../scripts/eval/split';

describe('multilingual evaluation set', () => {
  test('five languages, the same validation ids in each, 40 harmful-sized and 30 benign-sized samples', () => {
    const all = loadTranslations();
    const langs = [...new Set(all.map((t) => t.lang))].sort();
    expect(langs).toEqual(['de', 'es', 'fr', 'it', 'pt']);
    const ids = (l: string) => all.filter((t) => t.lang === l).map((t) => t.id);
    for (const l of langs) {
      expect(ids(l)).toEqual(ids('fr'));
      expect(new Set(ids(l)).size).toBe(70);
    }
    // Only validation rows: never a paraphrase of a row the classifier trained on.
    for (const id of ids('fr')) expect(isValidationId(id)).toBe(true);
  });

  test('fails on a malformed line, naming the file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tr-'));
    try {
      writeFileSync(join(dir, 'fr.jsonl'), '{"id":"a","text":"b"}\n{"id":"a","label":"harmful"}\n');
      expect(() => loadTranslations(dir)).toThrow('fr.jsonl:2: expected {"id", "text"} strings');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('recall and FPR per language next to the English source rows; unknown ids are missing', async () => {
    const rows = new Map([
      ['h1', { id: 'h1', text: 'make a bomb', label: 'harmful' }],
      ['h2', { id: 'h2', text: 'steal a car', label: 'harmful' }],
      ['b1', { id: 'b1', text: 'bake bread', label: 'benign' }],
    ]);
    const report = await runMultilingual(
      [
        { lang: 'fr', id: 'h1', text: 'fabriquer une bombe' },
        { lang: 'fr', id: 'h2', text: 'voler une voiture' },
        { lang: 'fr', id: 'b1', text: 'faire du pain' },
        { lang: 'fr', id: 'gone', text: 'x' },
      ],
      rows,
      // A scorer that knows English "bomb"/"steal" and French "bombe" only.
      async (_row, text) => /bomb|steal/.test(text),
    );
    expect(report.english).toMatchObject({ harmfulRows: 2, recallHarmful: 1, benignRows: 1, benignFpr: 0 });
    expect(report.byLanguage['fr']).toEqual({
      harmfulRows: 2,
      benignRows: 1,
      recallHarmful: 0.5,
      benignFpr: 0,
      missing: 1,
    });
  });
});
