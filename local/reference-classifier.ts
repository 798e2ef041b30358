/**
 * The local reference tier-2 classifier: the container's server code (`classifier/server/`) run on CPU
 * on 127.0.0.1, serving the model directory the container would get (by default the repo's committed
 * tier-1 artifact). Besides the container contract (`GET /ping`, `POST /invocations`) it answers the
 * runtime path the SageMaker runtime client calls (`POST /endpoints/{name}/invocations`), so the local
 * gateway reaches it through the real `@aws-sdk/client-sagemaker-runtime`.
 *
 * Faults (slow, failing, garbage answers) can be injected for the fault suite.
 */
import type { Server } from 'node:http';
import { loadServedModel, REPO_MODEL_DIR } from '../classifier/server/served-model';
import { type ClassifierFaults, createClassifierServer } from '../classifier/server/server';
import { close, listen } from './http-util';

export type { ClassifierFaults } from '../classifier/server/server';

export interface ReferenceClassifier {
  readonly url: string;
  /** Model version the server reports. */
  readonly model: string;
  readonly invocations: () => number;
  setFaults(faults: ClassifierFaults): void;
  close(): Promise<void>;
}

/** Starts the reference classifier on 127.0.0.1 (`port` 0 picks a free port). */
export async function startReferenceClassifier(
  options: { port?: number; faults?: ClassifierFaults; modelDir?: string } = {},
): Promise<ReferenceClassifier> {
  const model = loadServedModel(options.modelDir ?? REPO_MODEL_DIR);
  let faults: ClassifierFaults = options.faults ?? {};
  const { server, stats } = createClassifierServer({ model, runtimePath: true, faults: () => faults });
  const url = await listen(server as Server, options.port ?? 0);
  return {
    url,
    model: model.version,
    invocations: () => stats.invocations,
    setFaults: (f) => {
      faults = f;
    },
    close: () => close(server),
  };
}
