import type { KafkaConfig } from 'kafkajs';
import { KafkaPublisher } from './kafka-publisher';

const clients: KafkaConfig[] = [];
jest.mock('kafkajs', () => {
  const actual = jest.requireActual<typeof import('kafkajs')>('kafkajs');
  return {
    ...actual,
    Kafka: class extends actual.Kafka {
      constructor(config: KafkaConfig) {
        super(config);
        clients.push(config);
      }
    },
  };
});

describe('KafkaPublisher client settings', () => {
  beforeEach(() => clients.splice(0));

  it('hands TLS and SASL settings to the kafkajs client', () => {
    const sasl = { mechanism: 'scram-sha-512', username: 'roster', password: 'pw' } as const;
    new KafkaPublisher({ brokers: ['kafka.example.org:9093'], ssl: { ca: 'PEM' }, sasl });
    expect(clients[0]).toMatchObject({ brokers: ['kafka.example.org:9093'], ssl: { ca: 'PEM' }, sasl });
  });

  it('connects in plaintext without them', () => {
    new KafkaPublisher({ brokers: ['127.0.0.1:9092'] });
    expect(clients[0]).not.toHaveProperty('ssl');
    expect(clients[0]).not.toHaveProperty('sasl');
  });
});
