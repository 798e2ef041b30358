import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type BackgroundPort,
  backgroundFailureReporter,
} from '../../../../../lambdas/adapters/dynamo/background-failures';
import { DynamoControlsStore } from '../../../../../lambdas/adapters/dynamo/controls-store';
import {
  DynamoEnforcementLadder,
  STALE_COUNTERS_PRUNED_AT,
} from '../../../../../lambdas/adapters/dynamo/ladder-store';
import { DynamoTenantStore } from '../../../../../lambdas/adapters/dynamo/tenant-store';
import { clock } from '../../../../support/clock';

/** A document client answering `send` from `answer`; a thrown error rejects, as a table outage does. */
function fakeClient(answer: (input: Record<string, unknown>) => unknown) {
  const sent: Array<Record<string, unknown>> = [];
  const client = {
    send: async (command: { input: Record<string, unknown> }) => {
      sent.push(command.input);
      return answer(command.input);
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, sent };
}

/** A reporter that records what it was given. */
function recording() {
  const reports: Array<{ port: BackgroundPort; error: unknown }> = [];
  return { reports, report: (port: BackgroundPort, error: unknown) => void reports.push({ port, error }) };
}

const drain = () => new Promise((r) => setImmediate(r));
const outage = () => {
  throw Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable' });
};

describe('backgroundFailureReporter', () => {
  test('GIVEN failures in a burst WHEN reported THEN every one is counted and one line per port per interval is logged', () => {
    const c = clock();
    const counted: BackgroundPort[] = [];
    const lines: Array<Readonly<Record<string, string | number>>> = [];
    const report = backgroundFailureReporter({
      count: (port) => counted.push(port),
      log: (_m, details) => lines.push(details),
      logIntervalMs: 60_000,
      now: c.now,
    });
    // WHEN 50 renewals fail within a minute, one cache refresh fails, then one renewal a minute later
    for (let i = 0; i < 50; i++) {
      report('lease-renewal', new Error('down'));
      c.advance(100);
    }
    report('tenant-refresh', new Error('down'));
    c.advance(60_000);
    report('lease-renewal', new Error('down'));
    // THEN 52 counted; 3 lines, the last one carrying the 50 renewal failures since the first line
    expect(counted).toHaveLength(52);
    expect(lines).toEqual([
      { port: 'lease-renewal', failures: 1, error: 'Error: down' },
      { port: 'tenant-refresh', failures: 1, error: 'Error: down' },
      { port: 'lease-renewal', failures: 50, error: 'Error: down' },
    ]);
  });
});

describe('background refreshes report their failures', () => {
  test('GIVEN a cached tenant lookup WHEN its refresh ahead of expiry fails THEN the failure is reported and the entry still served', async () => {
    const c = clock();
    let down = false;
    const { client } = fakeClient(() => (down ? outage() : {}));
    const { reports, report } = recording();
    const store = new DynamoTenantStore({
      client,
      tableName: 't',
      cacheTtlMs: 2_000,
      now: c.now,
      onBackgroundFailure: report,
    });
    expect(await store.lookup('k')).toBeUndefined();
    // WHEN the table goes down and a lookup comes in the last quarter of the entry's lifetime
    down = true;
    c.advance(1_600);
    expect(await store.lookup('k')).toBeUndefined();
    await drain();
    // THEN the background read's failure is reported under its port
    expect(reports.map((r) => r.port)).toEqual(['tenant-refresh']);
    expect((reports[0]!.error as Error).name).toBe('ServiceUnavailable');
  });

  test('GIVEN cached controls WHEN their refresh ahead of expiry fails THEN the failure is reported', async () => {
    const c = clock();
    let down = false;
    const { client } = fakeClient(() => (down ? outage() : {}));
    const { reports, report } = recording();
    const store = new DynamoControlsStore({
      client,
      tableName: 't',
      cacheTtlMs: 2_000,
      now: c.now,
      onBackgroundFailure: report,
    });
    const first = await store.current();
    down = true;
    c.advance(1_600);
    expect(await store.current()).toEqual(first);
    await drain();
    expect(reports.map((r) => r.port)).toEqual(['controls-refresh']);
  });
});

describe('DynamoEnforcementLadder counter cleanup', () => {
  test('GIVEN aged-out counters WHEN their cleanup fails THEN the strike is still recorded and the failure reported', async () => {
    const c = clock();
    // GIVEN a strike item holding enough counters past every window to be pruned
    const stale: Record<string, number> = {};
    for (let i = 0; i < STALE_COUNTERS_PRUNED_AT; i++)
      stale[`b${String(1_600_000_000_000 + i * 60_000)}#pii`] = 1;
    const { client, sent } = fakeClient((input) =>
      String(input.UpdateExpression).startsWith('REMOVE') ? outage() : { Attributes: stale },
    );
    const { reports, report } = recording();
    const ladder = new DynamoEnforcementLadder({
      client,
      violationsTable: 'v',
      tenants: { keysOf: async () => [], setStatus: async () => outage() },
      audit: { append: async () => outage() },
      notifier: { notify: async () => undefined },
      now: c.now,
      onBackgroundFailure: report,
    });
    // WHEN a strike comes in and the cleanup UpdateItem fails
    const outcome = await ladder.recordViolation({ tenantId: 'tenant-a', category: 'pii' });
    // THEN the violation resolves with its counts; the cleanup was tried and its failure reported
    expect(outcome.counts).toBeDefined();
    expect(sent.filter((i) => String(i.UpdateExpression).startsWith('REMOVE'))).toHaveLength(1);
    expect(reports.map((r) => r.port)).toEqual(['ladder-cleanup']);
  });
});
