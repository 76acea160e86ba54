import { spawnSync } from 'node:child_process';
import { describeEventStoreContract } from '../event-store.contract';
import { EventStore } from '../event-store.port';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

/**
 * Runs the EventStore contract against a real EventStoreDB: the one named by
 * EVENTSTORE_CONNECTION_STRING (the harness's global setup sets it when it started one),
 * else one started here in Docker. With neither, the suite is skipped by name.
 * Jest decides skips while collecting, synchronously: hence a child process for the probe.
 */
const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;
const runnable = Boolean(connectionString) || dockerEngineAnswers();

if (runnable) {
  describeEventStoreContract('EventStoreDbEventStore', async () => {
    const { eventStoreDbConnection } = await import('@roster/testing');
    const server = await eventStoreDbConnection();
    if (!server.connectionString) throw new Error(`EventStoreDB unavailable: ${server.description}`);
    const url = server.connectionString;
    let store: EventStore = new EventStoreDbEventStore({ connectionString: url });
    return {
      get store() {
        return store;
      },
      async dispose() {
        await store.close();
        await server.stop();
      },
      async reopen() {
        await store.close();
        store = new EventStoreDbEventStore({ connectionString: url });
        return store;
      },
    };
  });
} else {
  describe.skip('EventStoreDB adapter contract (skipped: no EVENTSTORE_CONNECTION_STRING and no Docker engine)', () => {
    it('runs the EventStore contract against EventStoreDB', () => undefined);
  });
}

/** Same rule as the harness's probe: a Docker socket (or DOCKER_HOST) whose engine answers /_ping. */
function dockerEngineAnswers(): boolean {
  if (process.env.ROSTER_TEST_DOCKER === '0') return false;
  const probe = `
    const fs = require('node:fs'), http = require('node:http'), os = require('node:os'), path = require('node:path');
    const host = process.env.DOCKER_HOST;
    let request;
    if (host && /^tcp:\\/\\//.test(host)) {
      const url = new URL(host.replace(/^tcp:/, 'http:'));
      request = { host: url.hostname, port: Number(url.port || 2375) };
    } else {
      const socket = (host && host.startsWith('unix://') ? [host.slice(7)] : [
        process.env.TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE, '/var/run/docker.sock',
        path.join(os.homedir(), '.docker', 'run', 'docker.sock'),
        path.join(os.homedir(), '.docker', 'desktop', 'docker.sock'),
        process.env.XDG_RUNTIME_DIR && path.join(process.env.XDG_RUNTIME_DIR, 'docker.sock'),
      ]).filter(Boolean).find((c) => fs.existsSync(c));
      if (!socket) process.exit(1);
      request = { socketPath: socket };
    }
    const req = http.get({ ...request, path: '/_ping', timeout: 2000 }, (res) => process.exit(res.statusCode === 200 ? 0 : 1));
    req.on('timeout', () => process.exit(1));
    req.on('error', () => process.exit(1));
  `;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5_000, stdio: 'ignore' }).status === 0;
}
