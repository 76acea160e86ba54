export * from './command-handling.module';
export * from './command-response';
export * from './command-sender';
export * from './execute-organization.command';
export * from './execute-organization.handler';
export * from './organization-stream';
export * from './service-ids';
export * from './event-envelope';
