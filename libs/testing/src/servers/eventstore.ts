import { probeDocker } from './docker';
import type { HarnessOptions } from './process-util';
import { type EventStoreDbServer, once } from './server-handle';

const EVENTSTORE_IMAGE = 'eventstore/eventstore:24.10';

/**
 * An EventStoreDB connection: EVENTSTORE_CONNECTION_STRING when set, else an insecure single
 * node in Docker when an engine answers, else none: connectionString undefined and the
 * description says why (EventStoreDB legs then skip by name). No registry here carries it.
 */
export async function eventStoreDbConnection(options: HarnessOptions = {}): Promise<EventStoreDbServer> {
  const env = options.env ?? process.env;
  if (env.EVENTSTORE_CONNECTION_STRING) {
    return {
      connectionString: env.EVENTSTORE_CONNECTION_STRING,
      description: 'configured by EVENTSTORE_CONNECTION_STRING',
      stop: async () => {},
    };
  }
  const docker = await probeDocker(env);
  if (!docker.available) {
    return {
      connectionString: undefined,
      description: `none (no EVENTSTORE_CONNECTION_STRING, ${docker.reason}; no registry carries EventStoreDB): its tests skip`,
      stop: async () => {},
    };
  }
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(EVENTSTORE_IMAGE)
    .withEnvironment({
      EVENTSTORE_INSECURE: 'true',
      EVENTSTORE_RUN_PROJECTIONS: 'None',
      EVENTSTORE_MEM_DB: 'true',
      EVENTSTORE_TELEMETRY_OPTOUT: 'true',
    })
    .withExposedPorts(2113)
    .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
    .start();
  const where = `${container.getHost()}:${container.getMappedPort(2113)}`;
  return {
    connectionString: `esdb://${where}?tls=false`,
    description: `${EVENTSTORE_IMAGE} in Docker (testcontainers, insecure) on ${where}`,
    stop: once(async () => {
      await container.stop();
    }),
  };
}
