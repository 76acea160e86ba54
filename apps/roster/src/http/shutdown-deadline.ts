import type { Server } from 'node:http';
import type { LoggerService } from '@nestjs/common';

const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * A hard deadline on the graceful shutdown Nest starts on SIGTERM/SIGINT. When it passes,
 * the connections still open (a stalled client, a long poll) are cut, so the server closes
 * and the remaining hooks run: commands under way finish, then the store closes. Should even
 * that hang, the process exits one more deadline later. Nothing acknowledged is lost either
 * way: a command is answered only after its events are durable, and a cut one was not answered.
 */
export function cutOffAtShutdownDeadline(server: Server | undefined, deadlineMs: number, logger: LoggerService): void {
  const arm = (signal: NodeJS.Signals) => {
    SIGNALS.forEach((other) => process.removeListener(other, arm));
    setTimeout(() => {
      logger.warn?.(`Shutdown after ${signal} still waiting after ${deadlineMs} ms: closing the open connections`);
      server?.closeAllConnections();
      setTimeout(() => {
        logger.error(`Shutdown still not finished ${deadlineMs} ms later: exiting`);
        process.exit(1);
      }, deadlineMs).unref();
    }, deadlineMs).unref();
  };
  SIGNALS.forEach((signal) => process.once(signal, arm));
}
