import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import {
  candidateBands,
  chooseBand,
  MAX_ESCALATION,
  meanRecall,
  simulate,
  writePolicyBand,
} from '../../../../scripts/classifier/cascade-band';
import { type Label, metrics, type ProbRow, type TrainRow } from '../../../../scripts/classifier/training';

const TH: ProbRow = [0.5, 0.5, 0.5];
const HEAD: Record<Exclude<Label, 'benign'>, number> = { harmful: 0, jailbreak: 1, injection: 2 };

interface Case {
  readonly rows: TrainRow[];
  readonly p1: ProbRow[];
}

/** `n` rows of one label whose tier-1 score on their own head is `score` (others 0.01). */
function rowsOf(label: Label, n: number, score: number, borderline = false): Case {
  const rows: TrainRow[] = [];
  const p1: ProbRow[] = [];
  for (let i = 0; i < n; i++) {
    rows.push({ id: `${label}-${score}-${i}`, text: 't', label, borderline, source: 's' });
    const p: [number, number, number] = [0.01, 0.01, 0.01];
    if (label !== 'benign') p[HEAD[label]] = score;
    else p[0] = score;
    p1.push(p);
  }
  return { rows, p1 };
}

function join(...cases: Case[]): Case {
  return { rows: cases.flatMap((c) => c.rows), p1: cases.flatMap((c) => c.p1) };
}

/**
 * Attacks tier 1 catches (0.8), attacks it misses just below its threshold (0.4), benign rows far
 * below (0.05) and a few benign rows just below the threshold (0.45).
 */
const data = join(
  rowsOf('harmful', 20, 0.8),
  rowsOf('harmful', 10, 0.4),
  rowsOf('jailbreak', 30, 0.8),
  rowsOf('injection', 20, 0.8),
  rowsOf('injection', 10, 0.4),
  rowsOf('benign', 180, 0.05),
  rowsOf('benign', 10, 0.45),
  rowsOf('benign', 20, 0.05, true),
);
const tier1 = metrics(data.rows, data.p1, TH);

describe('cascade band choice (out-of-fold TRAIN)', () => {
  test('a tier 2 that is right on the uncertain rows: the band covers them, recall rises at no FPR cost', () => {
    const p2 = data.rows.map((r): ProbRow => {
      const p: [number, number, number] = [0.01, 0.01, 0.01];
      if (r.label !== 'benign') p[HEAD[r.label]] = 0.95;
      return p;
    });
    const { chosen } = chooseBand(data.rows, data.p1, TH, p2, [TH], tier1);
    expect(meanRecall(tier1)).toBeLessThan(0.9);
    expect(meanRecall(chosen.m)).toBe(1);
    expect(chosen.m.fprGeneral).toBeLessThanOrEqual(tier1.fprGeneral);
    expect(chosen.m.fprBorderline).toBeLessThanOrEqual(tier1.fprBorderline);
    // The missed attacks sit at decision score 0.4 and the near-threshold benign rows at 0.45: the
    // cheapest band that reaches full recall must start at or below 0.4 and escalates those 10.
    expect(chosen.band[0]).toBeLessThanOrEqual(0.4);
    expect(chosen.band[0]).toBeGreaterThan(0.05);
    expect(chosen.benignEscalated).toBeCloseTo(10 / 210, 6);
  });

  test('a tier 2 that flags everything it sees: never chosen at a higher FPR than tier 1 alone', () => {
    const p2 = data.rows.map((): ProbRow => [0.99, 0.99, 0.99]);
    const { chosen, frontier } = chooseBand(data.rows, data.p1, TH, p2, [TH], tier1);
    expect(chosen.m.fprGeneral).toBeLessThanOrEqual(tier1.fprGeneral);
    expect(chosen.m.fprBorderline).toBeLessThanOrEqual(tier1.fprBorderline);
    for (const f of frontier) {
      expect(f.best.m.fprGeneral).toBeLessThanOrEqual(tier1.fprGeneral);
      expect(f.best.benignEscalated).toBeLessThanOrEqual(f.cap);
    }
    // Escalating the benign rows at 0.45 would flag them: the band must stay above 0.45.
    expect(chosen.band[0]).toBeGreaterThan(0.45);
  });

  test('a tier 2 that repeats tier 1: no gain to buy, so the band escalates as little as possible', () => {
    const { chosen } = chooseBand(data.rows, data.p1, TH, data.p1, [TH], tier1);
    expect(meanRecall(chosen.m)).toBeCloseTo(meanRecall(tier1), 10);
    expect(chosen.benignEscalated).toBe(0);
    expect(chosen.benignEscalated).toBeLessThanOrEqual(MAX_ESCALATION);
  });

  test('tier-2 thresholds are chosen with the band: a stricter set that keeps FPR wins over a loose one', () => {
    // Tier 2 scores the missed attacks 0.7 and the near-threshold benign rows 0.6: at threshold 0.5 it
    // flags both (FPR rises), at 0.65 only the attacks.
    const p2 = data.rows.map((r, i): ProbRow => {
      const p: [number, number, number] = [0.01, 0.01, 0.01];
      if (r.label !== 'benign') p[HEAD[r.label]] = 0.7;
      else if (data.p1[i]![0] === 0.45) p[0] = 0.6;
      return p;
    });
    const strict: ProbRow = [0.65, 0.65, 0.65];
    const { chosen } = chooseBand(data.rows, data.p1, TH, p2, [TH, strict], tier1);
    expect(chosen.th2).toEqual(strict);
    expect(meanRecall(chosen.m)).toBe(1);
    expect(chosen.m.fprGeneral).toBeLessThanOrEqual(tier1.fprGeneral);
  });

  test('simulate: tier 2 supersedes tier 1 only for escalated categories', () => {
    const rows = rowsOf('harmful', 1, 0.4).rows.concat(rowsOf('benign', 1, 0.9).rows);
    const p1: ProbRow[] = [
      [0.4, 0.01, 0.01],
      [0.9, 0.01, 0.01],
    ];
    const p2: ProbRow[] = [
      [0.9, 0.01, 0.01],
      [0.01, 0.01, 0.01],
    ];
    const narrow = simulate(rows, p1, TH, p2, TH, [0.3, 0.5]);
    expect(narrow.m.recall.harmful).toBe(1); // escalated, tier 2 catches it
    expect(narrow.m.fprGeneral).toBe(1); // benign at 0.9 is outside the band: tier 1 stands
    expect(narrow.benignEscalated).toBe(0);
    const wide = simulate(rows, p1, TH, p2, TH, [0.3, 1]);
    expect(wide.m.fprGeneral).toBe(0); // escalated: tier 2 clears it
    expect(wide.benignEscalated).toBe(1);
  });

  test('candidate bands straddle the tier-1 threshold', () => {
    const bands = candidateBands();
    expect(bands.length).toBeGreaterThan(100);
    for (const [lo, hi] of bands) {
      expect(lo).toBeLessThanOrEqual(0.5);
      expect(hi).toBeGreaterThanOrEqual(0.5);
      expect(lo).toBeLessThan(hi);
    }
  });
});

describe('writing the chosen band into a policy file', () => {
  const DEFAULT = readFileSync('config/policies/default.json', 'utf8');
  const copy = (text: string) => {
    const file = joinPath(mkdtempSync(joinPath(tmpdir(), 'band-')), 'policy.json');
    writeFileSync(file, text);
    return file;
  };

  test('sets tier2.band and leaves every other byte as it was', () => {
    const file = copy(DEFAULT);
    writePolicyBand(file, [0.31, 0.66]);
    const after = readFileSync(file, 'utf8');
    expect(JSON.parse(after).tier2.band).toEqual([0.31, 0.66]);
    const strip = (t: string) => t.replace(/"band": \[[^\]]*\]/, '"band": []');
    expect(strip(after)).toBe(strip(DEFAULT));
  });

  test('an inverted band is refused and the file is left untouched', () => {
    const file = copy(DEFAULT);
    expect(() => writePolicyBand(file, [0.7, 0.4])).toThrow(/band\[0\] must be below band\[1\]/);
    expect(readFileSync(file, 'utf8')).toBe(DEFAULT);
  });

  test('a policy without a tier2.band is refused, even when another key is named band', () => {
    const file = copy('{"tier2": {"mode": "never"}, "other": {"band": [0.1, 0.2]}}');
    expect(() => writePolicyBand(file, [0.4, 0.6])).toThrow(/no tier2\.band/);
  });
});
