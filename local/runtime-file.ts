import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';

/** What a running `npm start` publishes so the operator CLI can reach its store and telemetry. */
export const runtimeInfoSchema = z.object({
  pid: z.number().int(),
  gatewayUrl: z.string(),
  dynamoEndpoint: z.string(),
  tables: z.object({ tenants: z.string(), limits: z.string(), violations: z.string(), audit: z.string() }),
  telemetryPath: z.string(),
});
export type RuntimeInfo = z.infer<typeof runtimeInfoSchema>;

export const runtimeFile = (dataDir: string) => join(dataDir, 'runtime.json');

export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): void {
  writeFileSync(runtimeFile(dataDir), `${JSON.stringify(info, null, 2)}\n`);
}

/** Reads the running gateway's info, with a clear error when none is running. */
export function readRuntimeInfo(dataDir: string): RuntimeInfo {
  let text: string;
  try {
    text = readFileSync(runtimeFile(dataDir), 'utf8');
  } catch {
    throw new Error(
      `no local gateway found (${runtimeFile(dataDir)} is missing): start one with 'npm start', or pass --region for AWS`,
    );
  }
  const parsed = runtimeInfoSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${runtimeFile(dataDir)} is not a valid runtime file`);
  return parsed.data;
}

/** Path of the local HMAC key (32 random bytes, hex, mode 0600) in the data folder. */
export const hmacKeyFile = (dataDir: string) => join(dataDir, 'hmac.key');

/** The local HMAC key if the data folder has a valid one (≥ 32 bytes), else undefined. */
export function readLocalHmacKey(dataDir: string): Buffer | undefined {
  const path = hmacKeyFile(dataDir);
  if (!existsSync(path)) return undefined;
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
  return key.length >= 32 ? key : undefined;
}
