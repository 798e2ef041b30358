import type { BackgroundPort } from '../../../../lambdas/adapters/dynamo/background-failures';
import { authorizerBackgroundFailures } from '../../../../lambdas/authorizer/deps';
import { powertools } from '../../../../lambdas/shared/powertools';
import { AUTHORIZER_SERVICE, ServingMetrics } from '../../../../lib/constructs/monitoring-metrics';

/** The EMF lines written to stdout while `act` runs. */
function emfLines(act: () => void): Array<Record<string, unknown>> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    act();
  } finally {
    spy.mockRestore();
  }
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => '_aws' in l);
}

describe('authorizerBackgroundFailures', () => {
  const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
  beforeAll(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  });
  afterAll(() => {
    if (disabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = disabled;
  });

  it.each<BackgroundPort>(['tenant-refresh', 'lease-renewal'])(
    'GIVEN a failed %s WHEN reported THEN one EMF line carries PortErrors with exactly the dimensions the alarm reads',
    (port) => {
      // GIVEN the authorizer's real Powertools metrics and a logger
      const { metrics } = powertools('authorizer');
      const warn = jest.fn();
      const report = authorizerBackgroundFailures(metrics, { warn } as never);
      // WHEN a background call fails
      const [line, ...more] = emfLines(() => report(port, new Error('table down')));
      // THEN it is written at once, as PortErrors{service, Port}
      expect(more).toEqual([]);
      expect(line).toMatchObject({ PortErrors: 1, Port: port, service: AUTHORIZER_SERVICE });
      if (!line) throw new Error('no EMF line written');
      const directive = (line['_aws'] as { CloudWatchMetrics: Array<Record<string, unknown>> })
        .CloudWatchMetrics[0];
      expect(directive?.['Metrics']).toEqual([{ Name: 'PortErrors', Unit: 'Count' }]);
      // AND the background-port alarm reads this very series (namespace, name, full dimension set)
      const alarmed = ServingMetrics.portErrors(port, {}, AUTHORIZER_SERVICE);
      expect(directive?.['Namespace']).toBe(alarmed.namespace);
      expect(alarmed.metricName).toBe('PortErrors');
      const dims = directive?.['Dimensions'] as string[][];
      expect(dims).toHaveLength(1);
      expect(Object.fromEntries((dims[0] ?? []).map((d) => [d, line[d]]))).toEqual(alarmed.dimensions);
      expect(warn).toHaveBeenCalledWith(
        'background table call failed',
        expect.objectContaining({ port, failures: 1 }),
      );
    },
  );
});
