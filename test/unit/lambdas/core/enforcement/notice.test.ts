import { statusNotice } from '../../../../../lambdas/core/enforcement/notice';

const NOW = Date.UTC(2026, 11, 7, 4, 0, 0);

describe('statusNotice: what a refused tenant is told', () => {
  test('an active tenant, and a suspension that has lapsed, get no notice', () => {
    expect(statusNotice({ tenantId: 'a', status: 'active' }, NOW)).toBeUndefined();
    expect(statusNotice({ tenantId: 'a', status: 'suspended', until: NOW - 1 }, NOW)).toBeUndefined();
  });

  test('a suspension without an end says an operator must lift it', () => {
    expect(statusNotice({ tenantId: 'a', status: 'suspended', statusBy: 'operator:x' }, NOW)).toBe(
      'tenant a is suspended by an operator until an operator lifts it; an operator lifts it now with `npx safeguards tenant reinstate a --reason <text>` (operator API: POST /tenants/a/reinstate)',
    );
  });

  test('a status set before who was recorded says where to look rather than guessing', () => {
    expect(statusNotice({ tenantId: 'a', status: 'throttled', until: NOW + 1_000 }, NOW)).toContain(
      'by an operator or the enforcement ladder (the audit log of the tenant says which) until 2026-12-07T04:00:01Z',
    );
  });

  test("an operator's reason and principal never reach the tenant; the ladder's own wording does", () => {
    const op = statusNotice(
      {
        tenantId: 'a',
        status: 'banned',
        statusBy: 'iam:arn:aws:sts::1:assumed-role/Ops/alice',
        reason: 'CSAM report #9',
      },
      NOW,
    );
    expect(op).not.toMatch(/alice|CSAM|#9/);
    expect(op).toContain('banned by an operator pending review');
    const ladder = statusNotice(
      {
        tenantId: 'a',
        status: 'suspended',
        until: NOW + 1,
        statusBy: 'system:ladder',
        reason: 'strikes-1h: 10 strikes within 60 min',
      },
      NOW,
    );
    expect(ladder).toContain('by the automatic enforcement ladder (strikes-1h: 10 strikes within 60 min)');
  });

  test('JSON metacharacters and line separators in stored values are neutralized (API Gateway substitutes unescaped)', () => {
    const text = statusNotice(
      {
        tenantId: 'x"},"y":"\\\u2028',
        status: 'suspended',
        until: NOW + 1,
        statusBy: 'system:ladder',
        reason: '"\n\r\t\u0000\u007f',
      },
      NOW,
    )!;
    expect(text).not.toMatch(/["\\\u0000-\u001f\u007f\u2028\u2029]/);
    expect(JSON.parse(`"${text}"`)).toBe(text);
  });
});
