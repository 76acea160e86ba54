export { probeDocker, type DockerProbe } from './docker';
export { eventStoreDbConnection } from './eventstore';
export { ensureKafkaLibs, KAFKA_VERSION, startKafka } from './kafka';
export { sweepStaleRuns } from './managed-process';
export { ensureMongoJavaServerLibs, MONGO_JAVA_SERVER_VERSION, startMongoJavaServer, type MongoJavaServerOptions } from './mongo-java-server';
export { ensureFerretDb, FERRETDB_VERSION, startMongo } from './mongo';
export { freePort, type HarnessOptions } from './process-util';
export type { EventStoreDbServer, KafkaServer, MongoServer, ServerHandle } from './server-handle';
export { startServers, type ServersWanted, type StartedServers, type StartServersOptions } from './start-servers';
