export * from './event-store.port';
export * from './hash-chain';
export * from './checkpoint-store.port';
export * from './catch-up-worker';
export * from './create-event-store';
export * from './sqlite/sqlite-event-store';
export * from './sqlite/sqlite-checkpoint-store';
export * from './eventstoredb/eventstoredb-event-store';
