/**
 * Child processes for the peer benchmark: start one, wait (bounded) until it is ready, stop it by its
 * own pid. Nothing here kills by name.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface Child {
  readonly pid: number;
  readonly proc: ChildProcess;
  /** The last few KiB of stderr/stdout, for error messages. */
  readonly tail: () => string;
  stop(): Promise<void>;
}

/**
 * Spawns `node <args>`; stdout/stderr are kept (last 4 KiB) and passed to `onLine`. With `cpus` (a
 * `taskset -c` list such as `1`) the process is pinned to those cores; `taskset` execs node, so the pid
 * is node's own.
 */
export function spawnNode(
  args: readonly string[],
  onLine?: (line: string) => void,
  env = process.env,
  cpus?: string,
): Child {
  const proc = cpus
    ? spawn('taskset', ['-c', cpus, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
    : spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let tail = '';
  let partial = '';
  const keep = (d: Buffer) => {
    const s = d.toString('utf8');
    tail = (tail + s).slice(-4096);
    partial += s;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) onLine?.(l);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  if (proc.pid === undefined) throw new Error(`could not start node ${args.join(' ')}`);
  const pid = proc.pid;
  return {
    pid,
    proc,
    tail: () => tail,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const force = setTimeout(() => proc.kill('SIGKILL'), 3_000);
        proc.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

/** Starts a child that prints `READY <json>` and resolves with that JSON; rejects after `timeoutMs`. */
export function startReady<T>(
  args: readonly string[],
  timeoutMs = 30_000,
  cpus?: string,
): Promise<{ child: Child; info: T }> {
  return new Promise((resolve, reject) => {
    let done = false;
    const child = spawnNode(
      args,
      (line) => {
        if (done || !line.startsWith('READY ')) return;
        done = true;
        clearTimeout(timer);
        resolve({ child, info: JSON.parse(line.slice(6)) as T });
      },
      process.env,
      cpus,
    );
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      void child.stop();
      reject(new Error(`${args.join(' ')}: not ready after ${timeoutMs} ms: ${child.tail().slice(-500)}`));
    }, timeoutMs);
    child.proc.once('exit', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')}: exited with ${code} before ready: ${child.tail().slice(-500)}`));
    });
  });
}

/** A free TCP port on 127.0.0.1 (bound and released; a tiny race is possible). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `url` with GET until it answers 2xx, or throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (exited()) throw new Error('process exited');
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await r.text();
      if (r.ok) return;
      last = `status ${r.status}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not answering after ${timeoutMs} ms (${last})`);
}
