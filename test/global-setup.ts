import { startServers, type StartedServers } from '../libs/testing/src/servers';

declare global {
  // Handles kept from global setup to global teardown (same jest parent process).
  var __rosterServers: StartedServers | undefined;
}

/**
 * Integration project setup: finds or starts MongoDB (FerretDB), Kafka and, where reachable,
 * EventStoreDB once per run, and hands their addresses to the test workers through the
 * environment. Servers configured in the environment are used as they are.
 */
export default async function globalSetup(): Promise<void> {
  process.stdout.write('\n');
  const servers = await startServers(
    { mongo: true, kafka: true, eventstore: true },
    { log: (line) => process.stdout.write(`${line}\n`) },
  );
  globalThis.__rosterServers = servers;
  // Workers are forked after global setup and inherit this environment.
  Object.assign(process.env, servers.env);
  // The services the suites spawn run as one process unless a test asks for more: the suites
  // read right after writing without X-Min-Position, signal and kill the pid they spawned, and
  // read one process's log. test/api-workers.e2e-spec.ts runs several.
  process.env.ROSTER_API_WORKERS ??= '1';
}
