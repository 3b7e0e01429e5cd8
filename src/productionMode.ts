// Imported first by the bin entry (src/cli.ts): the cockpit always runs React's production build.
// React 19's development build records a `performance.measure()` per render in a buffer Node never
// empties, and costs about a third more CPU per frame (issues 12 and 16); nothing else sets
// NODE_ENV on a bastion. The bundle (scripts/bundle.mjs) fixes it at build time too; this covers the
// unbundled tsc output and anything that reads the variable at run time.
Object.assign(process.env, { NODE_ENV: 'production' });

export {};
