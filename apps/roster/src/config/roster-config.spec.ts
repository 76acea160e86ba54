import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadAuditSigner } from '../audit/audit-signing-key';
import { ConfigError, loadRosterConfig } from './roster-config';

/** The development secret, chosen explicitly: what every test below needs unless it is about that choice. */
const DEV = { ROSTER_DEV_AUTH: '1' } as const;

describe('loadRosterConfig', () => {
  it('gives the documented defaults for an environment that only chose the development secret', () => {
    const config = loadRosterConfig({ ...DEV });
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
    expect(config.commandRetryMs).toBe(5000);
    expect(config.logLevel).toBe('log');
    expect(config.logFormat).toBe('text');
    expect(config.readiness).toEqual({ maxLagSeconds: 30 });
    expect(config.auth).toEqual({ jwtSecret: undefined, jwksUrl: undefined, developmentSecret: true, issuer: undefined, audience: undefined, maxAgeSeconds: 86400 });
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
      ROSTER_JWT_MAX_AGE_SECONDS: '3600',
      ROSTER_DEV_AUTH: '1',
      ROSTER_RUN: 'projections,publisher',
      ROSTER_INVITATION_TTL_DAYS: '14',
      ROSTER_STATE_CACHE_SIZE: '0',
      ROSTER_COMMAND_RETRIES: '2',
      ROSTER_COMMAND_RETRY_MS: '0',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'JSON',
      ROSTER_READY_MAX_LAG_SECONDS: '5',
    });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.eventStore).toEqual({ kind: 'eventstoredb', connectionString: 'esdb://127.0.0.1:2113?tls=false' });
    expect(config.mongo).toEqual({ url: 'mongodb://127.0.0.1:27017', database: 'roster_test' });
    expect(config.kafka).toEqual({ brokers: ['127.0.0.1:9092', '127.0.0.1:9093'], topic: 'membership.v2' });
    // A configured secret wins over ROSTER_DEV_AUTH=1 (which `npm start` always sets).
    expect(config.auth).toEqual({
      jwtSecret: 's'.repeat(32),
      jwksUrl: undefined,
      developmentSecret: false,
      issuer: 'https://id.example.org',
      audience: 'roster',
      maxAgeSeconds: 3600,
    });
    expect([...config.run]).toEqual(['projections', 'publisher']);
    expect(config.invitationTtlDays).toBe(14);
    expect(config.stateCacheSize).toBe(0);
    expect(config.commandRetries).toBe(2);
    expect(config.commandRetryMs).toBe(0);
    expect(config.logLevel).toBe('debug');
    expect(config.logFormat).toBe('json');
    expect(config.readiness).toEqual({ maxLagSeconds: 5 });
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
    ['ROSTER_COMMAND_RETRY_MS', '60001'],
    ['ROSTER_COMMAND_RETRY_MS', '-1'],
    ['ROSTER_API_WORKERS', '0'],
    ['ROSTER_API_WORKERS', 'all'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_FORMAT', 'xml'],
    ['ROSTER_READY_MAX_LAG_SECONDS', '-1'],
    ['ROSTER_READY_MAX_LAG_SECONDS', '1.5'],
    ['ROSTER_DEV_AUTH', 'yes'],
    ['ROSTER_JWT_MAX_AGE_SECONDS', '0'],
    ['ROSTER_JWT_MAX_AGE_SECONDS', '1h'],
    ['KAFKA_SSL', 'true'],
    ['KAFKA_SSL_CA_FILE', '/nonexistent/ca.pem'],
    ['KAFKA_SASL_MECHANISM', 'gssapi'],
    ['KAFKA_SASL_USERNAME', 'roster'],
  ])('refuses a bad %s (%s) with an error naming it', (name, value) => {
    const load = () => loadRosterConfig({ ...DEV, [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(name);
    try {
      load();
    } catch (error) {
      expect((error as ConfigError).setting).toBe(name);
    }
  });

  it('runs as many API workers as there are cores over MongoDB read models, one over embedded ones, unless ROSTER_API_WORKERS says otherwise', () => {
    expect(loadRosterConfig({ ...DEV, MONGODB_URL: 'mongodb://127.0.0.1:27017' }).apiWorkers).toBe(availableParallelism());
    expect(loadRosterConfig({ ...DEV }).apiWorkers).toBe(1);
    expect(loadRosterConfig({ ...DEV, MONGODB_URL: 'mongodb://127.0.0.1:27017', ROSTER_API_WORKERS: '1' }).apiWorkers).toBe(1);
    expect(loadRosterConfig({ ...DEV, ROSTER_API_WORKERS: '1' }).apiWorkers).toBe(1);
    expect(loadRosterConfig({ ...DEV, ROSTER_API_WORKERS: '4' }).apiWorkers).toBe(4);
  });

  it('refuses both a JWT secret and a JWKS URL', () => {
    expect(() => loadRosterConfig({ ROSTER_JWT_SECRET: 's'.repeat(32), ROSTER_JWKS_URL: 'https://id.example.org/jwks' })).toThrow(
      'ROSTER_JWKS_URL',
    );
  });

  describe('token verification is an explicit choice', () => {
    it.each([
      ['nothing', {}],
      ['ROSTER_DEV_AUTH=0', { ROSTER_DEV_AUTH: '0' }],
      ['only an issuer and audience', { ROSTER_JWT_ISSUER: 'https://id.example.org', ROSTER_JWT_AUDIENCE: 'roster' }],
    ])('a process serving the API with %s refuses to start, naming the three settings', (_name, env) => {
      const load = () => loadRosterConfig(env);
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/ROSTER_JWT_SECRET.*ROSTER_JWKS_URL.*ROSTER_DEV_AUTH=1/s);
    });

    it('a secret, a JWKS URL (with issuer and audience) or ROSTER_DEV_AUTH=1 each suffices', () => {
      expect(loadRosterConfig({ ROSTER_JWT_SECRET: 's'.repeat(32) }).auth.jwtSecret).toBe('s'.repeat(32));
      const jwks = { ROSTER_JWKS_URL: 'https://id.example.org/jwks', ROSTER_JWT_ISSUER: 'https://id.example.org', ROSTER_JWT_AUDIENCE: 'roster' };
      expect(loadRosterConfig(jwks).auth).toMatchObject({ jwksUrl: 'https://id.example.org/jwks', developmentSecret: false });
      expect(loadRosterConfig({ ...jwks, ...DEV }).auth.developmentSecret).toBe(false);
      expect(loadRosterConfig({ ...DEV }).auth.developmentSecret).toBe(true);
    });

    it('a process without the API, or a tool, needs no choice', () => {
      expect(loadRosterConfig({ ROSTER_RUN: 'publisher' }).auth.developmentSecret).toBe(false);
      expect(loadRosterConfig({}, 'tool').auth).toMatchObject({ jwtSecret: undefined, jwksUrl: undefined, developmentSecret: false });
    });
  });

  describe('JWKS', () => {
    const base = { ROSTER_JWKS_URL: 'https://id.example.org/jwks', ROSTER_JWT_ISSUER: 'https://id.example.org', ROSTER_JWT_AUDIENCE: 'roster' };

    it.each(['ROSTER_JWT_ISSUER', 'ROSTER_JWT_AUDIENCE'])('requires %s', (missing) => {
      const env: Record<string, string> = { ...base };
      delete env[missing];
      const load = () => loadRosterConfig(env, 'tool');
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(`${missing} is required with ROSTER_JWKS_URL`);
    });

    it.each(['http://id.example.org/jwks', 'http://10.0.0.5/jwks', 'http://localhost.example.org/jwks'])('refuses %s (keys in clear over the network)', (url) => {
      expect(() => loadRosterConfig({ ...base, ROSTER_JWKS_URL: url })).toThrow('ROSTER_JWKS_URL must use https:');
    });

    it.each(['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9000/jwks', 'https://id.example.org/jwks'])('accepts %s', (url) => {
      expect(loadRosterConfig({ ...base, ROSTER_JWKS_URL: url }).auth.jwksUrl).toBe(url);
    });
  });

  describe('ROSTER_RUN is exact', () => {
    it.each(['api', 'api,publisher', 'projections', 'projections,publisher'])(
      'without MONGODB_URL, refuses %s: the embedded read models need api and projections in one process',
      (run) => {
        const load = () => loadRosterConfig({ ...DEV, ROSTER_RUN: run });
        expect(load).toThrow(ConfigError);
        expect(load).toThrow(/ROSTER_RUN lists .* without MONGODB_URL/);
      },
    );

    it.each(['publisher', 'api,projections', 'api,projections,publisher'])('without MONGODB_URL, runs %s as named', (run) => {
      expect([...loadRosterConfig({ ...DEV, ROSTER_RUN: run }).run].join(',')).toBe(run);
    });

    it('with MONGODB_URL, splits them freely', () => {
      expect([...loadRosterConfig({ ...DEV, MONGODB_URL: 'mongodb://127.0.0.1:27017', ROSTER_RUN: 'api' }).run]).toEqual(['api']);
    });
  });

  describe('Kafka TLS and SASL', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'roster-config-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const brokers = { ...DEV, KAFKA_BROKERS: 'kafka.example.org:9093' };
    const PASSWORD = ' s3cret-Pa55 ';

    it('has neither by default', () => {
      expect(loadRosterConfig(brokers).kafka).toEqual({ brokers: ['kafka.example.org:9093'], topic: 'roster.membership.v1' });
    });

    it('KAFKA_SSL=1 trusts the system CAs; CA and client certificate files are read once, here', () => {
      expect(loadRosterConfig({ ...brokers, KAFKA_SSL: '1' }).kafka?.ssl).toBe(true);
      for (const name of ['ca', 'cert', 'key']) writeFileSync(join(dir, `${name}.pem`), `-----BEGIN ${name}-----\n`);
      const config = loadRosterConfig({
        ...brokers,
        KAFKA_SSL: '1',
        KAFKA_SSL_CA_FILE: join(dir, 'ca.pem'),
        KAFKA_SSL_CERT_FILE: join(dir, 'cert.pem'),
        KAFKA_SSL_KEY_FILE: join(dir, 'key.pem'),
      });
      expect(config.kafka?.ssl).toEqual({ ca: '-----BEGIN ca-----\n', cert: '-----BEGIN cert-----\n', key: '-----BEGIN key-----\n' });
    });

    it('refuses TLS files without KAFKA_SSL=1, and a certificate without its key', () => {
      writeFileSync(join(dir, 'ca.pem'), 'x');
      expect(() => loadRosterConfig({ ...brokers, KAFKA_SSL_CA_FILE: join(dir, 'ca.pem') })).toThrow('KAFKA_SSL_CA_FILE is set but KAFKA_SSL is not 1');
      expect(() => loadRosterConfig({ ...brokers, KAFKA_SSL: '1', KAFKA_SSL_CERT_FILE: join(dir, 'ca.pem') })).toThrow('KAFKA_SSL_KEY_FILE');
    });

    it.each(['scram-sha-256', 'scram-sha-512', 'SCRAM-SHA-512'])('reads SASL %s with its username and (untrimmed) password', (mechanism) => {
      const config = loadRosterConfig({ ...brokers, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'roster', KAFKA_SASL_PASSWORD: PASSWORD });
      expect(config.kafka?.sasl).toEqual({ mechanism: mechanism.toLowerCase(), username: 'roster', password: PASSWORD });
    });

    it('takes SASL plain only inside TLS', () => {
      const plain = { ...brokers, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'roster', KAFKA_SASL_PASSWORD: PASSWORD };
      expect(() => loadRosterConfig(plain)).toThrow('KAFKA_SASL_MECHANISM plain sends the password in clear');
      expect(loadRosterConfig({ ...plain, KAFKA_SSL: '1' }).kafka).toMatchObject({ ssl: true, sasl: { mechanism: 'plain', username: 'roster' } });
    });

    it.each([
      ['a mechanism without a username', { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_PASSWORD: PASSWORD }, 'KAFKA_SASL_USERNAME'],
      ['a mechanism without a password', { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'roster' }, 'KAFKA_SASL_PASSWORD'],
      ['a password without a mechanism', { KAFKA_SASL_PASSWORD: PASSWORD }, 'KAFKA_SASL_PASSWORD'],
      ['an unknown mechanism', { KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_SASL_USERNAME: 'roster', KAFKA_SASL_PASSWORD: PASSWORD }, 'KAFKA_SASL_MECHANISM'],
    ])('refuses %s, naming the setting and never the password', (_name, env, setting) => {
      let error: unknown;
      try {
        loadRosterConfig({ ...brokers, ...env });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).setting).toBe(setting);
      expect((error as ConfigError).message).not.toContain(PASSWORD.trim());
    });
  });
});

describe('loadRosterConfig: HTTP limits', () => {
  const auth = { ROSTER_DEV_AUTH: '1' };
  it('gives the documented defaults', () => {
    expect(loadRosterConfig(auth).http).toEqual({
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
    const http = loadRosterConfig({ ...auth, ROSTER_COMMAND_RATE: '0', ROSTER_HTTP_REQUEST_TIMEOUT_MS: '2000', ROSTER_HTTP_HEADERS_TIMEOUT_MS: '5000' }).http;
    expect(http.commandRate).toBeUndefined();
    expect(http.headersTimeoutMs).toBe(2000);
  });

  it.each(['ROSTER_HTTP_REQUEST_TIMEOUT_MS', 'ROSTER_SHUTDOWN_TIMEOUT_MS', 'ROSTER_COMMAND_BURST'])('refuses 0 for %s, naming it', (name) => {
    expect(() => loadRosterConfig({ ...auth, [name]: '0' })).toThrow(name);
  });
});

describe('loadRosterConfig: the audit signing key', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'roster-audit-key-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes an Ed25519 key file; without one, the development key only with ROSTER_DEV_AUTH=1; checkpoints every hour by default', () => {
    const file = join(dir, 'ed25519.pem');
    writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const configured = loadRosterConfig({ ROSTER_JWT_SECRET: 'x'.repeat(32), ROSTER_DATA_DIR: dir, ROSTER_AUDIT_SIGNING_KEY_FILE: file });
    expect(configured.audit).toEqual({
      signingKeyPem: expect.stringContaining('BEGIN PRIVATE KEY'),
      developmentKey: false,
      checkpointIntervalSeconds: 3600,
      checkpointFile: join(dir, 'audit-checkpoints.ndjson'),
    });
    expect(loadRosterConfig({ ...DEV, ROSTER_DATA_DIR: dir }).audit.developmentKey).toBe(true);
    expect(loadRosterConfig({ ROSTER_JWT_SECRET: 'x'.repeat(32) }).audit).toMatchObject({ signingKeyPem: undefined, developmentKey: false });
  });

  it('the development key is made once in the data directory (mode 0600) and kept across starts', () => {
    const config = loadRosterConfig({ ...DEV, ROSTER_DATA_DIR: dir });
    const first = loadAuditSigner(config)!;
    expect(statSync(join(dir, 'dev-audit-signing-key.pem')).mode & 0o777).toBe(0o600);
    expect(loadAuditSigner(config)!.keyId).toBe(first.keyId);
  });

  it.each([
    ['a file that does not exist', () => join(dir, 'missing.pem'), /cannot be read/],
    ['an RSA key', () => writeKey('rsa.pem', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), /expected Ed25519/],
    ['a public key', () => writeKey('public.pem', generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString()), /PKCS#8/],
  ])('refuses %s, naming the setting', (_name, file, message) => {
    const load = () => loadRosterConfig({ ...DEV, ROSTER_AUDIT_SIGNING_KEY_FILE: file() });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/ROSTER_AUDIT_SIGNING_KEY_FILE/);
    expect(load).toThrow(message);
  });

  function writeKey(name: string, pem: string): string {
    writeFileSync(join(dir, name), pem);
    return join(dir, name);
  }
});

describe('loadRosterConfig: metrics', () => {
  const auth = { ROSTER_DEV_AUTH: '1' };
  it('measures by default, open to any scraper; ROSTER_METRICS=0 turns it off; ROSTER_METRICS_TOKEN puts it behind a bearer token', () => {
    expect(loadRosterConfig(auth).metrics).toEqual({ enabled: true });
    expect(loadRosterConfig({ ...auth, ROSTER_METRICS: '0' }).metrics).toEqual({ enabled: false });
    expect(loadRosterConfig({ ...auth, ROSTER_METRICS_TOKEN: 'scraper-secret-0123456789' }).metrics).toEqual({ enabled: true, token: 'scraper-secret-0123456789' });
  });

  it.each([
    [{ ROSTER_METRICS: 'off' }, 'ROSTER_METRICS'],
    [{ ROSTER_METRICS_TOKEN: 'short' }, 'ROSTER_METRICS_TOKEN'],
    [{ ROSTER_METRICS: '0', ROSTER_METRICS_TOKEN: 'scraper-secret-0123456789' }, 'ROSTER_METRICS_TOKEN'],
  ])('refuses %j, naming %s', (env, name) => {
    expect(() => loadRosterConfig({ ...auth, ...env })).toThrow(name);
  });
});
