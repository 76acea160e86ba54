import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { nestLogLevels, type LogFormat, type RosterConfig } from '../config/roster-config';
import { currentRequestContext } from './request-context';

/**
 * A log line with fields beside its message, e.g. `{ message: 'command', organizationId, commandType, outcome }`.
 * Fields are ids, types, codes and figures only: never a token, an e-mail address or text a person wrote.
 */
export interface LogFields {
  readonly message: string;
  readonly [field: string]: string | number | boolean | null | undefined;
}

function isLogFields(message: unknown): message is LogFields {
  return typeof message === 'object' && message !== null && !Array.isArray(message) && typeof (message as { message?: unknown }).message === 'string';
}

/**
 * Nest's own console logger, which writes one JSON object per line in `json` mode; here each
 * line also says when (`time`, ISO 8601, beside Nest's epoch `timestamp`), which request it belongs to (`requestId`, and the
 * caller's `traceparent`), and carries a LogFields message's fields at the top level.
 */
export class RosterLogger extends ConsoleLogger {
  constructor(format: LogFormat, logLevels: LogLevel[]) {
    super({ json: format === 'json', logLevels, ...(format === 'json' ? {} : { colors: false }) });
  }

  protected override getJsonLogObject(
    message: unknown,
    options: { context: string; logLevel: LogLevel; writeStreamType?: 'stdout' | 'stderr'; errorStack?: unknown },
  ): { level: LogLevel; pid: number; timestamp: number; message: unknown; [field: string]: unknown } {
    const request = currentRequestContext();
    const fields = isLogFields(message) ? message : { message };
    const now = Date.now();
    return {
      level: options.logLevel,
      time: new Date(now).toISOString(),
      timestamp: now,
      ...fields,
      ...(options.context ? { context: options.context } : {}),
      ...(request ? { requestId: request.requestId, ...(request.trace ? { traceparent: request.trace.traceparent } : {}) } : {}),
      pid: process.pid,
      ...(options.errorStack ? { stack: options.errorStack } : {}),
    };
  }

  protected override stringifyMessage(message: unknown, logLevel: LogLevel): string {
    if (!isLogFields(message)) return super.stringifyMessage(message, logLevel) as string;
    const { message: text, ...fields } = message;
    const request = currentRequestContext();
    const all = { ...fields, ...(request ? { requestId: request.requestId, traceparent: request.trace?.traceparent } : {}) };
    const pairs = Object.entries(all).filter(([, value]) => value !== undefined).map(([key, value]) => `${key}=${String(value)}`);
    return super.stringifyMessage([text, ...pairs].join(' '), logLevel) as string;
  }
}

/** The service's logger, as LOG_FORMAT and LOG_LEVEL say. */
export function rosterLogger(config: Pick<RosterConfig, 'logFormat' | 'logLevel'>): RosterLogger {
  return new RosterLogger(config.logFormat, nestLogLevels(config.logLevel));
}
