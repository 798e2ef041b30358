import type { DecisionRecord } from '../../../lambdas/core/decision/record';
import type { AuditEvent } from '../../../lambdas/core/enforcement/audit';
import { buildIncident, renderIncident, selectWindow } from '../../../local/incident';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const rec = (id: string, minute: number, extra: Partial<DecisionRecord> = {}): DecisionRecord =>
  ({
    decisionId: id,
    timestamp: new Date(T0 + minute * 60_000).toISOString(),
    route: 'messages',
    status: 200,
    action: 'allow',
    reason: null,
    tenant: 'tn_a',
    failMode: { applied: null, failures: [] },
    ...extra,
  }) as DecisionRecord;
const audit = (minute: number, action: string): AuditEvent => ({
  subject: 'region',
  eventId: `${T0 + minute * 60_000}-x`,
  at: T0 + minute * 60_000,
  actor: 'operator:alice',
  action,
  reason: 'drill',
});

describe('incident gathering', () => {
  const records = [
    rec('d1', 0),
    rec('d2', 3, {
      action: 'block',
      status: 400,
      reason: 'blocked:harmful',
      failMode: { applied: 'closed', failures: [] },
    }),
    rec('d3', 5, { tenant: 'tn_b', action: 'refuse', status: 503, reason: 'kill_switch' }),
    rec('d4', 30),
  ];

  test('a decision id selects its tenant pseudonym within the window, not other tenants or far records', () => {
    const w = selectWindow(records, { decisionId: 'd2', aroundMs: 10 * 60_000 });
    expect(w.decisions.map((r) => r.decisionId)).toEqual(['d1', 'd2']);
  });

  test('--since selects everything after the time', () => {
    const w = selectWindow(records, { since: T0 + 4 * 60_000 }, T0 + 60 * 60_000);
    expect(w.decisions.map((r) => r.decisionId)).toEqual(['d3', 'd4']);
  });

  test('fails clearly for an unknown decision id or no selector', () => {
    expect(() => selectWindow(records, { decisionId: 'nope' })).toThrow("no decision record with id 'nope'");
    expect(() => selectWindow(records, {})).toThrow('give --decision-id or --since');
  });

  test('merges records and in-window audit entries into one time-ordered timeline with a summary', () => {
    const w = selectWindow(records, { since: T0 }, T0 + 10 * 60_000);
    const i = buildIncident(w, [audit(2, 'controls.set'), audit(45, 'status.ban')]);
    expect(i.timeline.map((e) => e.ref)).toEqual(['d1', `${T0 + 120_000}-x`, 'd2', 'd3', 'd4']);
    expect(i.summary).toEqual({
      requests: 4,
      byAction: { allow: 2, block: 1, refuse: 1 },
      refused: 1,
      blocked: 1,
      errors: 0,
      failOpen: 0,
      failClosed: 1,
      tenants: 2,
    });
    const md = renderIncident(i);
    expect(md).toContain('- refused: 1, blocked: 1, errors: 0');
    expect(md).toContain('| time (UTC) | kind | ref | what |');
    expect(md).toContain('messages 400 block (blocked:harmful) tenant=tn_a fail-closed');
    expect(md).toContain('region: controls.set by operator:alice: drill');
  });
});
