// `testTimeout` is a global jest option, ignored inside a project entry; the integration
// project sets its per-test timeout here instead (server round trips on a busy 2-core box).
jest.setTimeout(120_000);
