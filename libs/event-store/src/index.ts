export * from './event-store.port';
export * from './hash-chain';
export * from './sqlite/sqlite-event-store';
