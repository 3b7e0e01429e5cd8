// The paging configuration: the roster file, record-only or live, the acknowledgement callback
// listener, re-page times, the SEV-3 ticket webhook, timeouts and retry backoff. Read from the
// `paging:` section of the cockpit's config file (line-aware, like src/config/file.ts), then the
// flags (`--roster FILE`, `--paging-dry-run`, `--paging-live`, `--paging-callback-port N`).
// Every problem is reported with where it came from.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { isMap, isScalar, type Node, type Pair } from 'yaml';
import { parseDurationMs } from '../../domain/duration.js';
import { parseYaml } from '../../domain/yaml.js';
import { ConfigError, type ConfigProblem } from '../../config/errors.js';
import { readInputFile } from '../../config/inputFile.js';
import {
  DEFAULT_REPAGE_MS,
  PAGE_FORMATS,
  isWebhookUrl,
  parseRoster,
  type PageFormat,
  type RepageTimes,
  type Roster,
  type TicketEndpoint,
} from '../../core/paging.js';

export interface PagingConfig {
  /** The roster file. */
  rosterFile: string;
  /** True when given (flag or config key): a missing file is then an error, not "paging off". */
  rosterExplicit: boolean;
  /** `record-only`: pages are written to the journal and shown, never sent (the simulation's default). */
  mode: 'live' | 'record-only';
  /** The acknowledgement listener; null: acknowledgements by key only. */
  callback: { host: string; port: number } | null;
  /** When set, callbacks must carry `Authorization: Bearer <token>`. */
  callbackToken: string | null;
  repageMs: RepageTimes;
  /** SEV-3 tickets; null: the ticket is recorded (and shown) but not sent anywhere. */
  ticket: TicketEndpoint | null;
  requestTimeoutMs: number;
  retry: { initialMs: number; maxMs: number; jitter: number };
  /** How often due retries and re-pages are looked for. */
  sweepMs: number;
  /** PagerDuty's `payload.source`. */
  source: string;
}

export const DEFAULT_CALLBACK_HOST = '127.0.0.1';
/** The callback token from the environment (beats `paging.callback.token`; keeps it out of the config file). */
export const CALLBACK_TOKEN_ENV = 'LSOS_PAGING_CALLBACK_TOKEN';
/** A shorter token would be guessed (src/control/paging/callback.ts refuses it too). */
const MIN_TOKEN_LENGTH = 16;

export function defaultPagingConfig(partial: Partial<PagingConfig> = {}): PagingConfig {
  return {
    rosterFile: 'roster.yaml',
    rosterExplicit: false,
    mode: 'live',
    callback: null,
    callbackToken: null,
    repageMs: { ...DEFAULT_REPAGE_MS },
    ticket: null,
    requestTimeoutMs: 10_000,
    retry: { initialMs: 1000, maxMs: 60_000, jitter: 0.2 },
    sweepMs: 1000,
    source: 'lsos-cockpit',
    ...partial,
  };
}

export interface PagingFlags {
  roster?: string;
  dryRun?: boolean;
  live?: boolean;
  callbackPort?: number;
}

/** Takes the paging flags out of argv; returns them and the rest (problems for bad values). */
export function parsePagingFlags(argv: readonly string[]): { flags: PagingFlags; rest: string[]; problems: ConfigProblem[] } {
  const flags: PagingFlags = {};
  const rest: string[] = [];
  const problems: ConfigProblem[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [name, inline] =
      a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
    if (name === '--roster') {
      const v = value();
      if (!v) problems.push({ origin: 'flag --roster', path: 'paging.roster', message: '--roster needs a file' });
      else flags.roster = v;
    } else if (name === '--paging-dry-run') flags.dryRun = true;
    else if (name === '--paging-live') flags.live = true;
    else if (name === '--paging-callback-port') {
      const v = value();
      const n = Number(v);
      if (!v || !Number.isInteger(n) || n < 0 || n > 65535) {
        problems.push({
          origin: 'flag --paging-callback-port',
          path: 'paging.callback.port',
          message: `--paging-callback-port: "${v ?? ''}" is not a port (0-65535)`,
        });
      } else flags.callbackPort = n;
    } else rest.push(a);
  }
  return { flags, rest, problems };
}

type Env = NodeJS.ProcessEnv | Record<string, string | undefined>;

/** `$XDG_CONFIG_HOME/lsos-cockpit/roster.yaml`, else `~/.config/lsos-cockpit/roster.yaml`. */
export function defaultRosterPath(env: Env, home?: string): string {
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'lsos-cockpit', 'roster.yaml');
  return join(home ?? (env.HOME || homedir()), '.config', 'lsos-cockpit', 'roster.yaml');
}

const PAGING_KEYS = ['roster', 'mode', 'callback', 'repage', 'ticket', 'requestTimeout', 'retry'] as const;

/**
 * The `paging:` section of a config file's text (the rest of the file is src/config's business).
 * Returns the values set and every problem, each with file:line:col.
 */
export function readPagingSection(
  text: string,
  file: string,
): { values: Partial<PagingConfig> & { roster?: string }; problems: ConfigProblem[] } {
  const yaml = parseYaml(text, file);
  const problems: ConfigProblem[] = [];
  const values: Partial<PagingConfig> & { roster?: string } = {};
  if (yaml.problems.length > 0) return { values, problems }; // src/config reports what is wrong with the YAML
  const problem = (node: Node | null | undefined, path: string, message: string, fallback?: Node | null) =>
    problems.push({ origin: yaml.where(node, fallback), path, message: `${path}: ${message}` });
  const root = yaml.root();
  if (!isMap(root)) return { values, problems };
  const pagingPair = (root.items as Pair<Node, Node | null>[]).find((p) => isScalar(p.key) && p.key.value === 'paging');
  if (!pagingPair) return { values, problems };
  const section = pagingPair.value ?? null;
  if (!isMap(section)) {
    problem(section, 'paging', 'expected a mapping', pagingPair.key);
    return { values, problems };
  }
  const map = (
    node: Node | null,
    path: string,
    allowed: readonly string[],
    keyNode: Node | null,
  ): Map<string, { key: Node; value: Node | null }> => {
    const out = new Map<string, { key: Node; value: Node | null }>();
    if (!isMap(node)) {
      problem(node, path, 'expected a mapping', keyNode);
      return out;
    }
    for (const p of node.items as Pair<Node, Node | null>[]) {
      const k = isScalar(p.key) ? String(p.key.value) : '';
      if (!allowed.includes(k)) problem(p.key, `${path}.${k}`, `unknown key (allowed: ${allowed.join(', ')})`);
      else out.set(k, { key: p.key, value: p.value ?? null });
    }
    return out;
  };
  const string = (node: Node | null, path: string, keyNode: Node): string | null => {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') {
      problem(node, path, 'expected a non-empty string', keyNode);
      return null;
    }
    return node.value.trim();
  };
  const duration = (node: Node | null, path: string, keyNode: Node, unitMs: number): number | null => {
    const v = isScalar(node) ? node.value : undefined;
    const ms = typeof v === 'number' ? v * unitMs : typeof v === 'string' ? parseDurationMs(v) : null;
    if (ms === null || !Number.isFinite(ms) || ms <= 0) {
      problem(
        node,
        path,
        `bad duration ${JSON.stringify(v ?? null)} (a number of ${unitMs === 1000 ? 'seconds' : 'minutes'}, or e.g. "90s", "5m")`,
        keyNode,
      );
      return null;
    }
    return ms;
  };

  const e = map(section, 'paging', PAGING_KEYS, pagingPair.key);
  const roster = e.get('roster');
  if (roster) {
    const v = string(roster.value, 'paging.roster', roster.key);
    if (v !== null) values.roster = v;
  }
  const mode = e.get('mode');
  if (mode) {
    const v = string(mode.value, 'paging.mode', mode.key);
    if (v === 'live' || v === 'record-only') values.mode = v;
    else if (v !== null) problem(mode.value, 'paging.mode', `"${v}" is not live or record-only`);
  }
  const cb = e.get('callback');
  if (cb) {
    const c = map(cb.value, 'paging.callback', ['host', 'port', 'token'], cb.key);
    const host = c.get('host');
    const port = c.get('port');
    const token = c.get('token');
    const hostV = host ? string(host.value, 'paging.callback.host', host.key) : DEFAULT_CALLBACK_HOST;
    let portV: number | null = null;
    if (!port) problem(null, 'paging.callback.port', 'missing', cb.value);
    else {
      const v = isScalar(port.value) ? port.value.value : undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535)
        problem(port.value, 'paging.callback.port', `${JSON.stringify(v ?? null)} is not a port (0-65535)`);
      else portV = v;
    }
    if (hostV !== null && portV !== null) values.callback = { host: hostV, port: portV };
    if (token) {
      const t = string(token.value, 'paging.callback.token', token.key);
      if (t !== null) values.callbackToken = t;
    }
  }
  const repage = e.get('repage');
  if (repage) {
    const r = map(repage.value, 'paging.repage', ['SEV-1', 'SEV-2'], repage.key);
    const out: RepageTimes = { ...DEFAULT_REPAGE_MS };
    for (const sev of ['SEV-1', 'SEV-2'] as const) {
      const n = r.get(sev);
      if (!n) continue;
      const ms = duration(n.value, `paging.repage.${sev}`, n.key, 60_000);
      if (ms !== null) out[sev] = ms;
    }
    values.repageMs = out;
  }
  const ticket = e.get('ticket');
  if (ticket) {
    const t = map(ticket.value, 'paging.ticket', ['webhook', 'routingKey', 'format'], ticket.key);
    const wh = t.get('webhook');
    const rk = t.get('routingKey');
    const fm = t.get('format');
    const webhook = wh ? string(wh.value, 'paging.ticket.webhook', wh.key) : null;
    if (!wh) problem(null, 'paging.ticket.webhook', 'missing', ticket.value);
    if (webhook !== null && !isWebhookUrl(webhook)) problem(wh?.value, 'paging.ticket.webhook', 'not an http(s) URL');
    const routingKey = rk ? string(rk.value, 'paging.ticket.routingKey', rk.key) : null;
    let format: PageFormat = 'generic';
    if (fm) {
      const f = string(fm.value, 'paging.ticket.format', fm.key);
      if (f !== null && (PAGE_FORMATS as readonly string[]).includes(f)) format = f as PageFormat;
      else if (f !== null) problem(fm.value, 'paging.ticket.format', `"${f}" is not one of ${PAGE_FORMATS.join(', ')}`);
    }
    if (webhook !== null && isWebhookUrl(webhook)) values.ticket = { webhook, routingKey, format };
  }
  const timeout = e.get('requestTimeout');
  if (timeout) {
    const ms = duration(timeout.value, 'paging.requestTimeout', timeout.key, 1000);
    if (ms !== null) values.requestTimeoutMs = ms;
  }
  const retry = e.get('retry');
  if (retry) {
    const r = map(retry.value, 'paging.retry', ['initial', 'max'], retry.key);
    const out = { ...defaultPagingConfig().retry };
    const i = r.get('initial');
    const m = r.get('max');
    if (i) out.initialMs = duration(i.value, 'paging.retry.initial', i.key, 1000) ?? out.initialMs;
    if (m) out.maxMs = duration(m.value, 'paging.retry.max', m.key, 1000) ?? out.maxMs;
    if (out.maxMs < out.initialMs) problem(m?.value ?? null, 'paging.retry.max', 'is below paging.retry.initial', retry.value);
    values.retry = out;
  }
  return { values, problems };
}

export interface LoadPagingInput {
  /** The cockpit's config file, if one was read (its `paging:` section is used). */
  configFile?: string | null;
  /** Its text, when already read. */
  configText?: string;
  flags?: PagingFlags;
  env: Env;
  cwd: string;
  home?: string;
  /** Simulation mode: record-only by default, demo roster by default. */
  simulation?: boolean;
  /** The demo roster (fixtures/roster.demo.yaml) used in simulation when no roster is given. */
  demoRoster?: string;
}

/**
 * The paging config: defaults, the config file's `paging:` section, then the flags.
 * Throws ConfigError with every problem.
 */
export function loadPagingConfig(input: LoadPagingInput): PagingConfig {
  const problems: ConfigProblem[] = [];
  let fromFile: ReturnType<typeof readPagingSection>['values'] = {};
  if (input.configFile) {
    let text = input.configText;
    if (text === undefined) {
      try {
        text = readInputFile(input.configFile, { what: 'config file' });
      } catch {
        text = '';
      }
    }
    const r = readPagingSection(text, input.configFile);
    problems.push(...r.problems);
    fromFile = r.values;
  }
  const flags = input.flags ?? {};
  const { roster: fileRoster, ...rest } = fromFile;
  let rosterFile = defaultRosterPath(input.env, input.home);
  let rosterExplicit = false;
  if (input.simulation && input.demoRoster) rosterFile = input.demoRoster;
  if (fileRoster !== undefined) {
    rosterFile = resolve(input.configFile ? join(input.configFile, '..') : input.cwd, fileRoster);
    rosterExplicit = true;
  }
  if (flags.roster !== undefined) {
    rosterFile = resolve(input.cwd, flags.roster);
    rosterExplicit = true;
  }
  const config = defaultPagingConfig({ ...rest, rosterFile, rosterExplicit });
  if (input.simulation && rest.mode === undefined) config.mode = 'record-only';
  if (flags.dryRun) config.mode = 'record-only';
  if (flags.live) config.mode = 'live';
  if (flags.dryRun && flags.live)
    problems.push({
      origin: 'flag --paging-live',
      path: 'paging.mode',
      message: '--paging-live and --paging-dry-run contradict each other',
    });
  if (flags.callbackPort !== undefined)
    config.callback = { host: config.callback?.host ?? DEFAULT_CALLBACK_HOST, port: flags.callbackPort };
  const envToken = input.env[CALLBACK_TOKEN_ENV]?.trim();
  if (envToken) config.callbackToken = envToken;
  const tokenOrigin = envToken ? `environment variable ${CALLBACK_TOKEN_ENV}` : (input.configFile ?? 'paging.callback.token');
  if (config.callbackToken !== null && config.callbackToken.length < MIN_TOKEN_LENGTH)
    problems.push({
      origin: tokenOrigin,
      path: 'paging.callback.token',
      message: `paging.callback.token: at least ${MIN_TOKEN_LENGTH} characters (it is ${config.callbackToken.length}); e.g. openssl rand -hex 24`,
    });
  // Live paging: anyone on the host can reach the port, so acknowledgements need the token.
  if (config.callback && config.mode === 'live' && config.callbackToken === null)
    problems.push({
      origin: flags.callbackPort !== undefined ? 'flag --paging-callback-port' : (input.configFile ?? 'paging.callback'),
      path: 'paging.callback.token',
      message: `paging.callback: live paging with an acknowledgement callback needs a token (paging.callback.token or ${CALLBACK_TOKEN_ENV}, at least ${MIN_TOKEN_LENGTH} characters): without one anyone on this host could acknowledge pages`,
    });
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export class RosterError extends ConfigError {
  override name = 'RosterError';
}

/**
 * Reads the roster. A missing roster that was not asked for is `null` (paging off, said on the
 * escalation panel); a missing explicit one, or any problem in it, is a RosterError.
 */
export function loadRoster(config: Pick<PagingConfig, 'rosterFile' | 'rosterExplicit'>): Roster | null {
  let text: string;
  try {
    text = readInputFile(config.rosterFile, { what: 'roster' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !config.rosterExplicit) return null;
    throw new RosterError([
      { origin: config.rosterFile, path: 'paging.roster', message: `cannot read the roster: ${(err as Error).message}` },
    ]);
  }
  const r = parseRoster(text, config.rosterFile);
  if (!r.ok) throw new RosterError(r.problems);
  return r.roster;
}
