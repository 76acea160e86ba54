import { EventEmitter } from 'node:events';
import type { Worker } from 'node:cluster';
import { ClusterScrapeTimeout, scrapeCluster, serveClusterScrapes } from './cluster-scrape';

/** A worker and the primary joined by in-memory channels: what one sends, the other's listeners get. */
function joined(gather: () => Promise<string>, primaryTimeoutMs: number) {
  const primary = new EventEmitter();
  const channel = new EventEmitter() as EventEmitter & { send: (message: unknown) => boolean };
  const worker = { isConnected: () => true, send: (message: unknown) => channel.emit('message', message) } as unknown as Worker;
  channel.send = (message) => primary.emit('message', worker, message);
  serveClusterScrapes(gather, primary as never, primaryTimeoutMs);
  return channel;
}

describe('a scrape among several API workers', () => {
  it("answers with the primary's gathering of every worker", async () => {
    const channel = joined(async () => 'roster_commands_total 3\n', 1000);
    await expect(scrapeCluster(channel, 1000)).resolves.toBe('roster_commands_total 3\n');
    // Several at once each get their own answer.
    await expect(Promise.all([scrapeCluster(channel, 1000), scrapeCluster(channel, 1000)])).resolves.toEqual(['roster_commands_total 3\n', 'roster_commands_total 3\n']);
  });

  it('times out cleanly when a worker does not answer the primary', async () => {
    const channel = joined(() => new Promise<string>(() => undefined), 50);
    await expect(scrapeCluster(channel, 1000)).rejects.toBeInstanceOf(ClusterScrapeTimeout);
  });

  it('times out cleanly when the primary does not answer', async () => {
    const channel = Object.assign(new EventEmitter(), { send: () => true });
    await expect(scrapeCluster(channel, 50)).rejects.toBeInstanceOf(ClusterScrapeTimeout);
  });

  it('passes on any other failure as one', async () => {
    const channel = joined(() => Promise.reject(new Error('aggregation failed')), 1000);
    const failed = scrapeCluster(channel, 1000);
    await expect(failed).rejects.toThrow('cluster scrape failed: aggregation failed');
    await expect(failed).rejects.not.toBeInstanceOf(ClusterScrapeTimeout);
  });
});
