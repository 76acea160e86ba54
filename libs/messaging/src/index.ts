export * from './public-events';
export * from './cloud-events';
export * from './kafka-publisher';
export * from './publishing-worker';
export * from './asyncapi-contract';
