import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, write, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DecisionRecord } from '../lambdas/core/decision/record';

export interface JsonlSink {
  /**
   * The sink function to hand to the serving deps. Resolves once the record is in the file (handed to the
   * kernel with one `write` per batch) or on the stderr fallback; never rejects.
   */
  readonly write: (record: DecisionRecord) => Promise<void>;
  /** Records written, and records that could not be written to the file (sent to stderr instead). */
  readonly counts: () => { written: number; failed: number };
  readonly path: string;
  /** Make the next writes fail (fault suite). */
  failNext(n: number): void;
  /**
   * Writes whatever is buffered now, synchronously, unless a write is in flight: then the buffered records follow
   * it asynchronously, as they would have anyway (a synchronous write would overtake it on the file).
   */
  flushSync(): void;
  /**
   * Waits for the write in flight, writes what is buffered and closes the file; resolves once it is closed.
   * Later records go to the stderr fallback.
   */
  close(): Promise<void>;
}

/** Options of {@link createJsonlSink}. */
export interface JsonlSinkOptions {
  /**
   * Bytes collected with no write in flight before they are handed to the file at once rather than at the end of
   * the event-loop turn. Behind a write in flight records always wait for it (writing them synchronously would
   * overtake it on the file); that buffer needs no cap of its own, because every caller awaits its record's
   * batch before answering, so it holds at most one record per request being answered. @default 1 MiB
   */
  readonly maxBufferBytes?: number;
}

interface Batch {
  readonly lines: string[];
  readonly records: DecisionRecord[];
  bytes: number;
  readonly done: Promise<void>;
  readonly resolve: () => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  return { lines: [], records: [], bytes: 0, done, resolve };
}

/** Sinks with records still buffered, flushed synchronously when the process exits (one listener for all). */
const open = new Set<{ flushSync(atExit?: boolean): void }>();
let exitHook = false;

/** Whether the file at `path` exists and its last line has no line end (cut by a crash during a write). */
function endsInCutLine(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

/**
 * Local telemetry: one decision record per line in `<dir>/decisions.jsonl`, the same records the Lambda writes
 * to CloudWatch Logs. Records are batched: those of one event-loop turn go out in one `write` on the open file
 * (append mode), while the next batch collects behind it and is written when that one is done, so lines land in
 * order and whole; the buffer is bounded by the requests being answered ({@link JsonlSinkOptions}) and flushed on
 * exit. The serving path releases a response only when its record's batch is written, so a kill -9
 * loses no record of an answered request (test/integ/suites/telemetry-kill.test.ts); what it can lose is the
 * records of requests still in flight. A failed write never loses a record: it is counted and the record goes
 * to stderr as a `decision-record-fallback` line instead.
 */
export function createJsonlSink(
  dir: string,
  stderr: (line: string) => void = (l) => process.stderr.write(l),
  options: JsonlSinkOptions = {},
): JsonlSink {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'decisions.jsonl');
  const maxBuffer = options.maxBufferBytes ?? 1024 * 1024;
  const cut = endsInCutLine(path);
  let fd: number | undefined = openSync(path, 'a');
  // A line of its own for the first record, not glued to a line cut by a crash (a reader would skip both).
  if (cut) writeSync(fd, '\n');
  let written = 0;
  let failed = 0;
  let injected = 0;
  let next = newBatch();
  /** The batch being written asynchronously; no other write to the file starts while it is set. */
  let inFlight: Batch | undefined;
  let scheduled = false;

  const fallback = (records: readonly DecisionRecord[], e: unknown) => {
    failed += records.length;
    const error = e instanceof Error ? e.message : String(e);
    for (const record of records) stderr(`decision-record-fallback ${JSON.stringify({ error, record })}\n`);
  };
  const take = (): Batch | undefined => {
    if (next.records.length === 0) return undefined;
    const b = next;
    next = newBatch();
    return b;
  };
  /** Writes one batch synchronously (exit, close, after close); never called while a write is in flight but on exit. */
  const writeNow = (b: Batch) => {
    try {
      if (fd === undefined) throw new Error('telemetry sink is closed');
      const buf = Buffer.from(b.lines.join(''), 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off);
      written += b.records.length;
    } catch (e) {
      fallback(b.records, e);
    }
    b.resolve();
  };
  /** Writes the collected batch asynchronously; the one collected meanwhile follows when it is done. */
  const flush = () => {
    scheduled = false;
    if (inFlight) return;
    const b = take();
    if (!b) {
      open.delete(self);
      return;
    }
    if (fd === undefined) {
      writeNow(b);
      return;
    }
    inFlight = b;
    const buf = Buffer.from(b.lines.join(''), 'utf8');
    const finish = (e: unknown) => {
      inFlight = undefined;
      if (e) fallback(b.records, e);
      else written += b.records.length;
      b.resolve();
      flush();
    };
    const writeFrom = (off: number) => {
      if (fd === undefined) return finish(new Error('telemetry sink is closed'));
      write(fd, buf, off, buf.length - off, null, (e, n) => {
        if (e) return finish(e);
        if (off + n < buf.length) return writeFrom(off + n);
        finish(undefined);
      });
    };
    writeFrom(0);
  };
  const self = {
    /**
     * `atExit`: the process is exiting, so a write in flight will not be waited for (an exit hook is synchronous).
     * The buffered records are written anyway, after whatever of the batch in flight reached the file; that batch
     * (records of requests not answered yet: the guarantee above holds) may be missing, and if the disk
     * had returned a short write its last line is cut, followed by the flushed lines.
     */
    flushSync(atExit = false) {
      if (inFlight && !atExit) return;
      const b = take();
      if (b) writeNow(b);
    },
  };

  return {
    path,
    write(record) {
      if (injected > 0) {
        injected--;
        fallback([record], new Error('injected telemetry failure'));
        return Promise.resolve();
      }
      const line = `${JSON.stringify(record)}\n`;
      const b = next;
      b.lines.push(line);
      b.records.push(record);
      b.bytes += line.length;
      open.add(self);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', () => {
          for (const s of open) s.flushSync(true);
        });
      }
      if (b.bytes > maxBuffer && !inFlight) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return b.done;
    },
    counts: () => ({ written, failed }),
    failNext(n) {
      injected = n;
    },
    flushSync: () => self.flushSync(),
    async close() {
      // The write in flight ends before the file is closed: closing under it would fail it (EBADF) or, with the
      // descriptor reused, put it in another file. A finished batch starts the next one, hence the loop.
      while (inFlight) await inFlight.done;
      self.flushSync();
      open.delete(self);
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** A line of a telemetry file that is not a decision record, skipped by {@link readDecisionRecords}. */
export interface SkippedLine {
  /** 1-based line number. */
  readonly line: number;
  readonly reason: string;
}

/**
 * Reads the decision records of a JSONL telemetry file (an absent file has none). A line that is not a JSON
 * object is skipped and reported through `skipped`, never thrown: the last line cut by a crash during a write (or
 * a copy of a file being written) is the usual one, and the records around it are kept.
 */
export function readDecisionRecords(
  path: string,
  skipped: (skip: SkippedLine) => void = () => {},
): DecisionRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  const records: DecisionRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      records.push(value as DecisionRecord);
      continue;
    }
    const last = i === lines.length - 1;
    skipped({
      line: i + 1,
      reason: last
        ? `partial last line (${Buffer.byteLength(line)} bytes, no line end): cut during a write`
        : 'not a JSON object',
    });
  }
  return records;
}

/** The report line of a skipped telemetry line, for a command's error stream. */
export const skippedLineMessage = (path: string, skip: SkippedLine): string =>
  `${path}:${skip.line}: skipped, ${skip.reason}\n`;
