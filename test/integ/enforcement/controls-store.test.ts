import './env';
import { countRoundTrips } from '../../../lambdas/adapters/dynamo/client';
import { DynamoControlsStore } from '../../../lambdas/adapters/dynamo/controls-store';
import { NORMAL_CONTROLS } from '../../../lambdas/core/enforcement/controls';
import { clock } from '../../support/clock';
import { clientFor, holdGetItems, type LocalDynamo, startDynalite } from '../support/dynalite';

// Real servers on loopback on a shared 2-core machine: allow for slow runs (no timing is asserted here).
jest.setTimeout(30_000);
let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

const audit = { append: async () => ({}) as never };
const FAIL_CLOSED = { ...NORMAL_CONTROLS, mode: 'fail-closed' as const };

describe('DynamoControlsStore cache', () => {
  test('in the last quarter of the TTL the cached controls answer and the item is re-read in the background', async () => {
    // GIVEN a serving instance (2 s cache, counted client) that has read normal controls, and an operator's store
    const c = clock();
    const client = clientFor(db.endpoint);
    const counter = countRoundTrips(client);
    const serving = new DynamoControlsStore({ client, tableName: db.tables.tenants, now: c.now });
    const operator = new DynamoControlsStore({ client: db.doc, tableName: db.tables.tenants, cacheTtlMs: 0 });
    await operator.set(NORMAL_CONTROLS, 'test', audit);
    expect((await serving.current()).mode).toBe('normal');
    expect(counter.count).toBe(1);
    // WHEN the operator turns fail-closed on and the instance is asked 1.5 s after its read
    await operator.set(FAIL_CLOSED, 'test', audit);
    c.advance(1_499);
    expect((await serving.current()).mode).toBe('normal');
    expect(counter.count).toBe(1);
    c.advance(1);
    // THEN it answers from the cache without waiting, and one background read starts
    expect((await serving.current()).mode).toBe('normal');
    expect((await serving.current()).mode).toBe('normal');
    expect(counter.count).toBe(2);
    // AND once that read is in, the new mode is served, before the first read's TTL ran out
    for (let i = 0; i < 100 && (await serving.current()).mode !== 'fail-closed'; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect((await serving.current()).mode).toBe('fail-closed');
    expect(counter.count).toBe(2);
    await operator.set(NORMAL_CONTROLS, 'test', audit);
  });

  test('a read started before set() does not fill the cache with the controls from before it', async () => {
    // GIVEN an instance whose GetItem answers can be held back, with its cache due for a background re-read
    const c = clock();
    const client = clientFor(db.endpoint);
    const reads = holdGetItems(client);
    const store = new DynamoControlsStore({ client, tableName: db.tables.tenants, now: c.now });
    await store.set(NORMAL_CONTROLS, 'test', audit);
    reads.answered = 0;
    await store.current();
    reads.hold();
    c.advance(1_600);
    // WHEN the background re-read has read normal controls but its answer is held back
    expect((await store.current()).mode).toBe('normal');
    // AND this instance sets fail-closed meanwhile (its own read of the item is not held)
    reads.stopHolding();
    await store.set(FAIL_CLOSED, 'test', audit);
    reads.release();
    await reads.untilAnswered(3);
    expect(reads.answered).toBe(3);
    // THEN the late answer from before the change was not cached: the next call reads fail-closed
    expect((await store.current()).mode).toBe('fail-closed');
    await store.set(NORMAL_CONTROLS, 'test', audit);
  });
});
