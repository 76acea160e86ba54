import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CheckpointLog, type AuditSigner, type Checkpoint } from '@roster/audit';
import { EVENT_STORE, type EventStore } from '@roster/event-store';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { AUDIT_SIGNER } from './audit-signing-key';

/**
 * Signs a checkpoint of every organization's chain head every ROSTER_AUDIT_CHECKPOINT_INTERVAL_SECONDS
 * (and after each export), in the process that serves the API, reading only the events
 * appended since the last one. Off without a signing key.
 */
@Injectable()
export class CheckpointService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditCheckpoints');
  private readonly log: CheckpointLog;
  private last: Checkpoint | undefined;
  private loaded = false;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(ROSTER_CONFIG) private readonly config: RosterConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AUDIT_SIGNER) private readonly signer: AuditSigner | null,
  ) {
    this.log = new CheckpointLog(config.audit.checkpointFile);
  }

  onApplicationBootstrap(): void {
    const seconds = this.config.audit.checkpointIntervalSeconds;
    if (!this.signer || seconds === 0 || !this.config.run.has('api')) return;
    // The first one after an interval, not at start-up: a start never waits on a read of the whole log.
    this.timer = setInterval(() => this.recordSoon(), seconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** The newest checkpoint this process signed or found in the file with a valid signature. */
  async lastTrusted(): Promise<Checkpoint | undefined> {
    if (!this.signer) return undefined;
    if (!this.loaded) {
      this.last = await this.log.lastTrusted(this.signer.publicKey);
      this.loaded = true;
    }
    return this.last;
  }

  /** Starts a checkpoint unless one is being made; a failure is logged, and the next one tries again. */
  recordSoon(): void {
    if (!this.signer || this.running) return;
    this.running = this.record(this.signer)
      .catch((error: unknown) => this.logger.error(`Checkpoint not recorded: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (this.running = undefined));
  }

  private async record(signer: AuditSigner): Promise<void> {
    this.last = await this.log.record(this.store, signer, () => new Date(), await this.lastTrusted());
  }
}
