export * from './field-cipher';
export * from './key-store.port';
export * from './sqlite-key-store';
export * from './mongo-key-store';
export * from './personal-data-vault';
export * from './personal-data-event-store';
