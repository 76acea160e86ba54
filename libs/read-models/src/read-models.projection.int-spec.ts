import { randomUUID } from 'node:crypto';
import { MongoDocumentStore } from './document-store/mongo-document-store';
import { describeProjectionSuite } from './testing/projection-suite';

// The MongoDB leg of the same suite; MONGODB_URL is required (set by test/global-setup.ts).
const url = process.env.MONGODB_URL;
if (!url) throw new Error('MONGODB_URL is not set: the MongoDB leg of the read-model suite needs a server');

describeProjectionSuite(`MongoDB (${url.replace(/\/\/[^@]*@/, '//')})`, () =>
  MongoDocumentStore.connect({ url, database: `rm-${randomUUID().slice(0, 18)}` }),
);
