/**
 * Measurement helpers for `npm run load` and `npm run bench:gateway`: percentiles, sequential latency
 * over a keep-alive connection, autocannon as a separate process (so the load generator never shares
 * an event loop with what it measures), CPU seconds of a process from /proc, and the benign body.
 */

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { nearestRank } from '../../scripts/eval/metrics';

/** A benign ~2 KB Messages API body (not escalated to tier 2 by the default policy: checked by the callers). */
export function benignBody(stream = false): string {
  const paragraph =
    'Our community garden plans the spring planting. The tomatoes go along the south fence, the beans ' +
    'climb the trellis by the shed, and the herbs stay near the gate so visitors can smell them. ' +
    'Please suggest a watering schedule for a dry week and a short list of companion plants. ';
  let text = '';
  while (text.length < 1_900) text += paragraph;
  return JSON.stringify({
    model: 'demo',
    max_tokens: 256,
    ...(stream ? { stream: true } : {}),
    messages: [{ role: 'user', content: text.slice(0, 1_900) }],
  });
}

/** Value at quantile q (0..1) of ascending-sorted numbers (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? Number.NaN : nearestRank(sorted, q * 100);
}

export interface LatencySummary {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  readonly statuses: Readonly<Record<string, number>>;
}

export function summarize(samples: readonly number[], statuses: Record<string, number> = {}): LatencySummary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return {
    n: s.length,
    p50: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    p99: quantile(s, 0.99),
    mean,
    statuses,
  };
}

export interface Target {
  readonly name: string;
  /** Full URL of the endpoint. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One POST over a keep-alive agent; resolves with status and milliseconds to the last byte. */
function once(agent: Agent, t: Target, timeoutMs: number): Promise<{ status: number; ms: number }> {
  const u = new URL(t.url);
  const body = Buffer.from(t.body);
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { ...t.headers, 'content-length': body.length },
        timeout: timeoutMs,
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - start) / 1e6 }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${t.name}: request timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sequential latency: `warmup` unmeasured requests, then `n` measured ones, one at a time over one
 * keep-alive connection. Bounded by `n` and by `maxMs` of wall time. Raw samples are also pushed to
 * `sink` when given (to merge rounds).
 */
export async function sequentialLatency(
  t: Target,
  n: number,
  warmup = 50,
  maxMs = 60_000,
  sink?: number[],
): Promise<LatencySummary> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  const statuses: Record<string, number> = {};
  const stopAt = Date.now() + maxMs;
  try {
    for (let i = 0; i < warmup + n && Date.now() < stopAt; i++) {
      const r = await once(agent, t, 10_000);
      if (i < warmup) continue;
      samples.push(r.ms);
      sink?.push(r.ms);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    }
  } finally {
    agent.destroy();
  }
  return summarize(samples, statuses);
}

/** What autocannon reports, reduced to what the reports print. */
export interface LoadResult {
  readonly requestsPerSec: number;
  readonly total: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly durationSec: number;
  readonly statusCodes: Readonly<Record<string, number>>;
}

const AUTOCANNON = join(__dirname, '..', '..', 'node_modules', 'autocannon', 'autocannon.js');

/**
 * Runs autocannon as a child process (its own event loop and CPU), fixed connections for a fixed time,
 * and parses its JSON result. Bounded: autocannon stops after `durationSec`; the child is killed after
 * `durationSec + 30 s` in any case.
 */
export function runAutocannon(
  t: Target,
  connections: number,
  durationSec: number,
  cpus?: string,
): Promise<LoadResult> {
  const args = [AUTOCANNON, '-j', '-n', '-c', String(connections), '-d', String(durationSec), '-m', 'POST'];
  for (const [k, v] of Object.entries(t.headers)) args.push('-H', `${k}=${v}`);
  args.push('-b', t.body, t.url);
  return new Promise((resolve, reject) => {
    // With `cpus`, the load generator is pinned (`taskset -c`) apart from the process it measures.
    const child = cpus
      ? spawn('taskset', ['-c', cpus, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 10_000) err += d.toString('utf8');
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), (durationSec + 30) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      try {
        const j = JSON.parse(out) as {
          requests: { average: number; total: number };
          latency: { p50: number; p90: number; p99: number };
          errors: number;
          timeouts: number;
          non2xx: number;
          duration: number;
          [k: string]: unknown;
        };
        const statusCodes: Record<string, number> = {};
        for (const c of ['1xx', '2xx', '3xx', '4xx', '5xx']) statusCodes[c] = Number(j[c] ?? 0);
        resolve({
          requestsPerSec: j.requests.average,
          total: j.requests.total,
          p50: j.latency.p50,
          p90: j.latency.p90,
          p99: j.latency.p99,
          errors: j.errors,
          timeouts: j.timeouts,
          non2xx: j.non2xx,
          durationSec: j.duration,
          statusCodes,
        });
      } catch {
        reject(new Error(`autocannon exited ${code} without a JSON result: ${err.slice(0, 500)}`));
      }
    });
  });
}

/** Clock ticks per second of /proc CPU times (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/** User + system CPU seconds a process has used so far (Linux /proc, 10 ms resolution; NaN elsewhere). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return ticks / USER_HZ;
  } catch {
    return Number.NaN;
  }
}

/** CPU of a process split by thread, and its context switches (Linux /proc; NaN elsewhere). */
export interface ThreadCpu {
  /** User + system CPU seconds of the main thread (the one whose id is the process id: the event loop). */
  readonly mainSec: number;
  /** User + system CPU seconds of every other thread (V8's compiler and GC helpers, libuv's thread pool). */
  readonly otherSec: number;
  /** Voluntary + involuntary context switches of all threads. */
  readonly switches: number;
}

/**
 * {@link ThreadCpu} of `pid` so far, from /proc/<pid>/task: a thread that has ended is no longer counted, so take
 * the difference of two readings over a window in which the process starts no thread.
 */
export function threadCpu(pid: number): ThreadCpu {
  let mainSec = 0;
  let otherSec = 0;
  let switches = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const sec = (Number(fields[11]) + Number(fields[12])) / USER_HZ;
      if (Number(tid) === pid) mainSec += sec;
      else otherSec += sec;
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      switches +=
        Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0) +
        Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    }
  } catch {
    return { mainSec: Number.NaN, otherSec: Number.NaN, switches: Number.NaN };
  }
  return { mainSec, otherSec, switches };
}

/** Resident set size of a process in bytes (Linux /proc; NaN elsewhere). */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples a value every `everyMs` and keeps the maximum, until stopped. */
export function peakSampler(sample: () => number, everyMs = 100): { stop(): number; peak(): number } {
  let peak = sample();
  const timer = setInterval(() => {
    const v = sample();
    if (v > peak) peak = v;
  }, everyMs);
  return {
    peak: () => peak,
    stop() {
      clearInterval(timer);
      const v = sample();
      if (v > peak) peak = v;
      return peak;
    },
  };
}

export const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const mib = (bytes: number): string => `${fmt(bytes / 1024 / 1024, 1)} MiB`;
