/** A server the harness found or started. stop() is idempotent and a no-op for configured servers. */
export interface ServerHandle {
  /** One plain line: what this is and where it came from, e.g. `FerretDB 1.24.0 (built from the Go module proxy) on 127.0.0.1:41234`. */
  description: string;
  stop(): Promise<void>;
}

export interface MongoServer extends ServerHandle {
  /** mongodb:// URL, suitable for MONGODB_URL. */
  url: string;
}

export interface KafkaServer extends ServerHandle {
  /** host:port list, suitable for KAFKA_BROKERS (comma-joined). */
  brokers: string[];
  /**
   * Stops the broker, runs `whileDown`, starts it again on the same port and log directory and
   * waits until it answers. Only for a broker the harness started locally (java); absent otherwise.
   */
  restart?(whileDown?: () => Promise<void>): Promise<void>;
}

export interface EventStoreDbServer extends ServerHandle {
  /** esdb:// connection string, or undefined when none is reachable (description then says why). */
  connectionString: string | undefined;
}

/** Wraps a stop function so that repeated calls share one stop. */
export function once(stop: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= stop());
}
