export * from './auth.guard';
export * from './auth.module';
export * from './current-actor.decorator';
export * from './development-secret';
export * from './public.decorator';
export * from './token-verifier';
