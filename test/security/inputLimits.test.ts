// Input size limits: every file the cockpit reads because someone named it (config, roster,
// scenario, integrity checks, roles) is refused above 1 MiB with a message naming the file and the
// limit, decided on the opened descriptor before the file is read; FIFOs and devices are refused
// without hanging. On real files: a 75 MB log, a file one byte over the limit, one at the limit.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, MAX_PROBLEMS_SHOWN } from '../../src/config/errors.js';
import { INPUT_FILE_LIMIT, InputFileError, readInputFile } from '../../src/config/inputFile.js';
import { loadConfig } from '../../src/config/load.js';
import { loadIntegrityChecks } from '../../src/control/integrity/config.js';
import { loadRoster } from '../../src/control/paging/config.js';
import { resolveRole } from '../../src/control/roles/roles.js';
import { loadScenario } from '../../src/sources/sim/index.js';
import { CLI, ROOT } from '../e2e/tmux.js';

let dir = '';
let bigLog = '';
let overByOne = '';
let atLimit = '';
let fifo = '';

const LOG_LINE = '2026-12-06T08:00:00Z ERROR crawl.fetch_page: ConnectionError: host unreachable after 3 retries\n';

beforeAll(() => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'lsos-limits-'));
  chmodSync(dir, 0o755);
  // A real 75 MB log (not sparse): what an operator passes by mistake.
  bigLog = join(dir, 'worker.log');
  writeFileSync(bigLog, LOG_LINE.repeat(Math.ceil(75_000_000 / LOG_LINE.length)));
  // Valid YAML comments, one byte over and exactly at the limit.
  overByOne = join(dir, 'over.yaml');
  writeFileSync(overByOne, `#${'x'.repeat(INPUT_FILE_LIMIT - 2)}\n#`);
  atLimit = join(dir, 'at.yaml');
  writeFileSync(atLimit, `#${'x'.repeat(INPUT_FILE_LIMIT - 2)}\n`);
  fifo = join(dir, 'pipe.yaml');
  execFileSync('mkfifo', [fifo]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LIMIT_SAID = /over the 1 MiB limit/;

describe('input files over the limit are refused with the file and the limit', () => {
  it('a 75 MB log passed as --config: a short error, exit 2, quickly and in little memory', async () => {
    const started = Date.now();
    const r = await new Promise<{ code: number | null; err: string; out: string }>((resolve) => {
      execFile('node', [CLI, '--config', bigLog], { encoding: 'utf8', timeout: 60_000, maxBuffer: 512 * 1024 * 1024 }, (e, out, err) =>
        resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, out, err }),
      );
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain(bigLog);
    expect(r.err).toMatch(/is 75\.0 MB, over the 1 MiB limit for a config file/);
    expect(r.err.length).toBeLessThan(500);
    expect(Date.now() - started).toBeLessThan(20_000);
    // `check` says the same and exits 3 (could not run).
    const c = await new Promise<{ code: number | null; err: string }>((resolve) => {
      execFile(
        'node',
        [CLI, 'check', '--config', bigLog],
        { encoding: 'utf8', timeout: 60_000, maxBuffer: 512 * 1024 * 1024 },
        (e, _o, err) => resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, err }),
      );
    });
    expect(c.code).toBe(3);
    expect(c.err).toMatch(LIMIT_SAID);
    expect(c.err.length).toBeLessThan(500);
  });

  it('config: one byte over is refused, at the limit is read', () => {
    const load = (file: string) => loadConfig({ flags: { config: file }, env: {}, cwd: dir, home: dir });
    expect(() => load(overByOne)).toThrow(ConfigError);
    expect(() => load(overByOne)).toThrow(new RegExp(`flag --config: config file ${overByOne} is 1\\.0 MB, over the 1 MiB limit`));
    expect(load(atLimit).file).toBe(atLimit);
  });

  it('roster', () => {
    expect(() => loadRoster({ rosterFile: bigLog, rosterExplicit: true })).toThrow(
      /roster .*worker\.log is 75\.0 MB, over the 1 MiB limit/,
    );
    expect(() => loadRoster({ rosterFile: overByOne, rosterExplicit: true })).toThrow(LIMIT_SAID);
  });

  it('scenario', () => {
    expect(() => loadScenario(bigLog)).toThrow(/scenario file .*worker\.log is 75\.0 MB, over the 1 MiB limit/);
    expect(() => loadScenario(overByOne)).toThrow(LIMIT_SAID);
  });

  it('integrity checks', () => {
    expect(() => loadIntegrityChecks(bigLog)).toThrow(/integrity checks file .*worker\.log is 75\.0 MB, over the 1 MiB limit/);
    expect(() => loadIntegrityChecks(overByOne)).toThrow(LIMIT_SAID);
  });

  it('roles', () => {
    const r = resolveRole({ path: bigLog, identity: { username: 'alice', uid: 42_001, gid: 42_001, groups: [42_001] } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/roles file .*worker\.log is 75\.0 MB, over the 1 MiB limit/);
  });

  it('a FIFO or a device is refused at once, never waited on', () => {
    expect(() => readInputFile(fifo, { what: 'config file' })).toThrow(
      new InputFileError(`config file ${fifo} is not a regular file (a FIFO)`, 'ENOTREG'),
    );
    expect(() => loadConfig({ flags: { config: fifo }, env: {}, cwd: dir, home: dir })).toThrow(/is not a regular file \(a FIFO\)/);
    expect(() => loadConfig({ flags: { config: '/dev/zero' }, env: {}, cwd: dir, home: dir })).toThrow(
      /is not a regular file \(a character device\)/,
    );
  });

  it('a file of junk under the limit: the first problems and how many more, not megabytes', () => {
    const junk = join(dir, 'junk.yaml');
    // Deterministic noise of YAML punctuation: tens of thousands of syntax errors.
    const alphabet = 'ab:{}[],-#\n"\\\'';
    let x = 12345;
    let s = '';
    for (let i = 0; i < 300_000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      s += alphabet[x % alphabet.length];
    }
    writeFileSync(junk, s);
    let err: unknown;
    try {
      loadConfig({ flags: { config: junk }, env: {}, cwd: dir, home: dir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.problems.length).toBeGreaterThan(MAX_PROBLEMS_SHOWN);
    expect(e.message.split('\n')).toHaveLength(MAX_PROBLEMS_SHOWN + 1);
    expect(e.message).toMatch(/… and \d+ more problems$/);
    expect(e.message.length).toBeLessThan(MAX_PROBLEMS_SHOWN * 500);
  });
});
