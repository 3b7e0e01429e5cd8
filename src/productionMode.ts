// Imported first by the bin entry (src/cli.ts): the cockpit always runs React's production build.
// React 19's development build records a `performance.measure()` per render in a buffer Node never
// empties, and costs about a third more CPU per frame (issues 12 and 16); nothing else sets
// NODE_ENV on a bastion. The bundle (scripts/bundle.mjs) fixes it at build time too; this covers the
// unbundled tsc output and anything that reads the variable at run time.
Object.assign(process.env, { NODE_ENV: 'production' });

// Ink treats a process with CI (or CONTINUOUS_INTEGRATION) set as a CI log and draws nothing until
// it exits: a cockpit started on a terminal where CI=true was exported would stay blank. On a
// terminal it is interactive whatever the variable says; Ink reads it once, when it loads, which is
// after this module.
if (process.stdout.isTTY) {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
}

export {};
