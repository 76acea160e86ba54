import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadRosterConfig } from '../apps/roster/src/config/roster-config';
import { createApp } from '../apps/roster/src/main';

export interface RosterInProcess {
  readonly app: NestFastifyApplication;
  readonly baseUrl: string;
  close(): Promise<void>;
}

/**
 * The service in the test's own process, on 127.0.0.1 and a free port, configured from
 * `env` as from the environment (PORT, HOST and LOG_LEVEL=error unless given; no per-user
 * command rate unless ROSTER_COMMAND_RATE is given: suites send many commands as one user),
 * without Nest's logger.
 */
export async function startRosterInProcess(env: Record<string, string>): Promise<RosterInProcess> {
  const config = loadRosterConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', ROSTER_COMMAND_RATE: '0', ...env });
  const app = await createApp(config, { logger: false });
  const server = app.getHttpServer();
  if (!server.listening) await app.listen(0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  return { app, baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
}
