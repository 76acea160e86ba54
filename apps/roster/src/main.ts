import 'reflect-metadata';
import cluster from 'node:cluster';
import { INestApplicationContext, Logger, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { AppModule } from './app.module';
import { ConfigError, loadRosterConfig, type RosterConfig } from './config/roster-config';
import { clientErrorAsProblem, frameworkErrorAsProblem, MAX_PATH_PARAM_LENGTH } from './http/client-errors';
import { answerCommandsAheadOfNest } from './http/command-fast-path';
import { documentCommandRate, limitCommandRate } from './http/command-rate-limit';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { mountApiDocs } from './http/docs';
import { useJsonBodies } from './http/json-body';
import { RouteMethods } from './http/route-methods';
import { cutOffAtShutdownDeadline } from './http/shutdown-deadline';
import { createValidationPipe } from './http/validation';
import { relayKeyDestruction } from './infrastructure/cluster-key-destruction';
import { describeEventStore } from './infrastructure/infrastructure.module';
import { serveClusterScrapes } from './metrics/cluster-scrape';
import { trackRequests } from './observability/request-context';
import { rosterLogger } from './observability/roster-logger';

export interface CreateAppOptions {
  /** Nest logger; default: LOG_FORMAT, and the levels LOG_LEVEL allows. `false` silences it (tests, benchmarks). */
  readonly logger?: false | LogLevel[] | LoggerService;
}

/**
 * The HTTP service, wired and initialised but not listening: `await app.listen(port, host)`.
 * e2e tests and benchmarks start it in-process with their own config.
 */
export async function createApp(config: RosterConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const limits = config.http;
  const adapter = new FastifyAdapter({
    return503OnClosing: true,
    bodyLimit: 256 * 1024,
    // A slow or stalled client is cut off (408), and cannot hold the service or its shutdown.
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks the request and header deadlines on this interval (30 s by default).
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs) },
    // Every id fits in a path segment, up to the longest user id; longer is a 414.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // Errors raised below Nest (HTTP parser, Fastify's router) are problem+json too.
    clientErrorHandler: clientErrorAsProblem,
    // Typed against our fastify; the adapter's pinned copy has the same request/reply API.
    frameworkErrors: frameworkErrorAsProblem as never,
    // No Nest middleware here: without @fastify/middie no request runs its (empty) chain.
    skipMiddie: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: options.logger ?? rosterLogger(config),
    // No form parser: command bodies are JSON, anything else answers 415.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  // First: every later hook, route and log line runs in the request's context.
  trackRequests(fastify);
  const problems = new ProblemDetailsFilter(RouteMethods.recordedOn(fastify));
  app.useGlobalFilters(problems);
  if (limits.commandRate) await limitCommandRate(app, limits.commandRate);
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Roster')
      .setDescription(
        'Event-sourced membership service for open-data portals. Errors are application/problem+json with a stable `code`; ' +
          'revisions and positions are 64-bit integers sent as decimal strings.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  documentCommandRate(document);
  mountApiDocs(app, document);

  await app.init();
  answerCommandsAheadOfNest(app, problems);
  // One fastify copy (package.json overrides the one @nestjs/platform-fastify pins).
  useJsonBodies(fastify);
  return app;
}

/** A process without the HTTP API (ROSTER_RUN without `api`): only the workers run. */
export async function createWorkerContext(config: RosterConfig, options: CreateAppOptions = {}): Promise<INestApplicationContext> {
  const context = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: options.logger ?? rosterLogger(config),
  });
  context.enableShutdownHooks();
  return context;
}

export async function bootstrap(env: NodeJS.ProcessEnv = process.env): Promise<INestApplicationContext> {
  // Until the config is read (and when it cannot be), lines still come in the format asked for.
  Logger.overrideLogger(rosterLogger({ logFormat: env.LOG_FORMAT?.trim().toLowerCase() === 'json' ? 'json' : 'text', logLevel: 'log' }));
  const logger = new Logger('Roster');
  let config: RosterConfig;
  try {
    config = loadRosterConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const workers = [...config.run].filter((worker) => worker !== 'publisher' || config.kafka !== undefined);
  const summary = `store: ${describeEventStore(config)}; workers: ${workers.join(', ') || 'none'}`;
  if (config.run.has('publisher') && config.kafka === undefined) {
    logger.log('Kafka publisher idle: KAFKA_BROKERS is not set');
  }
  if (!config.run.has('api')) {
    const context = await createWorkerContext(config);
    cutOffAtShutdownDeadline(undefined, config.http.shutdownTimeoutMs, logger);
    logger.log(`Roster running without HTTP API; ${summary}`);
    return context;
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  cutOffAtShutdownDeadline(app.getHttpServer(), config.http.shutdownTimeoutMs, logger);
  logger.log(`Roster listening on http://${config.host}:${config.port} (docs at /docs); ${summary}`);
  return app;
}

/**
 * ROSTER_API_WORKERS > 1 with the API: this process forks that many copies of the service
 * sharing the port (node:cluster hands them the connections in turn) and only watches them.
 * Each copy keeps its own caches and read-model copies; appends stay safe across them (each
 * checks its expected revision in the store), and the leases keep one projection writer and
 * one publisher. A copy that dies after it served is replaced; one that dies before it ever
 * listened stops the start (a bad setting or a taken port would fail every copy alike).
 * SIGTERM and SIGINT go to every copy, and this process ends when they have. With metrics on,
 * it also answers the copies' scrapes with every copy's metrics combined (cluster-scrape.ts),
 * and relays a key destroyed in one copy to the others (cluster-key-destruction.ts).
 */
export function superviseApiWorkers(count: number, metrics = true): void {
  const logger = new Logger('Roster');
  let stopping = false;
  const listening = new Set<number>();
  cluster.on('listening', (worker) => listening.add(worker.id));
  cluster.on('exit', (worker, code, signal) => {
    const served = listening.delete(worker.id);
    const left = Object.keys(cluster.workers ?? {}).length;
    if (stopping) {
      if (left === 0) process.exit(0);
    } else if (!served) {
      logger.error(`API worker ${worker.process.pid} exited (${signal ?? code}) before it listened; stopping`);
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      process.exitCode = 1;
      if (left === 0) process.exit(1);
    } else {
      logger.error(`API worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
      cluster.fork();
    }
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    });
  }
  if (metrics) serveClusterScrapes();
  relayKeyDestruction();
  logger.log(`Starting ${count} API workers sharing the port (ROSTER_API_WORKERS)`);
  for (let i = 0; i < count; i++) cluster.fork();
}

/** The entry point: one service process, or the supervisor of ROSTER_API_WORKERS of them. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (cluster.isPrimary) {
    let config: RosterConfig | undefined;
    try {
      config = loadRosterConfig(env);
    } catch (error) {
      // bootstrap() reports it, as it does without workers.
      if (!(error instanceof ConfigError)) throw error;
    }
    if (config && config.run.has('api') && config.apiWorkers > 1) return superviseApiWorkers(config.apiWorkers, config.metrics.enabled);
  }
  await bootstrap(env);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    new Logger('Roster').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
