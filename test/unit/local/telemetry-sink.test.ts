import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecisionRecord } from '../../../lambdas/core/decision/record';
import {
  createJsonlSink,
  readDecisionRecords,
  type SkippedLine,
  skippedLineMessage,
} from '../../../local/telemetry-sink';

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

describe('reading a telemetry file cut by a crash', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sink-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const line = (i: number): string => `${JSON.stringify(rec(i))}\n`;

  it('GIVEN a partial last line THEN the records before it are read and the cut line is reported, not thrown', () => {
    const path = join(dir, 'decisions.jsonl');
    writeFileSync(path, `${line(0)}${line(1)}${line(2).slice(0, 20)}`);
    const skipped: SkippedLine[] = [];
    const records = readDecisionRecords(path, (s) => skipped.push(s));
    expect(records.map((r) => r.decisionId)).toEqual(['d0', 'd1']);
    expect(skipped).toEqual([{ line: 3, reason: expect.stringMatching(/^partial last line \(20 bytes/) }]);
    expect(skippedLineMessage(path, skipped[0] as SkippedLine)).toBe(
      `${path}:3: skipped, partial last line (20 bytes, no line end): cut during a write\n`,
    );
  });

  it('GIVEN a line that is not a JSON object in the middle THEN it alone is skipped and reported', () => {
    const path = join(dir, 'decisions.jsonl');
    writeFileSync(path, `${line(0)}[1,2]\n{"decisionId":\n42\n${line(1)}`);
    const skipped: SkippedLine[] = [];
    expect(readDecisionRecords(path, (s) => skipped.push(s)).map((r) => r.decisionId)).toEqual(['d0', 'd1']);
    expect(skipped.map((s) => [s.line, s.reason])).toEqual([
      [2, 'not a JSON object'],
      [3, 'not a JSON object'],
      [4, 'not a JSON object'],
    ]);
  });

  it('GIVEN a cut last line WHEN a sink opens the file again THEN its first record is a line of its own', async () => {
    const path = join(dir, 'decisions.jsonl');
    writeFileSync(path, `${line(0)}${line(1).slice(0, 20)}`);
    const sink = createJsonlSink(dir, () => {});
    await sink.write(rec(2));
    await sink.close();
    const skipped: SkippedLine[] = [];
    expect(readDecisionRecords(path, (s) => skipped.push(s)).map((r) => r.decisionId)).toEqual(['d0', 'd2']);
    expect(skipped.map((s) => s.line)).toEqual([2]);
  });

  it('GIVEN a whole file WHEN a sink opens it again THEN no blank line is added', async () => {
    const path = join(dir, 'decisions.jsonl');
    writeFileSync(path, line(0));
    const sink = createJsonlSink(dir, () => {});
    await sink.write(rec(1));
    await sink.close();
    expect(readFileSync(path, 'utf8')).toBe(`${line(0)}${line(1)}`);
  });
});
