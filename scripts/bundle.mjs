// The production build of the cockpit: src/cli.ts bundled by esbuild into one CommonJS script,
// dist/src/cockpit.cjs, with React's production build chosen at build time, and src/bin.ts into
// dist/src/cli.cjs (the package's bin, what `npm start` and the end-to-end tests run), which runs
// that script through a V8 code cache (src/cli/codeCache.ts). The bin is CommonJS: for an ES module
// entry Node 20 sets up its ES module loader, internal modules the CommonJS path does not load (6-20
// ms of a warm launch, docs/performance.md "Sixth session: start-up"), and the package's "type":
// "module" makes every .js file one. dist/src/cli.js, the bin's name before, only imports it
// (`node dist/src/cli.js` keeps working). One script, not ES module chunks:
// Node 20 can hand V8 cached code only for a script (vm.Script), not for an ES module. Code behind
// a dynamic import() stays in the script but is not run (esbuild wraps each such module in a
// function called on first import), and with the cache V8 no longer parses what it does not run.
//
// `node scripts/bundle.mjs`            bundle now (after tsc in `npm run build`)
// `node scripts/bundle.mjs --if-stale` bundle only when a source is newer than the last bundle
//                                      (`npm start`: no rebuild when the build is current)
// `node scripts/bundle.mjs --metafile` also write dist/bundle-meta.json (what each chunk holds)
//
// tsc still writes dist/ beside it: the typecheck, the bench and the tests that run single
// compiled modules (dist/src/journal/journal.js) use those files.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { basename, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asciiComments } from './ascii-source.mjs';
import { onceToESM, START_UP } from './start-up-patches.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = join(ROOT, 'dist', 'src');
const ENTRY_OUT = join(OUT_DIR, 'cli.cjs');
/** The bin's former name, an ES module that imports ENTRY_OUT, for scripts and builds that name it. */
const COMPAT_OUT = join(OUT_DIR, 'cli.js');
/** The cockpit itself, run by the bin (ENTRY_OUT). */
const SCRIPT_OUT = join(OUT_DIR, 'cockpit.cjs');
/** Written last: its mtime and content say which inputs the bundle was made from. */
const STAMP = join(ROOT, 'dist', 'bundle-stamp.json');
const CHUNK_PREFIX = 'bundle-';
/**
 * Node and V8 flags the bin runs with (how an operator starts it: `lsos-cockpit`, `npm start`;
 * `node dist/src/cli.cjs` runs without them). The old generation is
 * collected when it has grown by 20% (V8 lets it grow 1.1 to 4 times between collections) and the
 * young generation stops at 2 MB per semi-space instead of 16. Side by side for 60 s, 200 queues
 * live (docs/performance.md, "Start-up"): 4 MB semi-spaces took RSS from 132–171 MB to 107–108 MB on
 * the simulation and 138–192 → 113–114 MB live, for +0.2–0.5 points of one core on the simulation
 * and +0.7–0.8 live; 2 MB instead of 4 (ninth session, "Ninth session"): new space 8 → 4 MB, RSS
 * live 78.4–80.2 → 75.2–78.0 MB and sim 75.3–77.5 → 72.6–74.5 (three of each side by side), CPU the
 * same (sim 1.65–1.90 against 1.82–1.83%, live 3.20–3.27 against 3.17–3.22, 2,000 queues 3.9
 * against 3.9% in four windows). 1 MB semi-spaces cost +1.0–1.6 points (second session);
 * --optimize-for-size (95 MB) +3 points.
 * One background thread for V8 (--v8-pool-size=1, Node's default is one per core): on a shared
 * 2-core bastion the parallel GC and compile helpers mostly wait for each other; 5–9 MB less RSS,
 * 0.1–0.6 points less CPU, and about 80 ms less CPU before the first frame (870 → 790 ms).
 * No baseline compiler (--no-sparkplug): V8's code pages 2.1–2.4 → 0.7–0.9 MB; side by side, CPU
 * the same on the simulation, live and at 2,000 queues (3.7 against 3.7%), a launch about 15 ms
 * slower (docs/performance.md, "Sixth session: RSS").
 * Node's own start-up snapshot off (--no-node-snapshot, a Node flag: Node sets up its internals by
 * running them instead of deserialising them): 2.5 MB fewer of the binary's read-only pages mapped
 * and 1–2 MB less heap, RSS 3.5 MB less on the simulation and 1.7–4.6 live; CPU the same, also at
 * 2,000 queues (3.4 against 3.4%); a launch about 18 ms slower (same section).
 *
 * The bin's second line, run by sh (binHeader), carries what must be given before Node starts
 * (NODE_FLAGS, BIN_ENV), and the bin sets the rest itself (RUNTIME_V8_FLAGS, src/bin.ts) before it
 * compiles the bundle: V8 reads both when it uses them (each collection's next limit, each
 * function's tier-up), so they hold for the whole run.
 */
const NODE_FLAGS = ['--max-semi-space-size=2', '--v8-pool-size=1', '--no-node-snapshot'];
/**
 * Half of TurboFan's default inlining budgets (--max-inlined-bytecode-size 460 → 230, cumulative
 * 920 → 460): each optimising compile is smaller, and a screen that draws once a second has few
 * functions hot enough for deep inlining to pay. On the AMD EPYC, side by side, the simulation's
 * first minute 2.23% against 2.68% (median of three rounds; 2.0 against 2.2 in two more), the
 * second minute the same (1.25 / 1.30); 2,000 queues 4.5 / 4.8% against 4.5 / 4.6 in two runs; key
 * to frame 14.4 / 17.8 ms against 12.0 / 14.8 (docs/performance.md, "Eighth session"). A quarter of
 * them (115 / 230) cost 2,000 queues 0.5 points; no inlining at all 0.3.
 */
const RUNTIME_V8_FLAGS = [
  '--heap-growing-percent=20',
  '--no-sparkplug',
  '--max-inlined-bytecode-size=230',
  '--max-inlined-bytecode-size-cumulative=460',
];
/**
 * V8 flags for start-up only, each with the flag that undoes it once the first frame is on screen
 * (src/cli/codeCache.ts). No optimising compiler until then (--no-opt): what start-up runs hot is
 * the simulation's four-minute warm-up and the first render, and TurboFan compiled it on that
 * feedback, on V8's one background thread, for code that then deoptimised once the steady run's
 * objects reached it. Interleaved launches on the AMD EPYC (12 each, docs/performance.md "Eighth
 * session"): 42 ms less wall time and 62 ms less CPU to the first frame; optimising resumes after
 * it (the functions compiled in the first two minutes: 228 against 247, deoptimisations 30
 * against 44). Not --max-opt=0: it implies --no-turbofan, which setting --max-opt back does not
 * undo (5 functions optimised in two minutes). Not a larger --interrupt-budget: the budget given
 * to each function start-up ran lasts until that function has used it up, minutes for a render
 * function run once a second.
 */
const START_UP_V8_FLAGS = [['--no-opt', '--opt']];
/**
 * The environment the bin's sh line gives Node: glibc's malloc with its mmap threshold fixed at its
 * default, 128 KiB. Left dynamic, glibc raises the threshold to the size of any large block freed
 * (the bundle's 3.5 MB text once read, the code cache's 1.9 MB), and its trim threshold to twice
 * that, so it then keeps up to 7 MB of freed memory in its heap instead of giving it back: malloc
 * held 18–21 MB in one run and 11–14 in the next. Fixed: 10.5–11 MB every run, RSS 7–9 MB less on
 * the simulation and live; CPU the same, also at 2,000 queues (docs/performance.md, "Sixth
 * session: RSS"). Children the cockpit starts inherit it: the same allocator, only without the raise.
 */
const BIN_ENV = ['MALLOC_MMAP_THRESHOLD_=131072'];
/** Where the sh line keeps NODE_EXTRA_CA_CERTS while Node starts: src/cli/extraCaCerts.ts's name, read from it. */
function deferredCaEnv() {
  const m = /export const DEFERRED_CA_ENV = '([A-Z_]+)';/.exec(readFileSync(join(ROOT, 'src/cli/extraCaCerts.ts'), 'utf8'));
  if (!m) throw new Error('bundle: DEFERRED_CA_ENV not found in src/cli/extraCaCerts.ts');
  return m[1];
}
/**
 * The bin's first two lines: a file both sh and Node read. The kernel runs `#!/bin/sh`, sh runs the
 * second line and replaces itself with Node; Node reads `":"` as a string and the rest as a comment.
 * sh rather than `#!/usr/bin/env -S …` because the line can then do more than set variables, and is
 * not cut: Linux before 5.1 (RHEL 8's 4.18 among them) reads only 127 bytes of a `#!` line.
 *
 * What it does besides BIN_ENV and NODE_FLAGS: moves NODE_EXTRA_CA_CERTS aside, so Node 20 does not
 * parse its roots and the file at start (40 ms and 2 MB with Debian's bundle; src/cli/extraCaCerts.ts
 * reads it at the first TLS context instead and puts the variable back). Not when NODE_OPTIONS asks
 * for OpenSSL's store (`--use-openssl-ca`): the bin could not rebuild those roots.
 */
function binHeader() {
  const ca = deferredCaEnv();
  const moveCa = `if [ -n "\${NODE_EXTRA_CA_CERTS-}" ]; then case "\${NODE_OPTIONS-}" in *--use-openssl-ca*) ;; *) export ${ca}="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS ;; esac; fi`;
  const env = BIN_ENV.map((e) => `export ${e}`).join('; ');
  return `#!/bin/sh\n":" //; ${moveCa}; ${env}; exec node ${NODE_FLAGS.join(' ')} "$0" "$@"\n`;
}
/** What the bundle is made of besides node_modules: a change to any of these makes it stale. */
const INPUT_DIRS = ['src', 'panels', 'components'];
const INPUT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/bundle.mjs', 'scripts/ascii-source.mjs'];

function newestInput() {
  let newest = 0;
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx|mjs|js|json)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of INPUT_DIRS) walk(join(ROOT, d));
  for (const f of INPUT_FILES) if (existsSync(join(ROOT, f))) newest = Math.max(newest, statSync(join(ROOT, f)).mtimeMs);
  return newest;
}

/** The bundle is current when its stamp exists, names every chunk it wrote, and is newer than every input. */
function isCurrent() {
  if (!existsSync(STAMP) || !existsSync(ENTRY_OUT) || !existsSync(COMPAT_OUT)) return false;
  try {
    const stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
    if (!Array.isArray(stamp.outputs) || stamp.outputs.some((f) => !existsSync(join(ROOT, f)))) return false;
    // A later tsc run rewrites dist/src/cli.js with its unbundled output: then it is not ours.
    if (!readFileSync(COMPAT_OUT, 'utf8').includes('lsos-cockpit production bundle')) return false;
  } catch {
    return false;
  }
  return statSync(STAMP).mtimeMs >= newestInput();
}

/**
 * `import.meta.url` in a bundled module would name the chunk, not the module: keep the meaning it
 * has in tsc's output (dist/<path>.js), so `new URL('../../../fixtures/…', import.meta.url)` and
 * the package-root walk resolve the same files from the bundle as from dist/.
 */
const keepModuleUrl = {
  name: 'keep-module-url',
  setup(build) {
    build.onLoad({ filter: /\.(ts|tsx)$/ }, (args) => {
      if (args.path.split(sep).includes('node_modules')) return undefined;
      const source = readFileSync(args.path, 'utf8');
      const loader = extname(args.path) === '.tsx' ? 'tsx' : 'ts';
      if (!source.includes('import.meta.url')) return { contents: source, loader };
      const compiled = join(ROOT, 'dist', relative(ROOT, args.path)).replace(/\.tsx?$/, '.js');
      let rel = relative(OUT_DIR, compiled).split(sep).join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader };
    });
  },
};

/**
 * Two dependency checks that look for a browser API at load time make Node load its whole fetch
 * implementation (undici, about 170 ms of start-up on this machine) for nothing: pg asks whether
 * it runs in a Cloudflare Worker by constructing a `Response`, and yoga-layout (Ink's layout)
 * fetches its WebAssembly from a data: URL when `fetch` exists. The cockpit runs on Node only:
 * both take their Node path. Like scripts/patch-ink.mjs, a text that is not found fails the build
 * (a new version of the dependency needs this re-checked).
 */
const NODE_ONLY = [
  { file: 'node_modules/pg/lib/stream.js', from: "if (typeof Response === 'function') {", to: 'if (false) {', count: 1 },
  { file: 'node_modules/yoga-layout/dist/binaries/yoga-wasm-base64-esm.js', from: '"function"!=typeof fetch', to: '!0', count: 2 },
  // Not a Node path but the same mechanism: Ink 6.8.0 caches the size of every text it ever laid
  // out in a Map that is never emptied; a screen whose figures and clock change keeps adding to it
  // (0.5 MB in 4 minutes of the simulation at speed 60, for ever). Bounded: emptied past 2,048
  // texts (a frame lays out a few hundred), so the cache still serves every frame.
  {
    file: 'node_modules/ink/build/measure-text.js',
    from: '    cache.set(text, dimensions);',
    to: '    if (cache.size >= 2048) cache.clear(); /* lsos-cockpit: scripts/bundle.mjs */\n    cache.set(text, dimensions);',
    count: 1,
  },
];

/**
 * One script has no top-level await, which three dependency modules use to load something at
 * start-up; each gets a synchronous equivalent. yoga-layout compiles its WebAssembly (base64 in
 * the module) with `WebAssembly.instantiate`: the module instead hands the bytes to Emscripten's
 * `instantiateWasm` hook, and yoga's entry compiles and instantiates them synchronously (the same
 * module, ready when the call returns). Ink, only with DEV=true, imports its React devtools
 * connector and reads its package.json: through require() instead, the missing connector reported
 * as before.
 */
const ONE_SCRIPT = [
  {
    file: 'node_modules/yoga-layout/dist/binaries/yoga-wasm-base64-esm.js',
    from: 'if(h.instantiateWasm)try{return h.instantiateWasm(d,',
    to: 'if(h.instantiateWasm)try{return h.instantiateWasm(d,H,',
    count: 1,
  },
  {
    file: 'node_modules/yoga-layout/dist/src/index.js',
    from: 'const Yoga = wrapAssembly(await loadYoga());',
    to: `/* lsos-cockpit: scripts/bundle.mjs */
const lsosYoga = { instantiateWasm(imports, dataUrl, done) {
  const bytes = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
  done(instance);
  return instance.exports;
} };
loadYoga(lsosYoga);
if (!lsosYoga.calledRun) throw new Error('yoga-layout did not load synchronously (scripts/bundle.mjs)');
const Yoga = wrapAssembly(lsosYoga);`,
    count: 1,
  },
  { file: 'node_modules/ink/build/reconciler.js', from: "await import('./devtools.js');", to: "require('./devtools.js');", count: 1 },
  {
    file: 'node_modules/ink/build/reconciler.js',
    from: "if (error.code === 'ERR_MODULE_NOT_FOUND') {",
    to: "if (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND') {",
    count: 1,
  },
  {
    file: 'node_modules/ink/build/reconciler.js',
    from: "async function loadPackageJson() {\n    const fs = await import('node:fs');",
    to: "function loadPackageJson() {\n    const fs = require('node:fs');",
    count: 1,
  },
  { file: 'node_modules/ink/build/reconciler.js', from: '? await loadPackageJson()', to: '? loadPackageJson()', count: 1 },
];

const nodeOnly = {
  name: 'node-only',
  setup(build) {
    const patches = new Map();
    for (const p of [...NODE_ONLY, ...ONE_SCRIPT, ...START_UP]) {
      if (!existsSync(join(ROOT, p.file))) continue;
      const path = realpathSync(join(ROOT, p.file));
      patches.set(path, [...(patches.get(path) ?? []), p]);
    }
    build.onLoad(
      { filter: /[\\/](stream\.js|yoga-wasm-base64-esm\.js|measure-text\.js|index\.js|reconciler\.js|tokenize\.js|tokenize-ansi\.js)$/ },
      (args) => {
        const list = patches.get(args.path);
        if (!list) return undefined;
        let source = readFileSync(args.path, 'utf8');
        for (const patch of list) {
          const found = source.split(patch.from).length - 1;
          if (found !== patch.count)
            throw new Error(`bundle: ${patch.file} has ${found} of "${patch.from}", expected ${patch.count}: re-check the patch`);
          source = source.replaceAll(patch.from, patch.to);
        }
        return { contents: source, loader: 'js' };
      },
    );
  },
};

/**
 * Node's own modules, imported by an `import` statement, are loaded through require() instead.
 * Node gives an ESM importer of a built-in module a facade that copies every export when it is
 * made, which runs the module's lazy getters: `node:process` loads process.report, `node:crypto`
 * webcrypto, `node:util` parseArgs and MIMEType, and so on (about 15 ms for node:process alone,
 * 40–60 ms of start-up in all on this machine). Through require() an export is read when used.
 * A dynamic import() of one goes through require() as well: the script has no module loader.
 *
 * LAZY_BUILTINS are not even loaded until an export is used: the simulation's path imports them
 * for code it does not run at start-up (http for the paging acknowledgement listener,
 * child_process for terminal-size's fallback, assert for signal-exit's argument checks; 25–30 ms
 * of start-up together; zlib, 5 ms, for the recorder's compressed figures, src/journal/compactFigures.ts). Their exports are plain functions and classes, read through a getter
 * that loads the module on first use (assert is itself a function: a forwarder).
 */
const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));
const LAZY_BUILTINS = new Set(['assert', 'child_process', 'http', 'zlib']);
const require = createRequire(import.meta.url);

function builtinWrapper(name) {
  const id = JSON.stringify(`node:${name}`);
  if (!LAZY_BUILTINS.has(name)) return `module.exports = require(${id});`;
  const real = require(`node:${name}`);
  const base = typeof real === 'function' ? '(...args) => load()(...args)' : '{}';
  const getters = Object.keys(real)
    .map((k) => `${JSON.stringify(k)}: { get: () => load()[${JSON.stringify(k)}], enumerable: true }`)
    .join(',\n  ');
  return `let real;\nconst load = () => (real ??= require(${id}));\nmodule.exports = Object.defineProperties(${base}, {\n  ${getters}\n});\n`;
}
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z][a-z0-9_/]*$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!BUILTINS.has(name)) return undefined;
      if (args.namespace === 'node-builtin') return { path: `node:${name}`, external: true };
      if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import' && !(args.kind === 'require-call' && LAZY_BUILTINS.has(name)))
        return undefined;
      // One wrapper per importing file, as when the bundle was split into chunks.
      return { path: `${name}|${args.importer}`, namespace: 'node-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: builtinWrapper(args.path.split('|')[0]),
      loader: 'js',
    }));
  },
};

/** The parameters of the script's function wrapper, in the order the bin passes them (src/cli/codeCache.ts). */
const SCRIPT_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname', '__lsosBundleUrl', '__lsosFirstFrame'];

/**
 * The script with its whitespace taken out, last, after the text patches above (they match
 * esbuild's text as printed), and its source map made again through the patched text's: it still
 * leads to src/ and node_modules. V8 holds the script's text in memory for as long as it runs (it
 * compiles functions from it lazily): 3.6 MB as printed, 2.6 MB without the whitespace, 1 MB less
 * malloc on every cockpit (docs/performance.md, "Ninth session"). Names are kept (identifiers are
 * not minified), so a stack trace still names its functions; its positions are on a few long lines,
 * which the source map resolves.
 */
async function withoutWhitespace(esbuild, text, map) {
  const inline = text.replace(
    /\/\/# sourceMappingURL=[^\n]*\s*$/,
    () => `//# sourceMappingURL=data:application/json;base64,${Buffer.from(map).toString('base64')}\n`,
  );
  if (inline === text) throw new Error('bundle: the script has no source map link to carry through the whitespace pass');
  const out = await esbuild.transform(inline, {
    loader: 'js',
    minifyWhitespace: true,
    legalComments: 'none',
    charset: 'ascii',
    sourcemap: 'external',
    sourcefile: basename(SCRIPT_OUT),
  });
  writeFileSync(`${SCRIPT_OUT}.map`, out.map);
  return `${out.code}//# sourceMappingURL=${basename(SCRIPT_OUT)}.map\n`;
}

async function bundle({ metafile }) {
  const esbuild = await import('esbuild');
  mkdirSync(OUT_DIR, { recursive: true });
  const started = performance.now();
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    minifySyntax: true,
    minifyWhitespace: false,
    minifyIdentifiers: false,
    // No keepNames: it wraps every function esbuild sees in `__name(fn, 'name')`, an
    // Object.defineProperty at run time, also for each closure a render or a tick makes (a panel's
    // columns, callbacks inside components): 8% of the steady simulation's main thread in a CPU
    // profile. Identifiers are not minified, so V8 names functions as the source does; only two
    // classes are renamed by a collision in the bundle (React's PureComponent, pg's TypeOverrides),
    // and nothing reads their names.
    keepNames: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  };
  const result = await esbuild.build({
    ...common,
    entryPoints: ['src/cli.ts'],
    outfile: SCRIPT_OUT,
    format: 'cjs',
    define: {
      // React, react-reconciler and scheduler pick their production build from this at build time.
      'process.env.NODE_ENV': '"production"',
      // The script's URL, given by the bin (src/cli/codeCache.ts): keepModuleUrl resolves from it.
      'import.meta.url': '__lsosBundleUrl',
    },
    sourcemap: 'linked',
    // ASCII only (esbuild escapes what is not, also in template literals): the bin reads the script
    // as latin1, a copy, where decoding 3.6 MB of UTF-8 cost 35–45 ms of CPU.
    charset: 'ascii',
    // Optional native or dev-only modules the dependencies try to load and do without.
    external: ['pg-native', 'react-devtools-core', 'bufferutil', 'utf-8-validate'],
    // Node's CommonJS module wrapper, written into the file: the bin compiles the file's text as
    // it is (a 3.6 MB concatenation would be copied again), plus the URL `import.meta.url` stands for.
    banner: {
      js: `// lsos-cockpit production bundle (scripts/bundle.mjs): edit src/, then npm run build\n(function (${SCRIPT_PARAMS.join(', ')}) {`,
    },
    footer: { js: '})' },
    plugins: [builtinsByRequire, keepModuleUrl, nodeOnly],
  });
  // The #! line esbuild keeps from src/cli.ts becomes a comment (the wrapper follows it; lines stay put).
  const built = onceToESM(readFileSync(SCRIPT_OUT, 'utf8'));
  const patched = await asciiComments(built.startsWith('#!') ? `//${built.slice(1)}` : built, esbuild);
  const script = Buffer.from(await withoutWhitespace(esbuild, patched, readFileSync(`${SCRIPT_OUT}.map`, 'utf8')), 'latin1');
  writeFileSync(SCRIPT_OUT, script);
  // The bin keys its code cache by this: cached code is only ever used with the script it came from.
  const scriptHash = createHash('sha256').update(script).digest('hex');
  const bin = await esbuild.build({
    ...common,
    entryPoints: ['src/bin.ts'],
    outfile: ENTRY_OUT,
    format: 'cjs',
    // src/bin.ts finds cockpit.cjs beside itself through import.meta.url (undefined in CommonJS).
    define: {
      __LSOS_BUNDLE_HASH__: JSON.stringify(scriptHash),
      __LSOS_RUNTIME_V8_FLAGS__: JSON.stringify(RUNTIME_V8_FLAGS),
      __LSOS_START_UP_V8_FLAGS__: JSON.stringify(START_UP_V8_FLAGS),
      'import.meta.url': '__lsosBinUrl',
    },
    banner: {
      js: [
        '// lsos-cockpit production bundle (scripts/bundle.mjs): the bin, it runs cockpit.cjs; edit src/, then npm run build',
        // First, so the bin stays strict code as it was as an ES module (a directive must lead).
        "'use strict';",
        "const __lsosBinUrl = require('node:url').pathToFileURL(__filename).href;",
      ].join('\n'),
    },
    plugins: [builtinsByRequire],
  });
  const outputs = [...Object.keys(result.metafile.outputs), ...Object.keys(bin.metafile.outputs), 'dist/src/cli.js']
    .filter((f) => /\.c?js$/.test(f))
    .map((f) => relative(ROOT, join(ROOT, f)).split(sep).join('/'));
  // Chunks of the earlier, split bundle (their names carry a content hash) would pile up; removed
  // only after a successful build, so a failed one leaves the previous bundle whole.
  for (const f of readdirSync(OUT_DIR)) if (f.startsWith(CHUNK_PREFIX)) rmSync(join(OUT_DIR, f));
  // esbuild keeps src/bin.ts's `#!/usr/bin/env node`: the bin's header takes its place.
  const entry = readFileSync(ENTRY_OUT, 'utf8');
  if (!entry.startsWith('#!/usr/bin/env node\n')) throw new Error('bundle: dist/src/cli.cjs does not start with the expected #! line');
  const header = binHeader();
  writeFileSync(ENTRY_OUT, `${header}${entry.slice(entry.indexOf('\n') + 1)}`);
  chmodSync(ENTRY_OUT, 0o755);
  // Over tsc's dist/src/cli.js (src/cli.ts unbundled): the same header, so a bench reading flags from it finds them.
  writeFileSync(
    COMPAT_OUT,
    `${header}// lsos-cockpit production bundle (scripts/bundle.mjs): the bin is cli.cjs (CommonJS, faster to start); this runs it\nimport './cli.cjs';\n`,
  );
  chmodSync(COMPAT_OUT, 0o755);
  if (metafile) writeFileSync(join(ROOT, 'dist', 'bundle-meta.json'), JSON.stringify(result.metafile));
  writeFileSync(STAMP, JSON.stringify({ builtAt: new Date().toISOString(), outputs }, null, 2) + '\n');
  process.stdout.write(
    `bundle: dist/src/cli.cjs ${(statSync(ENTRY_OUT).size / 1024).toFixed(0)} KiB runs dist/src/cockpit.cjs ${(script.length / 1024).toFixed(0)} KiB, in ${Math.round(performance.now() - started)} ms\n`,
  );
}

const args = new Set(process.argv.slice(2));
if (args.has('--if-stale') && isCurrent()) {
  process.stdout.write('bundle: dist/src/cli.cjs is current\n');
} else {
  await bundle({ metafile: args.has('--metafile') });
}
