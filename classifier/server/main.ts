/**
 * Container entry point: `serve` (SageMaker starts the image as `docker run <image> serve`).
 *
 * Environment (SageMaker sets the first two):
 * - `SAGEMAKER_BIND_TO_PORT` — port to listen on. @default 8080
 * - `SM_MODEL_DIR` — where `model.tar.gz` was unpacked. @default /opt/ml/model
 * - `SAGEMAKER_MODEL_SERVER_WORKERS` — worker processes sharing the port. @default 1
 * - `CLASSIFIER_HOST` — interface to bind. @default 0.0.0.0 (SageMaker reaches the container from outside)
 *
 * Logs one JSON line per start, per rejected or failed invocation (status and reason, never content)
 * and per shutdown, on stdout (CloudWatch Logs in SageMaker).
 */
import cluster from 'node:cluster';
import { loadServedModel } from './served-model';
import { createClassifierServer } from './server';

export interface ServeSettings {
  readonly port: number;
  readonly host: string;
  readonly modelDir: string;
  readonly workers: number;
}

/** Reads the container's settings; throws naming the variable at fault. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): ServeSettings {
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`${name}: expected an integer in [${min}, ${max}], got '${raw.slice(0, 32)}'`);
    }
    return n;
  };
  return {
    port: int('SAGEMAKER_BIND_TO_PORT', 8080, 1, 65_535),
    host: env['CLASSIFIER_HOST'] || '0.0.0.0',
    modelDir: env['SM_MODEL_DIR'] || '/opt/ml/model',
    workers: int('SAGEMAKER_MODEL_SERVER_WORKERS', 1, 1, 64),
  };
}

const log = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...event })}\n`);
};

function serve(settings: ServeSettings): void {
  const model = loadServedModel(settings.modelDir);
  const { server } = createClassifierServer({
    model,
    onError: (status, reason) => log({ event: 'invocation-error', status, reason }),
  });
  server.listen(settings.port, settings.host, () => {
    log({ event: 'listening', port: settings.port, model: model.version, kind: model.kind });
  });
  const stop = () => {
    log({ event: 'stopping' });
    server.close(() => process.exit(0));
    server.closeIdleConnections?.();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function main(): void {
  const command = process.argv[2] ?? 'serve';
  if (command !== 'serve') {
    process.stderr.write(`classifier: unknown command '${command}'; usage: serve\n`);
    process.exit(2);
  }
  let settings: ServeSettings;
  try {
    settings = settingsFromEnv(process.env);
  } catch (e) {
    process.stderr.write(`classifier: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (settings.workers > 1 && cluster.isPrimary) {
    try {
      loadServedModel(settings.modelDir); // fail once, here, rather than in every worker
    } catch (e) {
      log({ event: 'start-failed', error: (e as Error).message });
      process.exit(1);
    }
    for (let i = 0; i < settings.workers; i++) cluster.fork();
    cluster.on('exit', (worker, code) => {
      log({ event: 'worker-exit', worker: worker.process.pid, code });
      // A worker that died while the container runs is replaced; SageMaker pings the survivors meanwhile.
      if (code !== 0) cluster.fork();
    });
    return;
  }
  try {
    serve(settings);
  } catch (e) {
    log({ event: 'start-failed', error: (e as Error).message });
    process.exit(1);
  }
}

if (require.main === module) main();
