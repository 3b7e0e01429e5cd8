// Command-line parsing for the cockpit, validated at the edge: an unknown flag or a bad value is
// named, never guessed at. Pure: no process access here.
import type { CockpitFlags } from '../runtime/flags.js';

export class UsageError extends Error {}

export const USAGE = `lsos-cockpit: terminal incident cockpit for LSOS (Celery on Redis/RabbitMQ, PostgreSQL).

Usage:
  lsos-cockpit [options]                 open the cockpit on the live sources configured, else the embedded simulation
  lsos-cockpit check [--json]            the runbook's daily checklist (exit 0 ok, 1 warn, 2 breach, 3 could not run)
  lsos-cockpit act <action> [options] --reason TEXT [--dry-run]
                                         run a runbook mitigation without the screen (act --list)
  lsos-cockpit audit verify|flush        check the ops_audit_log hash chain; flush waiting rows
  lsos-cockpit incidents [--json]        list recorded incidents
  lsos-cockpit pir export [<id>|latest] [-o FILE] [--strict]   (no id: the incident just resolved)
                                         write the post-incident review as markdown

Options:
  --scenario NAME|FILE   simulation scenario (default: default); --list-scenarios lists them
  --speed N              run the simulation N times faster than real time (default 1)
  --seed N               simulation seed (default 1); the same seed replays the same incident
  --readonly             drop every action for this session (a flag may lower rights, never raise them)
  --ascii                ASCII borders (automatic when the locale is not UTF-8)
  --theme dark|light|mono  colour theme (mono when NO_COLOR is set)
  --presentation         start in presentation mode (war-room screen share)
  --state-dir DIR        where incident journals live (default $XDG_STATE_HOME/lsos-cockpit)
  --roster FILE          the paging roster (default $XDG_CONFIG_HOME/lsos-cockpit/roster.yaml)
  --paging-dry-run       record pages without sending them (the default on the simulation)
  --paging-live          send pages on the simulation too
  --paging-callback-port N  listen on 127.0.0.1:N for page acknowledgements
  -h, --help             this help
  -V, --version          the version
`;

function takeValue(argv: string[], i: number, flag: string): string {
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return v;
}

function positiveNumber(v: string, flag: string, integer = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} must be a positive ${integer ? 'whole ' : ''}number, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function parseCockpitFlags(argv: string[]): CockpitFlags {
  const f: CockpitFlags = {
    scenario: 'default',
    speed: 1,
    seed: 1,
    readonly: false,
    ascii: null,
    theme: null,
    presentation: false,
    stateDir: null,
    help: false,
    version: false,
    listScenarios: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = takeValue(argv, i, flag);
      i += 1;
      return v;
    };
    switch (flag) {
      case '--scenario':
        f.scenario = value();
        break;
      case '--speed':
        f.speed = positiveNumber(value(), '--speed');
        break;
      case '--seed':
        f.seed = positiveNumber(value(), '--seed', true);
        break;
      case '--readonly':
        f.readonly = true;
        break;
      case '--ascii':
        f.ascii = true;
        break;
      case '--theme': {
        const t = value();
        if (t !== 'dark' && t !== 'light' && t !== 'mono')
          throw new UsageError(`--theme must be dark, light or mono, got ${JSON.stringify(t)}`);
        f.theme = t;
        break;
      }
      case '--presentation':
        f.presentation = true;
        break;
      case '--state-dir':
        f.stateDir = value();
        break;
      case '--list-scenarios':
        f.listScenarios = true;
        break;
      case '-h':
      case '--help':
        f.help = true;
        break;
      case '-V':
      case '--version':
        f.version = true;
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(a)} (see --help)`);
    }
  }
  return f;
}
