/**
 * `npx safeguards decisions --action …`: the value is checked (a typo such as `deny` is an error, not an empty
 * list), and refusals are found by `--action refuse`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRuntimeInfo } from '../../../local/runtime-file';

const BIN = join(__dirname, '../../../bin/safeguards.cjs');

const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('safeguards decisions --action', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'csp-cli-'));
    const telemetryPath = join(dir, 'decisions.jsonl');
    const rec = (decisionId: string, action: string, status: number, reason: string | null) =>
      JSON.stringify({
        decisionId,
        timestamp: '2026-12-07T00:00:00.000Z',
        route: 'messages',
        status,
        action,
        reason,
        tenant: 'tn_a',
        latencyMs: { added: 1 },
      });
    writeFileSync(
      telemetryPath,
      `${[rec('d-allow', 'allow', 200, null), rec('d-kill', 'refuse', 503, 'kill_switch'), rec('d-block', 'block', 400, 'blocked:harmful')].join('\n')}\n`,
    );
    writeRuntimeInfo(dir, {
      pid: 1,
      gatewayUrl: 'http://127.0.0.1:1',
      dynamoEndpoint: 'http://127.0.0.1:1',
      tables: { tenants: 't', limits: 'l', violations: 'v', audit: 'a' },
      telemetryPath,
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('an unknown action is an error naming the valid ones', async () => {
    const r = await run(['decisions', '--action', 'deny', '--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "--action must be one of allow, flag, redact, block, refuse, error, got 'deny'",
    );
  }, 60_000);

  test('--action refuse lists the refusals only', async () => {
    const r = await run(['decisions', '--action', 'refuse', '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('d-kill');
    expect(r.stdout).not.toContain('d-allow');
    expect(r.stdout).not.toContain('d-block');
  }, 60_000);
});
