import { dilutionSample, placeIn, runDilution } from '../../../../scripts/eval/dilution';
import { makeFiller } from '../../../../scripts/eval/select';

const filler = makeFiller([
  'The park opens at dawn. ',
  'Bring water and a hat. ',
  'Dogs must stay on a lead. ',
]);

describe('dilution sweep', () => {
  test('places the payload at the start, at a sentence boundary in the middle, or at the end', () => {
    const pad = 'One. Two. Three. Four. Five. Six.';
    expect(placeIn(pad, 'X', 'start').startsWith('X\n\n')).toBe(true);
    expect(placeIn(pad, 'X', 'end').endsWith('\n\nX')).toBe(true);
    const mid = placeIn(pad, 'X', 'middle');
    expect(mid).toContain('. \n\nX\n\n');
    expect(mid.replace('\n\nX\n\n', '')).toBe(pad);
    for (const where of ['start', 'middle', 'end'] as const) expect(placeIn('', 'X', where)).toBe('X');
  });

  test('samples short harmful rows and general benign rows, never borderline ones', () => {
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => ({ id: `h${i}`, text: 'harm', label: 'harmful' })),
      { id: 'long', text: 'x'.repeat(500), label: 'harmful' },
      ...Array.from({ length: 10 }, (_, i) => ({
        id: `b${i}`,
        text: 'ok',
        label: 'benign',
        category: 'general:x',
      })),
      { id: 'border', text: 'ok', label: 'benign', category: 'borderline:x' },
    ];
    const s = dilutionSample(rows, 20);
    expect(s.filter((r) => r.label === 'harmful')).toHaveLength(10);
    expect(s.map((r) => r.id)).not.toContain('long');
    expect(s.map((r) => r.id)).not.toContain('border');
  });

  test('recall per position and size from the scorer, with the padding really that large', async () => {
    const rows = [
      { id: 'h1', text: 'PAYLOAD one', label: 'harmful' },
      { id: 'h2', text: 'PAYLOAD two', label: 'harmful' },
      { id: 'b1', text: 'benign one', label: 'benign', category: 'general:x' },
    ];
    const seen: number[] = [];
    // A scorer that only looks at the first 2,000 characters: it finds the payload at the start only
    // once the padding is large.
    const report = await runDilution(
      rows,
      filler,
      async (_row, req) => {
        const text = req.messages[0]!.content as string;
        seen.push(text.length);
        return { detected: text.slice(0, 2000).includes('PAYLOAD'), latencyMs: 1, rejected: false };
      },
      { sizes: [100, 8000] },
    );
    expect(report.harmfulRows).toBe(2);
    expect(report.benignRows).toBe(1);
    const [small, large] = report.cells;
    expect(small!.recall).toEqual({ start: 1, middle: 1, end: 1 });
    expect(large!.recall).toEqual({ start: 1, middle: 0, end: 0 });
    expect(large!.benignFpr).toEqual({ start: 0, middle: 0, end: 0 });
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(8000);
  });
});
