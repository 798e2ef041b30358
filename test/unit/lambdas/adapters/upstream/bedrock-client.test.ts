/**
 * The proxy's Bedrock Runtime client against an HTTP/2 stand-in on 127.0.0.1:0 (clear text; the client speaks
 * HTTP/2 as it does to Bedrock): how many connections its calls open.
 */
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { bedrockRuntimeClient, bedrockUpstream } from '../../../../../lambdas/adapters/upstream';

const MESSAGE = { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'hi' }] };

describe('bedrockRuntimeClient', () => {
  let server: Http2Server;
  let endpoint: string;
  let connections = 0;
  const clients: BedrockRuntimeClient[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(MESSAGE));
      });
    });
    server.on('connection', () => {
      connections++;
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    connections = 0;
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await new Promise((r) => server.close(r));
  });
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

  test('InvokeModel calls share one connection (the SDK default opens one per call)', async () => {
    // GIVEN the proxy's client and the SDK's default client, both pointed at the stand-in
    const ours = bedrockRuntimeClient({ region: 'eu-west-1', endpoint, credentials });
    const sdkDefault = new BedrockRuntimeClient({ region: 'eu-west-1', endpoint, credentials });
    clients.push(ours, sdkDefault);
    const up = bedrockUpstream(ours, { defaultModelId: 'anthropic.claude-demo-v1:0' });
    const signal = new AbortController().signal;
    // WHEN five calls are made in sequence and three at once
    for (let i = 0; i < 5; i++)
      await expect(up.invoke({ max_tokens: 1 }, undefined, signal)).resolves.toEqual(MESSAGE);
    await Promise.all([1, 2, 3].map(() => up.invoke({ max_tokens: 1 }, undefined, signal)));
    // THEN they went over one connection
    expect(connections).toBe(1);
    // AND the SDK's default client (the control) opens one per call
    connections = 0;
    for (let i = 0; i < 3; i++)
      await sdkDefault.send(new InvokeModelCommand({ modelId: 'm', body: new TextEncoder().encode('{}') }));
    expect(connections).toBe(3);
  });
});
