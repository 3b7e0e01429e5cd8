// Setup file of the unit tier. Ink decides once, when it is first imported, whether it runs in CI
// (the is-in-ci package: CI or CONTINUOUS_INTEGRATION set): there it writes nothing until unmount,
// so a test that watches frames arrive (keys first, the screen writer) would wait forever under
// .ci/run's CI=true. The cockpit clears those variables on a terminal before Ink loads
// (src/productionMode.ts); here Ink is loaded once with them hidden and then they are put back, so
// tests still see CI=true (integration tests must not skip).
const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
try {
  await import('ink');
} finally {
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
}
