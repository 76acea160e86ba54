import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

export interface DockerProbe {
  available: boolean;
  /** Why Docker is or is not used, for the `[servers]` lines. */
  reason: string;
}

const cached = new Map<string, Promise<DockerProbe>>();

/**
 * Asks the Docker engine for `/_ping` with a short timeout. testcontainers' own runtime
 * discovery can take many seconds to give up where a `docker` client exists without an engine,
 * so this probe decides first and testcontainers is only loaded when an engine answered.
 * ROSTER_TEST_DOCKER=0 turns Docker off even where it answers.
 */
export function probeDocker(env: NodeJS.ProcessEnv = process.env): Promise<DockerProbe> {
  if (env.ROSTER_TEST_DOCKER === '0') return Promise.resolve({ available: false, reason: 'Docker disabled (ROSTER_TEST_DOCKER=0)' });
  const key = `${env.DOCKER_HOST ?? ''}|${env.TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE ?? ''}`;
  let probe = cached.get(key);
  if (!probe) cached.set(key, (probe = ping(env)));
  return probe;
}

function ping(env: NodeJS.ProcessEnv): Promise<DockerProbe> {
  const host = env.DOCKER_HOST;
  let request: http.RequestOptions;
  let where: string;
  if (host && /^tcp:\/\//.test(host)) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    request = { host: url.hostname, port: Number(url.port || 2375), path: '/_ping' };
    where = host;
  } else {
    const candidates = host?.startsWith('unix://')
      ? [host.slice('unix://'.length)]
      : [
          env.TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE,
          '/var/run/docker.sock',
          path.join(os.homedir(), '.docker', 'run', 'docker.sock'),
          path.join(os.homedir(), '.docker', 'desktop', 'docker.sock'),
          env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'docker.sock') : undefined,
        ].filter((c): c is string => !!c);
    const socket = candidates.find((c) => fs.existsSync(c));
    if (!socket) return Promise.resolve({ available: false, reason: 'no Docker engine (no socket, DOCKER_HOST unset)' });
    request = { socketPath: socket, path: '/_ping' };
    where = socket;
  }
  return new Promise((resolve) => {
    const req = http.get({ ...request, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(
        res.statusCode === 200
          ? { available: true, reason: `Docker engine at ${where}` }
          : { available: false, reason: `Docker engine at ${where} answered ${res.statusCode}` },
      );
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ available: false, reason: `no Docker engine at ${where} (${err.message})` }));
  });
}
