export * from './history';
export * from './audit-query';
export * from './as-of-index';
export * from './as-of-view';
export * from './chain-verifier';
export * from './permission-at';
