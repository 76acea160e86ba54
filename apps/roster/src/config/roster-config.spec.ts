import { resolve } from 'node:path';
import { ConfigError, loadRosterConfig } from './roster-config';

describe('loadRosterConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadRosterConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe(resolve('./data'));
    expect(config.eventStore).toEqual({ kind: 'sqlite', path: resolve('./data/events.sqlite') });
    expect(config.mongo).toBeUndefined();
    expect(config.kafka).toBeUndefined();
    expect(config.kafkaTopic).toBe('roster.membership.v1');
    expect(config.mongoDatabase).toBe('roster');
    expect([...config.run]).toEqual(['api', 'projections', 'publisher']);
    expect(config.invitationTtlDays).toBe(7);
    expect(config.stateCacheSize).toBe(10000);
    expect(config.commandRetries).toBe(5);
    expect(config.logLevel).toBe('log');
    expect(config.auth).toEqual({ jwtSecret: undefined, jwksUrl: undefined, issuer: undefined, audience: undefined });
  });

  it('reads every setting', () => {
    const config = loadRosterConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      ROSTER_DATA_DIR: '/tmp/roster-x',
      EVENTSTORE_CONNECTION_STRING: 'esdb://127.0.0.1:2113?tls=false',
      MONGODB_URL: 'mongodb://127.0.0.1:27017',
      ROSTER_MONGODB_DB: 'roster_test',
      KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
      ROSTER_KAFKA_TOPIC: 'membership.v2',
      ROSTER_JWT_SECRET: 's'.repeat(32),
      ROSTER_JWT_ISSUER: 'https://id.example.org',
      ROSTER_JWT_AUDIENCE: 'roster',
      ROSTER_RUN: 'projections,publisher',
      ROSTER_INVITATION_TTL_DAYS: '14',
      ROSTER_STATE_CACHE_SIZE: '0',
      ROSTER_COMMAND_RETRIES: '2',
      LOG_LEVEL: 'debug',
    });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.eventStore).toEqual({ kind: 'eventstoredb', connectionString: 'esdb://127.0.0.1:2113?tls=false' });
    expect(config.mongo).toEqual({ url: 'mongodb://127.0.0.1:27017', database: 'roster_test' });
    expect(config.kafka).toEqual({ brokers: ['127.0.0.1:9092', '127.0.0.1:9093'], topic: 'membership.v2' });
    expect(config.auth).toEqual({ jwtSecret: 's'.repeat(32), jwksUrl: undefined, issuer: 'https://id.example.org', audience: 'roster' });
    expect([...config.run]).toEqual(['projections', 'publisher']);
    expect(config.invitationTtlDays).toBe(14);
    expect(config.stateCacheSize).toBe(0);
    expect(config.commandRetries).toBe(2);
    expect(config.logLevel).toBe('debug');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['EVENTSTORE_CONNECTION_STRING', 'http://127.0.0.1:2113'],
    ['MONGODB_URL', 'not a url'],
    ['MONGODB_URL', 'http://127.0.0.1'],
    ['ROSTER_MONGODB_DB', 'bad name'],
    ['KAFKA_BROKERS', '127.0.0.1'],
    ['ROSTER_KAFKA_TOPIC', 'bad topic'],
    ['ROSTER_JWT_SECRET', 'short'],
    ['ROSTER_JWKS_URL', 'ftp://keys.example.org'],
    ['ROSTER_RUN', 'api,mailer'],
    ['ROSTER_INVITATION_TTL_DAYS', '0'],
    ['ROSTER_STATE_CACHE_SIZE', '1.5'],
    ['ROSTER_COMMAND_RETRIES', 'many'],
    ['LOG_LEVEL', 'loud'],
  ])('refuses a bad %s (%s) with an error naming it', (name, value) => {
    const load = () => loadRosterConfig({ [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(name);
    try {
      load();
    } catch (error) {
      expect((error as ConfigError).setting).toBe(name);
    }
  });

  it('refuses both a JWT secret and a JWKS URL', () => {
    expect(() => loadRosterConfig({ ROSTER_JWT_SECRET: 's'.repeat(32), ROSTER_JWKS_URL: 'https://id.example.org/jwks' })).toThrow(
      'ROSTER_JWKS_URL',
    );
  });
});

describe('loadRosterConfig: HTTP limits', () => {
  it('gives the documented defaults', () => {
    expect(loadRosterConfig({}).http).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      connectionTimeoutMs: 60_000,
      shutdownTimeoutMs: 10_000,
      commandRate: { perSecond: 5, burst: 30 },
      minPositionWaiters: 1000,
    });
  });

  it('turns the command rate off with 0, and keeps the headers deadline within the request deadline', () => {
    const http = loadRosterConfig({ ROSTER_COMMAND_RATE: '0', ROSTER_HTTP_REQUEST_TIMEOUT_MS: '2000', ROSTER_HTTP_HEADERS_TIMEOUT_MS: '5000' }).http;
    expect(http.commandRate).toBeUndefined();
    expect(http.headersTimeoutMs).toBe(2000);
  });

  it.each(['ROSTER_HTTP_REQUEST_TIMEOUT_MS', 'ROSTER_SHUTDOWN_TIMEOUT_MS', 'ROSTER_COMMAND_BURST'])('refuses 0 for %s, naming it', (name) => {
    expect(() => loadRosterConfig({ [name]: '0' })).toThrow(name);
  });
});
