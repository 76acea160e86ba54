import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { AS_OF_MAX_SNAPSHOTS, AuditKeyError, AuditSigner } from '@roster/audit';
import { ORGANIZATION_LIMITS } from '@roster/domain';

/**
 * The service's settings, read from the environment once at start-up and validated.
 * Only adapters and wiring see this object; libraries get plain option objects.
 */
export type RosterWorker = 'api' | 'projections' | 'publisher';
export const ROSTER_WORKERS: readonly RosterWorker[] = ['api', 'projections', 'publisher'];

export type LogLevel = 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
/** `json`: one JSON object per line (the Docker image's default); `text`: Nest's console lines. */
export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export interface RosterConfig {
  readonly port: number;
  /** Interface to bind; 127.0.0.1 unless HOST says otherwise (0.0.0.0 in a container). */
  readonly host: string;
  /** Absolute path of the data directory (SQLite store, dev secret, embedded read models). */
  readonly dataDir: string;
  readonly eventStore:
    | { readonly kind: 'sqlite'; readonly path: string }
    | { readonly kind: 'eventstoredb'; readonly connectionString: string };
  readonly mongo?: { readonly url: string; readonly database: string };
  /** Database name even without MONGODB_URL, for tools that need one. */
  readonly mongoDatabase: string;
  readonly kafka?: {
    readonly brokers: readonly string[];
    readonly topic: string;
    /** TLS to the brokers: `true` trusts the system's CAs; PEM contents otherwise. */
    readonly ssl?: KafkaTls;
    readonly sasl?: KafkaSasl;
  };
  readonly kafkaTopic: string;
  readonly auth: {
    readonly jwtSecret?: string;
    readonly jwksUrl?: string;
    /** ROSTER_DEV_AUTH=1 and neither of the above: the secret kept in `${dataDir}/dev-jwt-secret`. */
    readonly developmentSecret: boolean;
    /** Required `iss` and `aud`; both are set whenever jwksUrl is. */
    readonly issuer?: string;
    readonly audience?: string;
    /** Tokens older than this (from `iat`) are refused, whatever their `exp`. */
    readonly maxAgeSeconds: number;
  };
  /** Workers this process runs; the publisher acts only when Kafka is configured. */
  readonly run: ReadonlySet<RosterWorker>;
  /** API processes sharing the port (node:cluster), each with its own caches and read-model copies; 1: this process alone. */
  readonly apiWorkers: number;
  readonly invitationTtlDays: number;
  readonly stateCacheSize: number;
  /** Folded states the as-of index keeps over all organizations (its memory bound; AS_OF_MAX_SNAPSHOTS). */
  readonly asOfMaxSnapshots: number;
  /** Extra attempts after a concurrency conflict always allowed before answering 409. */
  readonly commandRetries: number;
  /** Beyond commandRetries, a conflicting command is tried again while within this many ms of its first attempt. */
  readonly commandRetryMs: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** What /health/ready tolerates. */
  readonly readiness: { readonly maxLagSeconds: number };
  /** GET /metrics: off with ROSTER_METRICS=0 (nothing is measured then); behind this bearer token when set. */
  readonly metrics: { readonly enabled: boolean; readonly token?: string };
  /** What a client may hold and send: timeouts, the command rate per user, read-your-writes waiters. */
  readonly http: HttpLimits;
  readonly audit: AuditSettings;
}

/** Signed exports and checkpoints (docs/audit-export.md). */
export interface AuditSettings {
  /** ROSTER_AUDIT_SIGNING_KEY_FILE's contents: an Ed25519 private key, PEM (PKCS#8). */
  readonly signingKeyPem?: string;
  /** No key file and ROSTER_DEV_AUTH=1: a key made once and kept in `${dataDir}/dev-audit-signing-key.pem`. */
  readonly developmentKey: boolean;
  /** Seconds between two signed checkpoints of every chain's head; 0: none. */
  readonly checkpointIntervalSeconds: number;
  /** Where checkpoints are appended: keep it apart from the store (another volume, another machine's mount). */
  readonly checkpointFile: string;
}

export interface HttpLimits {
  /** The whole request (headers and body) must arrive within this; then 408 and the connection closes. */
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed. */
  readonly connectionTimeoutMs: number;
  /** SIGTERM: connections still open after this are cut, and the process exits. */
  readonly shutdownTimeoutMs: number;
  /** Commands per second per user (token bucket refill), `undefined`: no limit. */
  readonly commandRate?: { readonly perSecond: number; readonly burst: number };
  /** Queries waiting for X-Min-Position at once; more answer 503. */
  readonly minPositionWaiters: number;
}

export type KafkaTls = true | { readonly ca?: string; readonly cert?: string; readonly key?: string };
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];
/** One per mechanism, as kafkajs types them. The password is never logged, never in an error message. */
export type KafkaSasl = { [M in KafkaSaslMechanism]: { readonly mechanism: M; readonly username: string; readonly password: string } }[KafkaSaslMechanism];

/** A setting that cannot be used; the message names it, and start-up stops. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`Invalid configuration: ${setting} ${message}`);
    this.name = 'ConfigError';
  }
}

/** A day: long enough for a working session's token, short enough that a leaked one dies soon. */
export const DEFAULT_TOKEN_MAX_AGE_SECONDS = 24 * 3600;

/** Injection token for the RosterConfig. */
export const ROSTER_CONFIG = Symbol('ROSTER_CONFIG');

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

function list(env: Env, name: string): string[] | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) throw new ConfigError(name, 'must list at least one value');
  return items;
}

/** An on/off setting: `1` or `0`, unset is off. */
function flag(env: Env, name: string): boolean {
  const raw = text(env, name);
  if (raw === undefined || raw === '0') return false;
  if (raw === '1') return true;
  throw new ConfigError(name, `must be 1 or 0, got "${raw}"`);
}

/** The contents of the PEM file a setting names, read once here. */
function pemFile(env: Env, name: string): string | undefined {
  const path = text(env, name);
  if (path === undefined) return undefined;
  try {
    return readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw new ConfigError(name, `names a file that cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): ${path}`);
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function kafkaTls(env: Env): KafkaTls | undefined {
  const enabled = flag(env, 'KAFKA_SSL');
  const ca = pemFile(env, 'KAFKA_SSL_CA_FILE');
  const cert = pemFile(env, 'KAFKA_SSL_CERT_FILE');
  const key = pemFile(env, 'KAFKA_SSL_KEY_FILE');
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(cert === undefined ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE', 'must be set together with its pair (a client certificate and its key)');
  }
  if (!enabled) {
    const stray = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE'].find((name) => text(env, name) !== undefined);
    if (stray) throw new ConfigError(stray, 'is set but KAFKA_SSL is not 1');
    return undefined;
  }
  if (ca === undefined && cert === undefined) return true;
  return { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert, key } : {}) };
}

function kafkaSasl(env: Env, tls: boolean): KafkaSasl | undefined {
  const mechanism = text(env, 'KAFKA_SASL_MECHANISM')?.toLowerCase();
  const username = text(env, 'KAFKA_SASL_USERNAME');
  // Taken as given (not trimmed): a password may begin or end with a space.
  const password = env.KAFKA_SASL_PASSWORD === '' ? undefined : env.KAFKA_SASL_PASSWORD;
  if (mechanism === undefined) {
    if (username !== undefined) throw new ConfigError('KAFKA_SASL_USERNAME', 'is set but KAFKA_SASL_MECHANISM is not');
    if (password !== undefined) throw new ConfigError('KAFKA_SASL_PASSWORD', 'is set but KAFKA_SASL_MECHANISM is not');
    return undefined;
  }
  if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new ConfigError('KAFKA_SASL_MECHANISM', `must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}; got "${mechanism}"`);
  }
  if (username === undefined) throw new ConfigError('KAFKA_SASL_USERNAME', `is required with KAFKA_SASL_MECHANISM=${mechanism}`);
  if (password === undefined) throw new ConfigError('KAFKA_SASL_PASSWORD', `is required with KAFKA_SASL_MECHANISM=${mechanism}`);
  // PLAIN sends the password as it is: only inside TLS.
  if (mechanism === 'plain' && !tls) throw new ConfigError('KAFKA_SASL_MECHANISM', 'plain sends the password in clear: set KAFKA_SSL=1 too');
  return { mechanism: mechanism as KafkaSaslMechanism, username, password } as KafkaSasl;
}

/**
 * What reads the config: the service (which must know how to verify tokens when it serves
 * the API) or a tool such as the CLI (which serves nothing).
 */
export type ConfigPurpose = 'service' | 'tool';

export function loadRosterConfig(env: Env = process.env, purpose: ConfigPurpose = 'service'): RosterConfig {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = text(env, 'HOST') ?? '127.0.0.1';
  const dataDir = resolve(text(env, 'ROSTER_DATA_DIR') ?? './data');

  const connectionString = text(env, 'EVENTSTORE_CONNECTION_STRING');
  if (connectionString !== undefined && !/^(esdb|esdb\+discover):\/\//.test(connectionString)) {
    throw new ConfigError('EVENTSTORE_CONNECTION_STRING', 'must start with esdb:// or esdb+discover://');
  }

  const mongoUrl = url(env, 'MONGODB_URL', ['mongodb:', 'mongodb+srv:']);
  const mongoDatabase = text(env, 'ROSTER_MONGODB_DB') ?? 'roster';
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(mongoDatabase)) {
    throw new ConfigError('ROSTER_MONGODB_DB', `must be a database name (letters, digits, _ and -), got "${mongoDatabase}"`);
  }

  const brokers = list(env, 'KAFKA_BROKERS');
  for (const broker of brokers ?? []) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(broker)) throw new ConfigError('KAFKA_BROKERS', `must be host:port items, got "${broker}"`);
  }
  const kafkaTopic = text(env, 'ROSTER_KAFKA_TOPIC') ?? 'roster.membership.v1';
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(kafkaTopic)) {
    throw new ConfigError('ROSTER_KAFKA_TOPIC', `must be a Kafka topic name, got "${kafkaTopic}"`);
  }

  const jwtSecret = text(env, 'ROSTER_JWT_SECRET');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) {
    throw new ConfigError('ROSTER_JWT_SECRET', 'must be at least 32 bytes long (HS256)');
  }
  const jwksUrl = url(env, 'ROSTER_JWKS_URL', ['https:', 'http:']);
  if (jwtSecret !== undefined && jwksUrl !== undefined) {
    throw new ConfigError('ROSTER_JWKS_URL', 'and ROSTER_JWT_SECRET are both set; choose one');
  }
  // Keys fetched in clear could be swapped on the way: http only to this machine.
  if (jwksUrl !== undefined && new URL(jwksUrl).protocol === 'http:' && !LOOPBACK_HOSTS.has(new URL(jwksUrl).hostname)) {
    throw new ConfigError('ROSTER_JWKS_URL', 'must use https: (http: only for localhost, 127.0.0.1 or [::1])');
  }
  const issuer = text(env, 'ROSTER_JWT_ISSUER');
  const audience = text(env, 'ROSTER_JWT_AUDIENCE');
  // An identity provider signs tokens for many applications: iss and aud say which are ours.
  if (jwksUrl !== undefined && issuer === undefined) throw new ConfigError('ROSTER_JWT_ISSUER', 'is required with ROSTER_JWKS_URL');
  if (jwksUrl !== undefined && audience === undefined) throw new ConfigError('ROSTER_JWT_AUDIENCE', 'is required with ROSTER_JWKS_URL');
  // The development secret is an explicit choice, and only a fallback: a configured key wins.
  const developmentSecret = flag(env, 'ROSTER_DEV_AUTH') && jwtSecret === undefined && jwksUrl === undefined;

  const workers = list(env, 'ROSTER_RUN') ?? [...ROSTER_WORKERS];
  for (const worker of workers) {
    if (!(ROSTER_WORKERS as readonly string[]).includes(worker)) {
      throw new ConfigError('ROSTER_RUN', `must list ${ROSTER_WORKERS.join(', ')}; got "${worker}"`);
    }
  }
  if (purpose === 'service') {
    if (workers.includes('api') && jwtSecret === undefined && jwksUrl === undefined && !developmentSecret) {
      throw new ConfigError(
        'ROSTER_JWT_SECRET, ROSTER_JWKS_URL or ROSTER_DEV_AUTH',
        'must be set: ROSTER_JWT_SECRET (HS256 secret) or ROSTER_JWKS_URL (the identity provider\'s keys) in production, ' +
          'or ROSTER_DEV_AUTH=1 for a development secret kept in the data directory (npm start sets it)',
      );
    }
    // Without MongoDB the read models live in the API process's memory, fed by its own projection.
    if (mongoUrl === undefined && workers.includes('api') !== workers.includes('projections')) {
      throw new ConfigError(
        'ROSTER_RUN',
        `lists ${workers.includes('api') ? 'api without projections' : 'projections without api'}, but without MONGODB_URL ` +
          'the read models live in the memory of the API process and only its own projection feeds them: list both, or set MONGODB_URL',
      );
    }
  }

  const kafkaSsl = kafkaTls(env);
  const kafkaSaslSettings = kafkaSasl(env, kafkaSsl !== undefined);

  const logLevel = (text(env, 'LOG_LEVEL') ?? 'log').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}"`);
  }

  const logFormat = (text(env, 'LOG_FORMAT') ?? 'text').toLowerCase();
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw new ConfigError('LOG_FORMAT', `must be one of ${LOG_FORMATS.join(', ')}; got "${logFormat}"`);
  }

  return {
    port,
    host,
    dataDir,
    eventStore:
      connectionString !== undefined
        ? { kind: 'eventstoredb', connectionString }
        : { kind: 'sqlite', path: resolve(dataDir, 'events.sqlite') },
    mongo: mongoUrl !== undefined ? { url: mongoUrl, database: mongoDatabase } : undefined,
    mongoDatabase,
    kafka:
      brokers !== undefined
        ? { brokers, topic: kafkaTopic, ...(kafkaSsl !== undefined ? { ssl: kafkaSsl } : {}), ...(kafkaSaslSettings !== undefined ? { sasl: kafkaSaslSettings } : {}) }
        : undefined,
    kafkaTopic,
    auth: {
      jwtSecret,
      jwksUrl,
      developmentSecret,
      issuer,
      audience,
      maxAgeSeconds: integer(env, 'ROSTER_JWT_MAX_AGE_SECONDS', DEFAULT_TOKEN_MAX_AGE_SECONDS, 60, 30 * 24 * 3600),
    },
    run: new Set(workers as RosterWorker[]),
    invitationTtlDays: integer(
      env,
      'ROSTER_INVITATION_TTL_DAYS',
      ORGANIZATION_LIMITS.expiresInDaysDefault,
      ORGANIZATION_LIMITS.expiresInDaysMin,
      ORGANIZATION_LIMITS.expiresInDaysMax,
    ),
    stateCacheSize: integer(env, 'ROSTER_STATE_CACHE_SIZE', 10000, 0, 10_000_000),
    // Every core when the read models are shared (MongoDB); one without, where each worker would
    // replay the whole store into read models of its own (twice the memory and projection work)
    // and a read could reach a worker that has not yet applied the write it follows.
    apiWorkers: integer(env, 'ROSTER_API_WORKERS', mongoUrl === undefined ? 1 : availableParallelism(), 1, 256),
    asOfMaxSnapshots: integer(env, 'ROSTER_AS_OF_MAX_SNAPSHOTS', AS_OF_MAX_SNAPSHOTS, 1, 10_000_000),
    commandRetries: integer(env, 'ROSTER_COMMAND_RETRIES', 5, 0, 100),
    commandRetryMs: integer(env, 'ROSTER_COMMAND_RETRY_MS', 5000, 0, 60_000),
    logLevel: logLevel as LogLevel,
    logFormat: logFormat as LogFormat,
    http: httpLimits(env),
    readiness: { maxLagSeconds: integer(env, 'ROSTER_READY_MAX_LAG_SECONDS', 30, 0, 86_400) },
    audit: auditSettings(env, dataDir),
    metrics: metricsSettings(env),
  };
}

function auditSettings(env: Env, dataDir: string): AuditSettings {
  const signingKeyPem = pemFile(env, 'ROSTER_AUDIT_SIGNING_KEY_FILE');
  if (signingKeyPem !== undefined) {
    try {
      AuditSigner.fromPem(signingKeyPem);
    } catch (error) {
      if (error instanceof AuditKeyError) throw new ConfigError('ROSTER_AUDIT_SIGNING_KEY_FILE', `must hold an Ed25519 private key: ${error.message}`);
      throw error;
    }
  }
  return {
    signingKeyPem,
    developmentKey: signingKeyPem === undefined && flag(env, 'ROSTER_DEV_AUTH'),
    checkpointIntervalSeconds: integer(env, 'ROSTER_AUDIT_CHECKPOINT_INTERVAL_SECONDS', 3600, 0, 7 * 24 * 3600),
    checkpointFile: resolve(text(env, 'ROSTER_AUDIT_CHECKPOINT_FILE') ?? resolve(dataDir, 'audit-checkpoints.ndjson')),
  };
}

function metricsSettings(env: Env): RosterConfig['metrics'] {
  const enabled = text(env, 'ROSTER_METRICS') ?? '1';
  if (enabled !== '0' && enabled !== '1') throw new ConfigError('ROSTER_METRICS', `must be 1 or 0, got "${enabled}"`);
  const token = text(env, 'ROSTER_METRICS_TOKEN');
  // A scraper's secret, compared in constant time: long enough not to be guessed.
  if (token !== undefined && Buffer.byteLength(token) < 16) throw new ConfigError('ROSTER_METRICS_TOKEN', 'must be at least 16 bytes long');
  if (token !== undefined && enabled === '0') throw new ConfigError('ROSTER_METRICS_TOKEN', 'is set but ROSTER_METRICS is 0');
  return { enabled: enabled === '1', ...(token !== undefined ? { token } : {}) };
}

function httpLimits(env: Env): HttpLimits {
  const requestTimeoutMs = integer(env, 'ROSTER_HTTP_REQUEST_TIMEOUT_MS', 30_000, 1, 3_600_000);
  const perSecond = integer(env, 'ROSTER_COMMAND_RATE', 5, 0, 1_000_000);
  return {
    requestTimeoutMs,
    // Node requires the headers' deadline to be at most the request's.
    headersTimeoutMs: Math.min(integer(env, 'ROSTER_HTTP_HEADERS_TIMEOUT_MS', 10_000, 1, 3_600_000), requestTimeoutMs),
    keepAliveTimeoutMs: integer(env, 'ROSTER_HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 1, 3_600_000),
    connectionTimeoutMs: integer(env, 'ROSTER_HTTP_CONNECTION_TIMEOUT_MS', 60_000, 1, 3_600_000),
    shutdownTimeoutMs: integer(env, 'ROSTER_SHUTDOWN_TIMEOUT_MS', 10_000, 1, 3_600_000),
    commandRate: perSecond === 0 ? undefined : { perSecond, burst: integer(env, 'ROSTER_COMMAND_BURST', 30, 1, 1_000_000) },
    minPositionWaiters: integer(env, 'ROSTER_MIN_POSITION_WAITERS', 1000, 0, 1_000_000),
  };
}

/** Log levels Nest should print for the configured LOG_LEVEL (it and every more severe one). */
export function nestLogLevels(level: LogLevel): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}
