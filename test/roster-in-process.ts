import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OrganizationCommand } from '@roster/domain';
import { requireKafkaBrokers } from '@roster/messaging/testing/kafka-test-kit';
import { signTestToken } from '@roster/testing';
import { CommandSender } from '../apps/roster/src/command-handling/command-sender';
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

/**
 * The service in process with its publisher on the suite's Kafka broker, writing to `topic`,
 * over a fresh data directory that `close` removes.
 */
export async function startPublishingRosterInProcess(name: string, topic: string): Promise<RosterInProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `roster-${name}-e2e-`));
  const roster = await startRosterInProcess({
    ROSTER_DATA_DIR: dataDir,
    ROSTER_JWT_SECRET: `${name}-e2e-${randomUUID()}`,
    ROSTER_RUN: 'api,projections,publisher',
    KAFKA_BROKERS: requireKafkaBrokers().join(','),
    ROSTER_KAFKA_TOPIC: topic,
  });
  return { ...roster, close: async () => (await roster.close(), rmSync(dataDir, { recursive: true, force: true })) };
}

/** A signed-in user of an e2e suite: id, bearer token, and the platform roles the token names. */
export interface TestUser {
  readonly id: string;
  readonly token: string;
  readonly platformRoles: string[];
}

/** A fresh user with a token signed with `secret`, naming `roles` (none: an ordinary user). */
export async function newTestUser(secret: string, roles: string[] = []): Promise<TestUser> {
  const id = `user-${randomUUID()}`;
  return { id, token: await signTestToken(secret, id, roles.length > 0 ? { roles } : {}), platformRoles: roles };
}

/** A domain command on the service's own bus, as `as`, as a route would send it: the position it appended at (null: nothing). */
export async function sendCommand(roster: RosterInProcess, as: TestUser, command: OrganizationCommand): Promise<string | null> {
  const sender = roster.app.get(CommandSender, { strict: false });
  const outcome = await sender.send(command, { userId: as.id, platformRoles: as.platformRoles as never }, { commandId: randomUUID(), correlationId: randomUUID() });
  return outcome.position === null ? null : outcome.position.toString();
}

/** The compiled CLI (`npm run -s build` first) on the store under `dataDir`: its exit code and stdout. */
export function runRosterCli(dataDir: string, secret: string, args: readonly string[]): Promise<{ code: number; stdout: string }> {
  const root = join(__dirname, '..');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', join(root, 'scripts/register-paths.js'), join(root, 'dist/apps/roster-cli/src/main.js'), ...args],
      { cwd: root, env: { ...process.env, ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: secret, LOG_LEVEL: 'error' }, timeout: 60_000 },
      (error, stdout) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout }),
    );
  });
}
