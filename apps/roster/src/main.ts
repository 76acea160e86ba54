import 'reflect-metadata';
import { HttpStatus, INestApplicationContext, Logger, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { AppModule } from './app.module';
import { ConfigError, loadRosterConfig, nestLogLevels, type RosterConfig } from './config/roster-config';
import { clientErrorAsProblem, frameworkErrorAsProblem } from './http/client-errors';
import { ProblemException } from './http/problem';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { mountApiDocs } from './http/docs';
import { createValidationPipe } from './http/validation';
import { describeEventStore } from './infrastructure/infrastructure.module';

export interface CreateAppOptions {
  /** Nest logger; default: the levels LOG_LEVEL allows. `false` silences it (tests, benchmarks). */
  readonly logger?: false | LogLevel[] | LoggerService;
}

/**
 * The HTTP service, wired and initialised but not listening: `await app.listen(port, host)`.
 * e2e tests and benchmarks start it in-process with their own config.
 */
export async function createApp(config: RosterConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    return503OnClosing: true,
    bodyLimit: 256 * 1024,
    // Errors raised below Nest (HTTP parser, Fastify's router) are problem+json too.
    clientErrorHandler: clientErrorAsProblem,
    // Typed against our fastify; the adapter's pinned copy has the same request/reply API.
    frameworkErrors: frameworkErrorAsProblem as never,
    // No Nest middleware here: without @fastify/middie no request runs its (empty) chain.
    skipMiddie: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: options.logger ?? nestLogLevels(config.logLevel),
    // No form parser: command bodies are JSON, anything else answers 415.
    bodyParser: false,
  });
  app.useGlobalFilters(new ProblemDetailsFilter());
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
  mountApiDocs(app, document);

  await app.init();
  // One fastify copy (package.json overrides the one @nestjs/platform-fastify pins); its types come from the adapter.
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  // Command bodies are JSON only: anything else is a 415, not a body to validate.
  fastify.removeContentTypeParser('text/plain');
  // An empty body sent as JSON (DELETE or accept from a client that always sets the header) is no body.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    // Nest would strip Fastify's parse error of its code: hand it a ProblemException instead.
    parseJson(request, body as string, (error, value) =>
      error ? done(new ProblemException(HttpStatus.BAD_REQUEST, 'REQUEST.MALFORMED_JSON', 'The body is not valid JSON'), undefined) : done(null, value),
    );
  });
  return app;
}

/** A process without the HTTP API (ROSTER_RUN without `api`): only the workers run. */
export async function createWorkerContext(config: RosterConfig, options: CreateAppOptions = {}): Promise<INestApplicationContext> {
  const context = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: options.logger ?? nestLogLevels(config.logLevel),
  });
  context.enableShutdownHooks();
  return context;
}

export async function bootstrap(env: NodeJS.ProcessEnv = process.env): Promise<INestApplicationContext> {
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
    logger.log(`Roster running without HTTP API; ${summary}`);
    return context;
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  logger.log(`Roster listening on http://${config.host}:${config.port} (docs at /docs); ${summary}`);
  return app;
}

if (require.main === module) {
  bootstrap().catch((error: unknown) => {
    new Logger('Roster').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
