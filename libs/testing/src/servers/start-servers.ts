import { eventStoreDbConnection } from './eventstore';
import { startKafka } from './kafka';
import { sweepStaleRuns } from './managed-process';
import { startMongo } from './mongo';
import { harnessPaths, type HarnessOptions } from './process-util';
import type { EventStoreDbServer, KafkaServer, MongoServer } from './server-handle';

export interface ServersWanted {
  mongo?: boolean;
  kafka?: boolean;
  eventstore?: boolean;
}

export interface StartedServers {
  mongo?: MongoServer;
  kafka?: KafkaServer;
  eventstore?: EventStoreDbServer;
  /** The `[servers] ...` lines, one per server, also printed through `log`. */
  lines: string[];
  /** Env entries for the started servers (MONGODB_URL, KAFKA_BROKERS, EVENTSTORE_CONNECTION_STRING when any). */
  env: Record<string, string>;
  /** Stops everything started here; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartServersOptions extends HarnessOptions {
  /** Where the `[servers]` lines go; console.log when omitted. Pass () => {} for silence. */
  log?: (line: string) => void;
}

/**
 * Finds or starts the wanted servers in parallel (environment, then Docker, then local
 * toolchains) and prints which was used. If one fails, the others are stopped and the error
 * (with the failing server's log tail) is thrown.
 */
export async function startServers(wanted: ServersWanted, options: StartServersOptions = {}): Promise<StartedServers> {
  const log = options.log ?? ((line: string) => console.log(line));
  const opts: HarnessOptions = { ...options, log };
  const { cacheDir } = harnessPaths(opts);
  const reaped = sweepStaleRuns(cacheDir);
  if (reaped > 0) log(`[servers] stopped ${reaped} server process(es) left behind by an earlier run`);

  const started = Date.now();
  const [mongo, kafka, eventstore] = await Promise.allSettled([
    wanted.mongo ? startMongo(opts) : Promise.resolve(undefined),
    wanted.kafka ? startKafka(opts) : Promise.resolve(undefined),
    wanted.eventstore ? eventStoreDbConnection(opts) : Promise.resolve(undefined),
  ]);
  const handles = [mongo, kafka, eventstore].flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.allSettled(handles.map((h) => h.stop()));
  };
  const failures = [mongo, kafka, eventstore].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failures.length > 0) {
    await stop();
    throw new Error(failures.map((f) => f.message).join('\n\n'));
  }

  const result: StartedServers = { lines: [], env: {}, stop };
  if (mongo.status === 'fulfilled' && mongo.value) {
    result.mongo = mongo.value;
    result.env.MONGODB_URL = mongo.value.url;
    result.lines.push(`[servers] MongoDB: ${mongo.value.description}`);
  }
  if (kafka.status === 'fulfilled' && kafka.value) {
    result.kafka = kafka.value;
    result.env.KAFKA_BROKERS = kafka.value.brokers.join(',');
    result.lines.push(`[servers] Kafka: ${kafka.value.description}`);
  }
  if (eventstore.status === 'fulfilled' && eventstore.value) {
    result.eventstore = eventstore.value;
    if (eventstore.value.connectionString) result.env.EVENTSTORE_CONNECTION_STRING = eventstore.value.connectionString;
    result.lines.push(`[servers] EventStoreDB: ${eventstore.value.description}`);
  }
  result.lines.push(`[servers] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const line of result.lines) log(line);
  return result;
}
