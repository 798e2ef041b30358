import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecisionRecord } from '../../../lambdas/core/decision/record';
import { createJsonlSink, readDecisionRecords } from '../../../local/telemetry-sink';

// The asynchronous `write` is slowed down and made to write at most half of what it is given, as a busy disk may:
// the sink must keep the order of its lines, never split one, and not close the file under a write in flight.
jest.mock('node:fs', () => {
  const actual = jest.requireActual<typeof import('node:fs')>('node:fs');
  return {
    ...actual,
    write: (
      fd: number,
      buf: Buffer,
      off: number,
      len: number,
      pos: null,
      cb: (e: NodeJS.ErrnoException | null, n: number) => void,
    ) => {
      const part = len > 1 ? Math.ceil(len / 2) : len;
      setTimeout(() => actual.write(fd, buf, off, part, pos, cb), 5);
    },
  };
});

const rec = (i: number): DecisionRecord =>
  ({ decisionId: `d${i}`, route: 'messages', status: 200 }) as DecisionRecord;

describe('JSONL telemetry sink under a slow disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sink-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every record whole and in order when records pile up behind a write in flight', async () => {
    const stderr: string[] = [];
    const sink = createJsonlSink(dir, (l) => stderr.push(l), { maxBufferBytes: 1 });
    const done: Promise<void>[] = [];
    // Several bursts, each arriving while the previous batch is still being written.
    for (let burst = 0; burst < 5; burst++) {
      for (let i = 0; i < 20; i++) done.push(sink.write(rec(burst * 20 + i)));
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(done);
    expect(sink.counts()).toEqual({ written: 100, failed: 0 });
    expect(stderr).toEqual([]);
    const lines = readFileSync(sink.path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => (JSON.parse(l) as DecisionRecord).decisionId)).toEqual(
      Array.from({ length: 100 }, (_, i) => `d${i}`),
    );
    await sink.close();
  });

  it('close() right after writes waits for the write in flight: every record is in the file, in order', async () => {
    const stderr: string[] = [];
    const sink = createJsonlSink(dir, (l) => stderr.push(l));
    const done = Array.from({ length: 10 }, (_, i) => sink.write(rec(i)));
    await new Promise((r) => setImmediate(r)); // the first batch is now in flight
    for (let i = 10; i < 20; i++) done.push(sink.write(rec(i)));
    await sink.close();
    await Promise.all(done);
    expect(stderr).toEqual([]);
    expect(sink.counts()).toEqual({ written: 20, failed: 0 });
    expect(readDecisionRecords(sink.path).map((r) => r.decisionId)).toEqual(
      Array.from({ length: 20 }, (_, i) => `d${i}`),
    );
    // After close, records go to the stderr fallback, counted.
    await sink.write(rec(20));
    expect(sink.counts()).toEqual({ written: 20, failed: 1 });
    expect(stderr).toHaveLength(1);
  });

  it('flushSync() while a write is in flight does not overtake it', async () => {
    const sink = createJsonlSink(dir, () => {});
    const done = Array.from({ length: 5 }, (_, i) => sink.write(rec(i)));
    await new Promise((r) => setImmediate(r));
    for (let i = 5; i < 10; i++) done.push(sink.write(rec(i)));
    sink.flushSync();
    await Promise.all(done);
    expect(readDecisionRecords(sink.path).map((r) => r.decisionId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `d${i}`),
    );
    await sink.close();
  });
});
