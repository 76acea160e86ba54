import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describeKeyStoreContract } from './key-store.contract';
import { MongoKeyStore } from './mongo-key-store';

// MONGODB_URL is set by test/global-setup.ts (the harness's MongoDB-compatible server).
const url = process.env.MONGODB_URL;
if (!url) throw new Error('MONGODB_URL is not set: the MongoDB key store suite needs a server');

describeKeyStoreContract(`MongoKeyStore (${url.replace(/\/\/[^@]*@/, '//')})`, async () => {
  const database = `keys-${randomUUID().slice(0, 18)}`;
  const keys = await MongoKeyStore.connect({ url, database });
  return {
    keys,
    contents: async () => {
      const client = await MongoClient.connect(url);
      try {
        return JSON.stringify(await client.db(database).collection('person_keys').find({}).toArray());
      } finally {
        await client.close();
      }
    },
  };
});
