export * from './servers';
export * from './service-process';
export * from './test-tokens';
export * from './http-client';
export * from './percentile';
export * from './paced-load';
export * from './sqlite-writer-fault';
export * from './openapi-answers';
