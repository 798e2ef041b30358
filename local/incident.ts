/**
 * Incident gathering: the decision records and audit entries of a window (or of one decision), merged into
 * one timeline for a postmortem (docs/postmortem-template.md). Pure over its inputs: the CLI reads the
 * telemetry file and the audit table and passes them in.
 */
import type { DecisionRecord } from '../lambdas/core/decision/record';
import type { AuditEvent } from '../lambdas/core/enforcement/audit';

export interface IncidentQuery {
  /** One decision, plus everything within `aroundMs` of it for the same tenant pseudonym. */
  readonly decisionId?: string;
  /** Epoch ms: everything since then. */
  readonly since?: number;
  /** Window around a decision id. @default 10 minutes */
  readonly aroundMs?: number;
}

export interface TimelineEntry {
  readonly at: number;
  readonly kind: 'decision' | 'audit';
  readonly summary: string;
  readonly ref: string;
}

export interface Incident {
  readonly window: { readonly from: number; readonly to: number };
  readonly decisions: readonly DecisionRecord[];
  readonly audit: readonly AuditEvent[];
  readonly timeline: readonly TimelineEntry[];
  readonly summary: {
    readonly requests: number;
    readonly byAction: Readonly<Record<string, number>>;
    /** Requests refused before or instead of the checks (auth, limits, controls, invalid, unknown model). */
    readonly refused: number;
    /** Requests blocked by policy (input or output). */
    readonly blocked: number;
    /** Requests whose serving failed (upstream, client gone, internal). */
    readonly errors: number;
    readonly failOpen: number;
    readonly failClosed: number;
    readonly tenants: number;
  };
}

/** Selects the records of the incident window. Throws a clear error when the decision id is unknown. */
export function selectWindow(records: readonly DecisionRecord[], q: IncidentQuery, now = Date.now()) {
  if (q.decisionId) {
    const hit = records.find((r) => r.decisionId === q.decisionId);
    if (!hit) throw new Error(`no decision record with id '${q.decisionId}' in the telemetry`);
    const at = Date.parse(hit.timestamp);
    const around = q.aroundMs ?? 600_000;
    const from = at - around;
    const to = at + around;
    const decisions = records.filter((r) => {
      const t = Date.parse(r.timestamp);
      return (
        t >= from &&
        t <= to &&
        (r.decisionId === hit.decisionId || (hit.tenant !== null && r.tenant === hit.tenant))
      );
    });
    return { from, to, decisions };
  }
  if (q.since === undefined) throw new Error('give --decision-id or --since');
  const decisions = records.filter((r) => Date.parse(r.timestamp) >= q.since!);
  return { from: q.since, to: now, decisions };
}

/** Builds the incident from the window's records and the audit events (already fetched). */
export function buildIncident(
  window: { from: number; to: number; decisions: readonly DecisionRecord[] },
  audit: readonly AuditEvent[],
): Incident {
  const inWindow = audit.filter((e) => e.at >= window.from && e.at <= window.to);
  const byAction: Record<string, number> = {};
  let failOpen = 0;
  let failClosed = 0;
  for (const r of window.decisions) {
    byAction[r.action] = (byAction[r.action] ?? 0) + 1;
    if (r.failMode.applied === 'open') failOpen++;
    if (r.failMode.applied === 'closed') failClosed++;
  }
  const timeline: TimelineEntry[] = [
    ...window.decisions.map((r) => ({
      at: Date.parse(r.timestamp),
      kind: 'decision' as const,
      ref: r.decisionId,
      summary: `${r.route} ${r.status} ${r.action}${r.reason ? ` (${r.reason})` : ''} tenant=${r.tenant ?? '-'}${r.failMode.applied ? ` fail-${r.failMode.applied}` : ''}${r.killSwitch ? ` kill-switch=${r.killSwitch}` : ''}`,
    })),
    ...inWindow.map((e) => ({
      at: e.at,
      kind: 'audit' as const,
      ref: e.eventId,
      summary: `${e.subject}: ${e.action} by ${e.actor}: ${e.reason}`,
    })),
  ].sort((a, b) => a.at - b.at || a.ref.localeCompare(b.ref));
  return {
    window: { from: window.from, to: window.to },
    decisions: window.decisions,
    audit: inWindow,
    timeline,
    summary: {
      requests: window.decisions.length,
      byAction,
      refused: byAction['refuse'] ?? 0,
      blocked: byAction['block'] ?? 0,
      errors: byAction['error'] ?? 0,
      failOpen,
      failClosed,
      tenants: new Set(window.decisions.map((r) => r.tenant)).size,
    },
  };
}

/** The incident as Markdown, ready to paste into the postmortem's timeline section. */
export function renderIncident(i: Incident): string {
  const iso = (t: number) => new Date(t).toISOString();
  const lines = [
    `## Incident window ${iso(i.window.from)} → ${iso(i.window.to)}`,
    '',
    `- requests: ${i.summary.requests} (${
      Object.entries(i.summary.byAction)
        .map(([a, n]) => `${a} ${n}`)
        .join(', ') || 'none'
    })`,
    `- refused: ${i.summary.refused}, blocked: ${i.summary.blocked}, errors: ${i.summary.errors}`,
    `- fail-open: ${i.summary.failOpen}, fail-closed: ${i.summary.failClosed}, tenants (pseudonyms): ${i.summary.tenants}`,
    `- audit entries: ${i.audit.length}`,
    '',
    '| time (UTC) | kind | ref | what |',
    '| --- | --- | --- | --- |',
    ...i.timeline.map(
      (e) => `| ${iso(e.at)} | ${e.kind} | \`${e.ref}\` | ${e.summary.replace(/\|/g, '\\|')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
