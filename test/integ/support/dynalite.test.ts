import { request } from 'node:http';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { localClients, startDynalite as startLocal } from '../../../local/dynalite';
import { clientFor, startDynalite } from './dynalite';

// Stopping dynalite while requests are in flight must fail those requests, never the process: dynalite throws
// `Database is closed` from a timer when an action outlives its database, which killed the whole jest run.
jest.setTimeout(30_000);

/** A raw DynamoDB request whose body is sent in two parts: the server holds it in flight until `finish()`. */
function heldRequest(endpoint: string, target: string, body: object) {
  const { hostname, port } = new URL(endpoint);
  const text = JSON.stringify(body);
  const req = request({
    host: hostname,
    port,
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${target}`,
      'content-length': Buffer.byteLength(text),
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
      'x-amz-date': '20260101T000000Z',
    },
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let data = '';
      res.on('data', (c) => {
        data += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
  });
  req.write(text.slice(0, 5));
  return { answer, finish: () => req.end(text.slice(5)) };
}

const item = (table: string, id: string) => ({
  TableName: table,
  Key: { tenantId: { S: id }, dimension: { S: 'x' } },
  UpdateExpression: 'ADD n :one',
  ExpressionAttributeValues: { ':one': { N: '1' } },
});

test('stop() during a stream of writes: the writes fail or succeed, the process survives, stop resolves', async () => {
  // GIVEN dynalite and a client that keeps 8 writes in flight at all times
  const db = await startDynalite('stop-');
  const client = clientFor(db.endpoint);
  let running = true;
  const outcomes = { ok: 0, failed: 0 };
  const failures = new Set<string>();
  const worker = async (w: number) => {
    for (let i = 0; running && i < 10_000; i++) {
      try {
        await client.send(new UpdateItemCommand(item(db.tables.limits, `w${w}-${i % 5}`)));
        outcomes.ok++;
      } catch (err) {
        outcomes.failed++;
        failures.add((err as Error).name);
        if (!running) return;
      }
    }
  };
  const workers = Array.from({ length: 8 }, (_, w) => worker(w));
  while (outcomes.ok < 40) await new Promise((r) => setTimeout(r, 5));
  // WHEN dynalite is stopped mid-stream
  await db.stop();
  running = false;
  await Promise.all(workers);
  // a tick for any late dynalite timer to fire (it would throw process-wide)
  await new Promise((r) => setTimeout(r, 100));
  // THEN the process is still here, and writes sent after the stop failed at the client
  expect(outcomes.ok).toBeGreaterThanOrEqual(40);
  expect(outcomes.failed).toBeGreaterThan(0);
  expect(failures.size).toBeGreaterThan(0);
  client.destroy();
});

test('a request in flight at stop() is answered before the database closes; one arriving later gets a 503', async () => {
  // GIVEN an UpdateItem whose body is only half sent
  const db = await startDynalite('held-');
  const held = heldRequest(db.endpoint, 'UpdateItem', item(db.tables.limits, 'held'));
  const probe = clientFor(db.endpoint);
  await probe.send(
    new GetItemCommand({ TableName: db.tables.limits, Key: { tenantId: { S: 'p' }, dimension: { S: 'x' } } }),
  );
  // WHEN stop() starts, and the request's body completes only afterwards
  const stopped = db.stop();
  await new Promise((r) => setTimeout(r, 50));
  const late = await heldRequest(db.endpoint, 'GetItem', {
    TableName: db.tables.limits,
    Key: {},
  }).answer.catch((err: Error) => ({ status: -1, body: err.message }));
  held.finish();
  // THEN the held one is answered by dynalite (the database was still open), the late one refused, stop resolves
  expect(await held.answer).toMatchObject({ status: 200 });
  expect(late.status === 503 || late.status === -1).toBe(true);
  await stopped;
  probe.destroy();
});

test('a request that never completes makes stop() reject after drainMs, naming it; the database closes later', async () => {
  // GIVEN a request held in flight and a short drain bound
  const db = await startLocal({ prefix: 'drain-', drainMs: 100 });
  const held = heldRequest(db.endpoint, 'UpdateItem', item(db.tables.limits, 'held'));
  await new Promise((r) => setTimeout(r, 50));
  // WHEN stop() runs out of time
  // THEN it rejects with the count, and the request still gets its answer once it completes
  await expect(db.stop()).rejects.toThrow(/1 request\(s\) still in flight 100 ms after stop\(\)/);
  held.finish();
  expect(await held.answer).toMatchObject({ status: 200 });
  // and the endpoint goes away once it is answered
  const { raw } = localClients(db.endpoint);
  for (let i = 0; i < 100; i++) {
    const up = await raw
      .send(
        new GetItemCommand({
          TableName: db.tables.limits,
          Key: { tenantId: { S: 'p' }, dimension: { S: 'x' } },
        }),
      )
      .then(
        () => true,
        () => false,
      );
    if (!up) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  await expect(
    raw.send(
      new GetItemCommand({
        TableName: db.tables.limits,
        Key: { tenantId: { S: 'p' }, dimension: { S: 'x' } },
      }),
    ),
  ).rejects.toThrow();
  raw.destroy();
});
