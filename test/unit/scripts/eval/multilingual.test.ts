import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTranslations, runMultilingual } from '../../../../scripts/eval/multilingual';

describe('multilingual evaluation set', () => {
  test('reads every <lang>.jsonl of the folder it is given, in language order, ignoring other files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tr-'));
    try {
      writeFileSync(join(dir, 'fr.jsonl'), '{"id":"x:1","text":"Bonjour"}\n\n{"id":"x:2","text":"Merci"}\n');
      writeFileSync(join(dir, 'de.jsonl'), '{"id":"x:1","text":"Hallo"}\n');
      writeFileSync(join(dir, 'README.md'), '# not a translation\n');
      expect(loadTranslations(dir)).toEqual([
        { lang: 'de', id: 'x:1', text: 'Hallo' },
        { lang: 'fr', id: 'x:1', text: 'Bonjour' },
        { lang: 'fr', id: 'x:2', text: 'Merci' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
