/** Integration project teardown: stops what global setup started (configured servers are left alone). */
export default async function globalTeardown(): Promise<void> {
  const servers = globalThis.__rosterServers;
  globalThis.__rosterServers = undefined;
  await servers?.stop();
}
