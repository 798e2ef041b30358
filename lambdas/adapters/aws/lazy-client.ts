/**
 * AWS SDK client modules loaded on first use instead of when the function starts. The proxy holds clients that most
 * requests never call (SNS for an escalation; SageMaker Runtime for a tier-2 call or a SageMaker upstream), and
 * loading an SDK client module costs CPU in every cold start (docs/adr/0030). The adapters take
 * `Pick<Client, 'send'>`, which both the SDK's clients and {@link lazyClient} give, and take their command classes
 * from {@link sdk} at the call.
 */

/**
 * The SDK modules, each loaded on its first use (then cached by the module system). `require`, not `import()`: the
 * bundles are CommonJS with `@aws-sdk/*` external, and an `import()` would load the packages' ESM builds next to the
 * CommonJS ones the other clients use.
 */
export const sdk = {
  kms: () => require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms'),
  sagemakerRuntime: () =>
    require('@aws-sdk/client-sagemaker-runtime') as typeof import('@aws-sdk/client-sagemaker-runtime'),
  sns: () => require('@aws-sdk/client-sns') as typeof import('@aws-sdk/client-sns'),
};

/**
 * A client's `send` that makes the client on its first call (`make` loads the module and builds it), once; a `make`
 * that throws is tried again on the next call. Promise form only (the SDK's callback forms are not supported).
 */
export function lazyClient<C extends { send(...args: never[]): unknown }>(make: () => C): Pick<C, 'send'> {
  let client: C | undefined;
  const send = async (...args: never[]): Promise<unknown> => {
    client ??= make();
    return client.send(...args);
  };
  return { send } as unknown as Pick<C, 'send'>;
}
