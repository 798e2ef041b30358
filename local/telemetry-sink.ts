import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecisionRecord } from '../lambdas/core/decision/record';

export interface JsonlSink {
  /** The sink function to hand to the serving deps. */
  readonly write: (record: DecisionRecord) => void;
  /** Records written, and records that could not be written to the file (sent to stderr instead). */
  readonly counts: () => { written: number; failed: number };
  readonly path: string;
  /** Make the next writes fail (fault suite). */
  failNext(n: number): void;
}

/**
 * Local telemetry: one decision record per line in `<dir>/decisions.jsonl`, the same records the
 * Lambda writes to CloudWatch Logs. A failed write never loses the record: it is counted and written
 * to stderr as a `decision-record-fallback` line instead.
 */
export function createJsonlSink(
  dir: string,
  stderr: (line: string) => void = (l) => process.stderr.write(l),
): JsonlSink {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'decisions.jsonl');
  let written = 0;
  let failed = 0;
  let injected = 0;
  return {
    path,
    write(record) {
      const line = `${JSON.stringify(record)}\n`;
      try {
        if (injected > 0) {
          injected--;
          throw new Error('injected telemetry failure');
        }
        appendFileSync(path, line);
        written++;
      } catch (e) {
        failed++;
        stderr(`decision-record-fallback ${JSON.stringify({ error: (e as Error).message, record })}\n`);
      }
    },
    counts: () => ({ written, failed }),
    failNext(n) {
      injected = n;
    },
  };
}

/** Reads the decision records of a JSONL telemetry file (an absent file has none). */
export function readDecisionRecords(path: string): DecisionRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as DecisionRecord);
}
