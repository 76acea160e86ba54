/** Integration project teardown: stops what global setup started (configured servers are left alone). */
export default async function globalTeardown(): Promise<void> {
  const servers = globalThis.__rosterServers;
  globalThis.__rosterServers = undefined;
  if (!servers) return;
  const started = Date.now();
  await servers.stop();
  process.stdout.write(`[servers] stopped in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
