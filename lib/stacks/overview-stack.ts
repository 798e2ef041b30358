import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { FAILURE_REASONS, ServingMetrics, sumOf } from '../constructs/monitoring-metrics';

/** Name of the overview stack. */
export const OVERVIEW_STACK_NAME = 'Safeguards-overview';

/** Properties for {@link OverviewStack}. */
export interface OverviewStackProps extends StackProps {
  readonly env: { readonly account: string; readonly region: string };
  /** The regions shown, with their residency zones (for the widget titles). */
  readonly regions: ReadonlyArray<{ readonly region: string; readonly zone: string }>;
}

/**
 * The cross-region overview: one CloudWatch dashboard built from metrics only (counts, rates, latency
 * percentiles — never records, logs or content), one row per region. It lives in its own stack, outside every
 * regional stack, so that no regional stack references another region; its residency guard allows exactly the
 * regions it shows (docs/residency-model.md).
 */
export class OverviewStack extends Stack {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OverviewStackProps) {
    super(scope, id, {
      description: 'CSP Safeguards cross-region overview (metrics only)',
      ...props,
    });
    if (props.regions.length === 0) throw new Error('OverviewStack: at least one region is required');
    this.dashboard = new cloudwatch.Dashboard(this, 'Overview', {
      defaultInterval: Duration.hours(6),
    });
    const period = Duration.minutes(5);
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# Safeguards — all regions\nMetrics only: no decision records, logs or content leave their region. ' +
          "Each row is one regional stack; drill down on that region's own dashboard and runbooks.",
        width: 24,
        height: 2,
      }),
    );
    for (const { region, zone } of props.regions) {
      const opts = { region, period };
      const tag = region.replace(/-/g, '');
      const failures = (mode: 'open' | 'closed') =>
        sumOf(
          `fail-${mode}`,
          FAILURE_REASONS.map((r) => ServingMetrics.failure(mode, r, opts)),
          period,
          `f${mode[0]}${tag}`,
        );
      const requests = ServingMetrics.requests({ ...opts, label: 'requests' });
      const blocked = sumOf(
        'blocked',
        ['messages', 'bedrock.invoke', 'bedrock.invoke-stream'].map((route) =>
          ServingMetrics.decisions('block', route as 'messages', opts),
        ),
        period,
        `b${tag}`,
      );
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${region} (${zone}): traffic and blocks`,
          left: [requests, blocked],
          width: 8,
          height: 5,
        }),
        new cloudwatch.GraphWidget({
          title: `${region}: added latency (ms)`,
          left: [
            ServingMetrics.addedLatency({ ...opts, statistic: 'p50', label: 'p50' }),
            ServingMetrics.addedLatency({ ...opts, statistic: 'p99', label: 'p99' }),
          ],
          width: 6,
          height: 5,
        }),
        new cloudwatch.GraphWidget({
          title: `${region}: fail-open / fail-closed`,
          left: [failures('open')],
          right: [failures('closed')],
          width: 6,
          height: 5,
        }),
        new cloudwatch.SingleValueWidget({
          title: `${region}: enforcement live`,
          metrics: [ServingMetrics.enforcementLive(opts)],
          width: 4,
          height: 5,
        }),
      );
    }
  }
}
