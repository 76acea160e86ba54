import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type PersonalDataVault } from '@roster/event-store';
import {
  DocumentCheckpointStore,
  EmbeddedDocumentStore,
  PermissionChecker,
  READ_MODELS_PROJECTION,
  ReadModelProjector,
  ReadModelQueries,
  type DocumentStore,
  waitForCheckpoint,
} from '@roster/read-models';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { RosterMetrics } from '../metrics/roster-metrics';
import { PERSONAL_DATA_VAULT, READ_MODEL_DOCUMENTS } from '../infrastructure/infrastructure.module';

/**
 * Wires the read models from configuration. With MONGODB_URL: documents in MongoDB; the
 * projection worker runs here when ROSTER_RUN includes `projections` (several copies may: a
 * lease lets one write at a time, the others stand by), and then also keeps an in-process
 * index of organizations and memberships, following the event store on its own, that
 * answers the permission check with no round trip; without it here, queries and checks read MongoDB. Without MONGODB_URL: the
 * embedded store, rebuilt from the event store at every start by the same projection; nothing
 * else could feed it, so the configuration requires `api` and `projections` in one process.
 * A process whose ROSTER_RUN names neither (a publisher) has no read models at all.
 */
@Injectable()
export class ReadModelsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ReadModels');
  private projector: ReadModelProjector | undefined;
  private queriesImpl!: ReadModelQueries;
  private checkerImpl!: PermissionChecker;
  /** The store's head when this process's projection started: its catch-up ends there. */
  private startHead: bigint | undefined;

  constructor(
    @Inject(ROSTER_CONFIG) private readonly config: RosterConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DOCUMENTS) private readonly documents: DocumentStore,
    @Inject(PERSONAL_DATA_VAULT) private readonly vault: PersonalDataVault,
    private readonly metrics: RosterMetrics,
  ) {}

  get queries(): ReadModelQueries {
    return this.queriesImpl;
  }

  get checker(): PermissionChecker {
    return this.checkerImpl;
  }

  /** The ids of the keys sealing these e-mail addresses, by which the read models find what was sent to them. */
  emailKeyIds(emails: readonly string[]): Promise<string[]> {
    return this.vault.keyIds(emails.map((email) => ({ kind: 'email', email })));
  }

  /** Position the read models reached, as far as this process knows, when the projection runs here. */
  get localPosition(): bigint | undefined {
    if (!this.projector) return undefined;
    const index = this.projector.indexPosition;
    const position = this.projector.position;
    return index !== undefined && index < position ? index : position;
  }

  /** Position the in-process index behind the permission check reached (undefined without one). */
  get indexPosition(): bigint | undefined {
    return this.projector ? (this.projector.indexPosition ?? this.projector.position) : undefined;
  }

  /** Position the read models reached: this process's projection, else the projection's checkpoint (0 before any). */
  async readPosition(): Promise<bigint> {
    const local = this.localPosition;
    if (local !== undefined) return local;
    return (await new DocumentCheckpointStore(this.documents).load(READ_MODELS_PROJECTION)) ?? 0n;
  }

  /**
   * The start's catch-up: the head the store had when this process's projection started, and
   * whether the read models have reached it (undefined when the projection runs elsewhere).
   */
  catchUp(): { readonly position: bigint; readonly startHead: bigint; readonly done: boolean } | undefined {
    const position = this.localPosition;
    if (this.startHead === undefined || position === undefined) return undefined;
    return { position, startHead: this.startHead, done: position >= this.startHead };
  }

  async onApplicationBootstrap(): Promise<void> {
    const mongo = this.config.mongo;
    // Exactly what ROSTER_RUN names (without MongoDB, config makes api and projections go together).
    const runsHere = this.config.run.has('projections');
    if (!runsHere && !this.config.run.has('api')) return;
    // Beside MongoDB, the API's permission check answers from an in-process index of it.
    const index = mongo && runsHere && this.config.run.has('api') ? new EmbeddedDocumentStore() : undefined;
    const vault = this.vault;
    this.queriesImpl = new ReadModelQueries(this.documents, (fields) => vault.openFieldsNow(fields) ?? vault.openFields(fields), {
      generation: () => vault.generation,
      ttlMs: vault.keyTtlMs,
    });
    this.checkerImpl = new PermissionChecker(index ?? this.documents, this.metrics.permissionCheck);
    if (runsHere) {
      this.startHead = await this.store.headPosition();
      const onBatch = { projection: this.metrics.batches('projection'), index: this.metrics.batches('permission_index') };
      this.projector = new ReadModelProjector({ store: this.store, documents: this.documents, index, logger: this.logger, onBatch });
      const projector = this.projector;
      this.metrics.follow('projection', () => (projector.writing ? projector.position : undefined));
      if (index) this.metrics.follow('permission_index', () => projector.indexPosition);
      await this.projector.start();
    }
    this.logger.log(
      `Read models in ${mongo ? `MongoDB (${mongo.database})` : 'the embedded store'}; projection ${runsHere ? 'runs in this process' : 'runs elsewhere'}`,
    );
  }

  /** After the HTTP server has stopped answering (queries read these until then); the infrastructure then closes the documents. */
  async onApplicationShutdown(): Promise<void> {
    await this.projector?.stop();
  }

  /**
   * Read-your-writes: true once the read models reflect `position`, false after `timeoutMs`.
   * With a projector here it waits on it (the writer, or the checkpoint while another copy
   * holds the lease); otherwise it polls the projection's checkpoint.
   */
  async waitForPosition(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.projector) return this.projector.waitForPosition(position, timeoutMs);
    // The projection runs elsewhere: its checkpoint says how far it got.
    return waitForCheckpoint(new DocumentCheckpointStore(this.documents), READ_MODELS_PROJECTION, position, timeoutMs);
  }
}
