import { randomUUID } from 'node:crypto';

import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';

// Proves the harness: the servers global setup found or started answer real client round trips.

function required(name: 'MONGODB_URL' | 'KAFKA_BROKERS'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the integration project's global setup should have started a server`);
  return value;
}

describe('test harness: MongoDB-compatible server (MONGODB_URL)', () => {
  let client: MongoClient;

  beforeAll(async () => {
    client = new MongoClient(required('MONGODB_URL'));
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
  });

  it('round-trips insert, find and bulkWrite', async () => {
    const collection = client.db(`harness_${randomUUID().replace(/-/g, '')}`).collection<{ _id: string; n: number }>('docs');
    const id = randomUUID();
    await collection.insertOne({ _id: id, n: 1 });
    expect(await collection.findOne({ _id: id })).toEqual({ _id: id, n: 1 });

    const other = randomUUID();
    const result = await collection.bulkWrite([
      { updateOne: { filter: { _id: id }, update: { $inc: { n: 1 } } } },
      { updateOne: { filter: { _id: other }, update: { $set: { n: 10 } }, upsert: true } },
    ]);
    expect(result.modifiedCount).toBe(1);
    expect(result.upsertedCount).toBe(1);
    const docs = await collection.find({}).sort({ n: 1 }).toArray();
    expect(docs).toEqual([
      { _id: id, n: 2 },
      { _id: other, n: 10 },
    ]);
  });
});

describe('test harness: Kafka (KAFKA_BROKERS)', () => {
  it('round-trips a message through a fresh topic', async () => {
    const kafka = new Kafka({ clientId: 'harness-spec', brokers: required('KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING });
    const topic = `harness-${randomUUID()}`;
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `harness-${randomUUID()}` });
    try {
      await admin.connect();
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })).toBe(true);

      const key = randomUUID();
      await producer.connect();
      await producer.send({ topic, messages: [{ key, value: JSON.stringify({ hello: 'roster' }) }] });

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<{ key: string; value: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within 60 s')), 60_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
          },
        });
      });
      expect(received).toEqual({ key, value: JSON.stringify({ hello: 'roster' }) });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
