import { randomUUID } from 'node:crypto';
import { startMongoJavaServer, type MongoServer } from '@roster/testing';
import { MongoDocumentStore } from './document-store/mongo-document-store';
import { describeProjectionSuite } from './testing/projection-suite';

// A second MongoDB leg: mongo-java-server (in-memory backend), started here rather than by the
// global setup. If it cannot start, beforeAll throws and every test of the suite fails.
let server: MongoServer | undefined;

beforeAll(async () => {
  server = await startMongoJavaServer();
  // Named in the output like the global setup's servers, so a run says what it tested against.
  process.stderr.write(`[servers] MongoDB, second leg of the read-model suite: ${server.description}\n`);
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

describeProjectionSuite('mongo-java-server (in-memory)', () => {
  if (!server) throw new Error('mongo-java-server did not start (see the beforeAll error)');
  return MongoDocumentStore.connect({ url: server.url, database: `rm-${randomUUID().slice(0, 18)}` });
});

describe('MongoDocumentStore.find over mongo-java-server', () => {
  it('returns a collection of 300,000 documents, which this server sends in one batch', async () => {
    if (!server) throw new Error('mongo-java-server did not start (see the beforeAll error)');
    const documents = await MongoDocumentStore.connect({ url: server.url, database: `big-${randomUUID().slice(0, 18)}` });
    try {
      const docs = Array.from({ length: 300_000 }, (_, i) => ({ _id: `m-${i}`, organizationId: `o-${i % 1000}`, role: 'member' }));
      await documents.insertMany('memberships', docs);
      const found = await documents.find('memberships', {});
      expect(found).toHaveLength(300_000);
      expect(new Set(found.map((doc) => doc._id)).size).toBe(300_000);
    } finally {
      await documents.close();
    }
  });
});
