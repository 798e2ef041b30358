import { LABELS } from './metrics';
import type { EvalReport, TransformRates } from './report';

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** An HTML table with escaped cells. */
export function htmlTable(
  head: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

/** An inline SVG line chart of (x, y) points in [0, 1]². */
function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  pts: ReadonlyArray<readonly [number, number]>,
): string {
  const W = 360;
  const H = 300;
  const m = 40;
  const sx = (x: number) => m + x * (W - 2 * m);
  const sy = (y: number) => H - m - y * (H - 2 * m);
  const path = pts
    .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
    .join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (t) =>
        `<text x="${sx(t)}" y="${H - m + 14}" font-size="10" text-anchor="middle">${t}</text>` +
        `<text x="${m - 6}" y="${sy(t) + 3}" font-size="10" text-anchor="end">${t}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">
<rect x="${m}" y="${m}" width="${W - 2 * m}" height="${H - 2 * m}" fill="#fafafa" stroke="#999"/>
<text x="${W / 2}" y="18" font-size="13" text-anchor="middle">${escapeHtml(title)}</text>
<text x="${W / 2}" y="${H - 6}" font-size="11" text-anchor="middle">${escapeHtml(xLabel)}</text>
<text x="12" y="${H / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${H / 2})">${escapeHtml(yLabel)}</text>
${ticks}<path d="${path}" fill="none" stroke="#1f77b4" stroke-width="2"/></svg>`;
}

/**
 * Renders the evaluation report as a self-contained HTML page (no scripts, inline SVG). `extra` is
 * trusted HTML (built with {@link htmlTable}) placed after the headline figures.
 */
export function renderHtml(r: EvalReport, extra = ''): string {
  const roc = [[0, 0] as const, ...r.roc.points.map((p) => [p.fpr, p.tpr] as const), [1, 1] as const];
  const pr = r.roc.points.map((p) => [p.tpr, p.precision] as const);
  const conf = htmlTable(
    ['label \\ predicted', ...LABELS],
    LABELS.map((l) => [l, ...LABELS.map((p) => r.confusion[l][p])]),
  );
  const transformRow = (name: string, x: Omit<TransformRates, 'examples'>) => [
    name,
    x.family ?? '',
    x.rows,
    x.counts['harmful'] ? pct(x.recall.harmful) : '–',
    x.counts['jailbreak'] ? pct(x.recall.jailbreak) : '–',
    x.counts['injection'] ? pct(x.recall.injection) : '–',
    pct(x.benignFpr),
    x.counts['general'] ? pct(x.fpr.general) : '–',
    x.counts['borderline'] ? pct(x.fpr.borderline) : '–',
  ];
  const transforms = htmlTable(
    [
      'technique',
      'family',
      'rows',
      'recall harmful',
      'recall jailbreak',
      'recall injection',
      'FPR benign',
      'FPR general',
      'FPR borderline',
    ],
    [
      ...(r.transformsOverall
        ? [transformRow(`all ${r.transformsOverall.techniques} techniques`, r.transformsOverall)]
        : []),
      ...Object.entries(r.byTransform).map(([t, x]) => transformRow(t, x)),
    ],
  );
  const dilution = r.dilution
    ? `<h2>Dilution: recall vs padding size and position</h2>
<p>Harmful requests placed at the start, middle or end of benign text of each size (whole general-benign
rows that the engine passes on their own); benign requests padded the same way are the control.</p>
${htmlTable(
  [
    'padding',
    ...r.dilution.positions.map((p) => `recall ${p}`),
    ...r.dilution.positions.map((p) => `FPR ${p}`),
    'rows (harmful + benign)',
    'p50 ms',
    'rejected',
  ],
  r.dilution.cells.map((c) => [
    c.paddingChars === 0
      ? 'none (alone)'
      : c.paddingChars >= 1024 * 1024
        ? `${(c.paddingChars / (1024 * 1024)).toFixed(2)} MiB`
        : `${Math.round(c.paddingChars / 1024)} KiB`,
    ...r.dilution!.positions.map((p) => pct(c.recall[p] ?? 0)),
    ...r.dilution!.positions.map((p) => pct(c.benignFpr[p] ?? 0)),
    `${c.harmfulRows} + ${c.benignRows}`,
    c.latencyMsP50,
    c.rejected,
  ]),
)}`
    : '';
  const ml = r.multilingual;
  const multilingual = ml
    ? `<h2>Languages</h2>
<p>${escapeHtml(ml.source)}: the same rows in English and in each language.</p>
${htmlTable(
  ['language', 'harmful rows', 'recall harmful', 'benign rows', 'FPR benign', 'missing'],
  [
    [
      'en (source rows)',
      ml.english.harmfulRows,
      pct(ml.english.recallHarmful),
      ml.english.benignRows,
      pct(ml.english.benignFpr),
      0,
    ],
    ...Object.entries(ml.byLanguage).map(([l, x]) => [
      l,
      x.harmfulRows,
      pct(x.recallHarmful),
      x.benignRows,
      pct(x.benignFpr),
      x.missing,
    ]),
  ],
)}`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Safeguards evaluation</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}th{background:#eee}td:first-child{text-align:left}
.charts{display:flex;gap:2rem;flex-wrap:wrap}</style></head><body>
<h1>Safeguards evaluation</h1>
<p>Policy <code>${escapeHtml(r.policy.name)}</code> (${escapeHtml(r.policy.version)}), tier-1 model ${escapeHtml(r.model.version)}.
Headline figures on <b>${r.split.scope === 'validation' ? 'the validation split only' : 'all rows'}</b> (${escapeHtml(r.split.rule)}): ${r.rows} rows.
${r.skipped.count} rows skipped for an unknown label.</p>
<h2>Recall and false positives</h2>
${htmlTable(
  ['metric', 'value', 'rows'],
  [
    ['recall harmful', pct(r.recall.harmful), r.counts['harmful'] ?? 0],
    ['recall jailbreak', pct(r.recall.jailbreak), r.counts['jailbreak'] ?? 0],
    ['recall injection', pct(r.recall.injection), r.counts['injection'] ?? 0],
    ['FPR general benign', pct(r.fpr.general), r.counts['general'] ?? 0],
    ['FPR borderline benign', pct(r.fpr.borderline), r.counts['borderline'] ?? 0],
    ['tier-2 escalation rate', pct(r.tier2EscalationRate), r.rows],
  ],
)}
${extra}
<h2>Confusion matrix</h2>${conf}
<h2>Latency (ms per decision, in-process)</h2>
${htmlTable(['p50', 'p90', 'p99', 'max'], [[r.latencyMs.p50, r.latencyMs.p90, r.latencyMs.p99, r.latencyMs.max]])}
<h2>Curves (attack vs benign, max safety score)</h2>
<div class="charts">${lineChart(`ROC (AUC ${r.roc.auc})`, 'false-positive rate', 'true-positive rate', roc)}
${lineChart('Precision / recall', 'recall', 'precision', pr)}</div>
<h2>Per evasion technique</h2>
<p>Each technique is applied to the same in-scope rows (benign rows too); recall per attack label and the
false-positive rate on the benign variants. <code>–</code>: no rows of that label.</p>${transforms}
${dilution}
${multilingual}
<h2>Per source</h2>
${htmlTable(
  ['source', 'label', 'rows', 'metric', 'value'],
  r.bySource.map((s) => [s.source, s.label, s.rows, s.metric, pct(s.value)]),
)}
<h2>All rows (includes rows the model trained on: optimistic)</h2>
${htmlTable(
  ['rows', 'recall harmful', 'recall jailbreak', 'recall injection', 'FPR general', 'FPR borderline'],
  [
    [
      r.allRows.rows,
      pct(r.allRows.recall.harmful),
      pct(r.allRows.recall.jailbreak),
      pct(r.allRows.recall.injection),
      pct(r.allRows.fpr.general),
      pct(r.allRows.fpr.borderline),
    ],
  ],
)}
</body></html>
`;
}
