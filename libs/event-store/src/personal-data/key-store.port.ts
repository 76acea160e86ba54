/** A person's data key: 32 random bytes for AES-256-GCM, and the opaque id values name it by. */
export interface PersonKey {
  readonly kid: string;
  readonly key: Buffer;
}

/**
 * Where the persons' keys live, apart from the event log. A person is named by
 * `personKeyName` (`user:<id>` or `email:<address>`); adapters store only a SHA-256 of that
 * name, so the key store holds no e-mail address either. Destroying a key deletes it: every
 * value sealed with it then reads as erased, in every copy of the log and its backups.
 */
export interface KeyStore {
  /**
   * The persons' live keys by name, those missing made on first use, all in one durable write
   * (concurrent callers, in any process, get the same key for a person).
   */
  keysFor(persons: readonly string[]): Promise<Map<string, PersonKey>>;
  /** The live keys of those persons that have one; makes none (a lookup must not write). */
  existingKeys(persons: readonly string[]): Promise<Map<string, PersonKey>>;
  /** A key by its id; null when it was destroyed or never existed here. */
  keyById(kid: string): Promise<Buffer | null>;
  /** Destroys the person's key; true when there was one. Later calls to keysFor make a new key. */
  destroyKey(person: string): Promise<boolean>;
  /** Where the keys are, for the start-up log (no credentials). */
  describe(): string;
  close(): Promise<void>;
}

/** Injection token for the configured KeyStore. */
export const KEY_STORE = Symbol('KEY_STORE');
