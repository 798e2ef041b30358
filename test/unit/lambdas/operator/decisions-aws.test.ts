import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { decisionsQuery, fetchDecisionRecords } from '../../../../lambdas/operator/decisions-aws';

const line = (id: string) =>
  JSON.stringify({
    level: 'INFO',
    message: 'csp.decision/v1',
    decision: { decisionId: id, timestamp: '2026-11-27T12:00:00.000Z' },
  });

describe('decision records from a region (Logs Insights)', () => {
  const logs = mockClient(CloudWatchLogsClient);
  afterEach(() => logs.reset());

  test('starts a query on the proxy log group, polls until complete, parses each @message into its record', async () => {
    // GIVEN
    logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    logs
      .on(GetQueryResultsCommand)
      .resolvesOnce({ status: 'Running' })
      .resolves({
        status: 'Complete',
        results: [
          [{ field: '@message', value: line('dec_a') }],
          [{ field: '@message', value: 'not json' }],
          [{ field: '@message', value: line('dec_b') }],
        ],
      });
    // WHEN
    const records = await fetchDecisionRecords(new CloudWatchLogsClient({ region: 'eu-west-1' }), {
      logGroupName: '/aws/lambda/proxy',
      from: Date.UTC(2026, 10, 27, 11),
      to: Date.UTC(2026, 10, 27, 13),
      decisionId: 'dec_a',
      sleep: async () => {},
    });
    // THEN
    expect(records.map((r) => r.decisionId)).toEqual(['dec_a', 'dec_b']);
    expect(logs).toHaveReceivedCommandWith(StartQueryCommand, {
      logGroupName: '/aws/lambda/proxy',
      startTime: Date.UTC(2026, 10, 27, 11) / 1000,
      queryString: expect.stringContaining('decision.decisionId = "dec_a"'),
    });
    expect(logs).toHaveReceivedCommandTimes(GetQueryResultsCommand, 2);
  });

  test('a failed query is an error, not an empty incident', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q-2' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Failed' });
    await expect(
      fetchDecisionRecords(new CloudWatchLogsClient({ region: 'eu-west-1' }), {
        logGroupName: 'g',
        from: 0,
        to: 1,
        sleep: async () => {},
      }),
    ).rejects.toThrow('Logs Insights query failed');
  });

  test('a decision id with query syntax in it is refused (no query injection)', () => {
    expect(() => decisionsQuery('x" or 1=1 | fields @message')).toThrow('decision id: unexpected characters');
    expect(decisionsQuery('dec_0123abcd')).toContain('decision.decisionId = "dec_0123abcd"');
  });
});
