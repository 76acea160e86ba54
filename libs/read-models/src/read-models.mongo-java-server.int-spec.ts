import { randomUUID } from 'node:crypto';
import { startMongoJavaServer, type MongoServer } from '@roster/testing';
import { MongoDocumentStore } from './document-store/mongo-document-store';
import { describeProjectionSuite } from './testing/projection-suite';

// A second MongoDB leg: mongo-java-server (in-memory backend), started here rather than by the
// global setup. If it cannot start, beforeAll throws and every test of the suite fails.
let server: MongoServer | undefined;

beforeAll(async () => {
  server = await startMongoJavaServer();
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

describeProjectionSuite('mongo-java-server (in-memory)', () => {
  if (!server) throw new Error('mongo-java-server did not start (see the beforeAll error)');
  return MongoDocumentStore.connect({ url: server.url, database: `rm-${randomUUID().slice(0, 18)}` });
});
