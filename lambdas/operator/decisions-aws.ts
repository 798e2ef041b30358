/**
 * Decision records of a deployed region, read back from the proxy's log group with a CloudWatch Logs Insights
 * query (the records never leave the region: the query runs there, with the operator's credentials). Used by
 * `npx safeguards incident --region …`. IAM: logs:StartQuery and logs:GetQueryResults on the log group.
 */
import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  type ResultField,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { DecisionRecord } from '../core/decision/record';

export interface FetchDecisionsOptions {
  readonly logGroupName: string;
  /** Epoch ms. */
  readonly from: number;
  readonly to: number;
  /** Only this decision id (and its tenant's records are selected afterwards by the caller). */
  readonly decisionId?: string;
  /** @default 10000 (Logs Insights' maximum) */
  readonly limit?: number;
  /** Poll interval while the query runs. @default 1000 ms */
  readonly pollMs?: number;
  /** Give up after this long. @default 60000 ms */
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The Logs Insights query: decision-record lines only, the whole line back. */
export function decisionsQuery(decisionId?: string, limit = 10_000): string {
  if (decisionId !== undefined && !ID.test(decisionId)) throw new Error('decision id: unexpected characters');
  const filter = decisionId ? ` and decision.decisionId = "${decisionId}"` : '';
  return `fields @message | filter message = "csp.decision/v1"${filter} | sort @timestamp asc | limit ${limit}`;
}

/** Parses one result row's `@message` (the proxy's decision line, ADR 0038) into its decision record. */
export function recordFromRow(row: readonly ResultField[]): DecisionRecord | undefined {
  const message = row.find((f) => f.field === '@message')?.value;
  if (!message) return undefined;
  try {
    const line = JSON.parse(message) as { decision?: DecisionRecord };
    return line.decision && typeof line.decision.decisionId === 'string' ? line.decision : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the query and returns the records, oldest first. Throws on a failed, cancelled or timed-out query. */
export async function fetchDecisionRecords(
  client: CloudWatchLogsClient,
  opts: FetchDecisionsOptions,
): Promise<DecisionRecord[]> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = await client.send(
    new StartQueryCommand({
      logGroupName: opts.logGroupName,
      startTime: Math.floor(opts.from / 1000),
      endTime: Math.ceil(opts.to / 1000),
      queryString: decisionsQuery(opts.decisionId, opts.limit ?? 10_000),
    }),
  );
  if (!started.queryId) throw new Error('Logs Insights returned no query id');
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const out = await client.send(new GetQueryResultsCommand({ queryId: started.queryId }));
    if (out.status === 'Complete') {
      return (out.results ?? []).map(recordFromRow).filter((r): r is DecisionRecord => r !== undefined);
    }
    if (out.status === 'Failed' || out.status === 'Cancelled' || out.status === 'Timeout') {
      throw new Error(`Logs Insights query ${out.status.toLowerCase()}`);
    }
    if (Date.now() > deadline) throw new Error('Logs Insights query did not finish in time');
    await sleep(opts.pollMs ?? 1_000);
  }
}
