// Two tiers. `unit`: pure and embedded tests, no server. `integration`: adapter contract
// suites against real servers (*.int-spec.ts) and end-to-end suites (test/*.e2e-spec.ts);
// its global setup finds or starts Kafka and a MongoDB-compatible server once per run.

// ts-jest transpiles each file on its own (no type check: `npm run typecheck` and the build do
// that), which keeps the runs fast and emits the decorator metadata NestJS injection reads.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }];

const common = {
  rootDir: __dirname,
  transform: {
    '^.+\\.ts$': tsJest,
    // jose 6 ships ESM only; Node 20 loads it natively, Jest's CommonJS runtime needs it compiled.
    '/node_modules/jose/.+\\.js$': tsJest,
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@roster/(domain|event-store|read-models|messaging|audit|testing)$': '<rootDir>/libs/$1/src',
    '^@roster/(domain|event-store|read-models|messaging|audit|testing)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/libs/**/*.int-spec.ts', '<rootDir>/apps/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/integration-timeout.ts'],
    },
  ],
};
