// Who may do what (runbook 8). Identity is the OS user running the cockpit; roles come from a
// roles file owned by someone else. Like sshd with loose key permissions, a roles file that the
// user it grants roles to could edit (or replace, through its directory) is refused: such a file
// would let anyone grant themselves `privileged`. No flag or environment variable raises a role;
// `--readonly` may only lower it.
//
// Format (YAML):
//   users:
//     alice: privileged
//     bob: operator
//   groups:            # optional: a role for every member of a Unix group (by name or gid)
//     oncall: operator
//   mitigation:        # optional: the operator-configured "increase replicas" command
//     replicas_command: [kubectl, scale, deployment/lsos-{pool}, --replicas={replicas}]
//     replicas_timeout_seconds: 60
// The highest role granted (user or group) wins.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseYamlData } from '../../domain/yaml.js';
import { InputFileError, readInputFd } from '../../config/inputFile.js';

export const ROLES = ['viewer', 'operator', 'privileged'] as const;
export type Role = (typeof ROLES)[number];

export const DEFAULT_ROLES_FILE = '/etc/lsos-cockpit/roles.yaml';

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export function roleRank(r: Role): number {
  return ROLES.indexOf(r);
}

export function atLeast(have: Role, need: Role): boolean {
  return roleRank(have) >= roleRank(need);
}

export interface Identity {
  username: string;
  uid: number;
  gid: number;
  /** Supplementary groups (gids), for the group-writable rule. */
  groups: number[];
}

/** The OS user running the cockpit. Never from the environment. */
export function currentIdentity(): Identity {
  const u = os.userInfo();
  const groups = typeof process.getgroups === 'function' ? process.getgroups() : [u.gid];
  return { username: u.username, uid: u.uid, gid: u.gid, groups: [...new Set([u.gid, ...groups])] };
}

export interface ReplicasCommand {
  argv: string[];
  timeoutMs: number;
}

export interface RolesFile {
  path: string;
  users: Record<string, Role>;
  groups: Record<string, Role>;
  replicasCommand: ReplicasCommand | null;
}

export type RoleResolution =
  | { ok: true; role: Role; file: RolesFile; identity: Identity; source: string }
  | { ok: false; role: 'viewer'; reason: string; identity: Identity; file: RolesFile | null };

/** Gids of a Unix group name, from /etc/group (none when unknown). */
function groupMembers(): Map<string, { gid: number; members: string[] }> {
  const out = new Map<string, { gid: number; members: string[] }>();
  try {
    for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , gid, members] = line.split(':');
      if (!name || gid === undefined) continue;
      out.set(name, { gid: Number(gid), members: (members ?? '').split(',').filter(Boolean) });
    }
  } catch {
    /* no /etc/group: group grants resolve by gid only */
  }
  return out;
}

/**
 * Why `file` (a roles file or a directory above it) could be changed by `who`, or null. The rules:
 * owned by that user (they can chmod it back at will), group-writable by a group they are in,
 * world-writable. A directory with the sticky bit (like /tmp) is safe against others replacing the
 * file, but not against its owner.
 */
export function writableBy(st: fs.Stats, who: Identity, isDir: boolean): string | null {
  const mode = st.mode & 0o7777;
  if (st.uid === who.uid) return `it is owned by ${who.username} (uid ${who.uid})`;
  if (mode & 0o020 && who.groups.includes(st.gid))
    return `it is group-writable (mode ${mode.toString(8)}) by gid ${st.gid}, a group of ${who.username}`;
  if (mode & 0o002) {
    if (isDir && mode & 0o1000) return null;
    return `it is world-writable (mode ${mode.toString(8)})`;
  }
  return null;
}

const MAX_SYMLINKS = 40; // as the kernel's ELOOP limit

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/**
 * The real path of `file`, resolved one component at a time (lstat, readlink), and every
 * directory the resolution went through: the directories holding each symlink as well as the
 * directories of what it points to. Whoever could change any of them could redirect the path.
 */
export function resolveRealPath(file: string): { real: string; dirs: string[]; last: fs.Stats } {
  let pending = path.resolve(file).split('/').filter(Boolean);
  let cur = '/';
  const dirs = new Set<string>(['/']);
  let links = 0;
  let last = fs.lstatSync('/');
  while (pending.length > 0) {
    const c = pending.shift() as string;
    if (c === '.') continue;
    if (c === '..') {
      cur = path.dirname(cur);
      continue;
    }
    const next = path.join(cur, c);
    const st = fs.lstatSync(next);
    if (st.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) throw errno('ELOOP', `too many symbolic links in ${file}`);
      const target = fs.readlinkSync(next);
      pending = [...target.split('/').filter(Boolean), ...pending];
      if (path.isAbsolute(target)) cur = '/';
      continue;
    }
    if (pending.length > 0) {
      if (!st.isDirectory()) throw errno('ENOTDIR', `${next} is not a directory`);
      dirs.add(next);
    }
    cur = next;
    last = st;
  }
  return { real: cur, dirs: [...dirs], last };
}

/** Problems of the directories of a resolved path (the file could be replaced through them). */
function directoryProblems(dirs: readonly string[], who: Identity): string[] {
  const problems: string[] = [];
  // Deepest first: the directory holding the file is the likeliest culprit and is named first.
  for (const dir of [...dirs].reverse()) {
    const why = writableBy(fs.lstatSync(dir), who, true);
    if (why) problems.push(`${dir}: ${why} (the file could be replaced)`);
  }
  return problems;
}

/**
 * Every problem that makes the file untrustworthy for `who`: the file itself and every directory
 * its path goes through, symlinks followed (the link's directories and the target's). A check by
 * path, for callers that only want to know; resolveRole checks the opened descriptor instead.
 */
export function permissionProblems(file: string, who: Identity): string[] {
  const { real, dirs, last } = resolveRealPath(file);
  if (!last.isFile()) return [`${real} is not a regular file`];
  const problems: string[] = [];
  const own = writableBy(last, who, false);
  if (own) problems.push(`${real}: ${own}`);
  return [...problems, ...directoryProblems(dirs, who)];
}

/**
 * The roles file, read once through one descriptor: the path is resolved (every directory on the
 * way recorded), the real path opened with O_NOFOLLOW, the opened descriptor checked (the same
 * file the resolution found, a regular file, not writable by `who`, at most 1 MiB), the
 * directories checked, and the text read from that descriptor. Nothing is looked up by path after
 * the checks, so swapping a link or a file in between changes nothing: the checks and the read
 * are of the same file. Directory rules cannot be raced either: only a directory's owner can
 * change its mode, and a directory owned by `who` is refused.
 */
export function readRolesFileChecked(file: string, who: Identity, o: { skipOwnership?: boolean } = {}): { text: string; real: string } {
  const { real, dirs, last } = resolveRealPath(file);
  const fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  try {
    const st = fs.fstatSync(fd);
    if (st.dev !== last.dev || st.ino !== last.ino)
      throw new RolesFileError(`roles file ${file} changed while it was being checked: refused`);
    if (!st.isFile()) throw new RolesFileError(`roles file refused: ${real} is not a regular file`);
    if (!o.skipOwnership) {
      const problems: string[] = [];
      const own = writableBy(st, who, false);
      if (own) problems.push(`${real}: ${own}`);
      problems.push(...directoryProblems(dirs, who));
      if (problems.length > 0)
        throw new RolesFileError(`roles file refused (as sshd refuses loose key permissions): ${problems.join('; ')}`);
    }
    return { text: readInputFd(fd, real === path.resolve(file) ? real : `${file} (${real})`, { what: 'roles file' }), real };
  } finally {
    fs.closeSync(fd);
  }
}

export class RolesFileError extends Error {
  override name = 'RolesFileError';
}

/** Parses and validates the YAML. Throws RolesFileError naming what is wrong. */
export function parseRolesFile(text: string, file: string): RolesFile {
  const data = parseYamlData(text, file);
  if (!data.ok) throw new RolesFileError(`${data.where}: ${data.problem.message}`);
  const doc = data.value;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new RolesFileError(`${file}: expected a mapping with "users"`);
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d))
    if (!['users', 'groups', 'mitigation'].includes(k)) throw new RolesFileError(`${file}: unknown key "${k}"`);
  const table = (key: 'users' | 'groups'): Record<string, Role> => {
    const v = d[key];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new RolesFileError(`${file}: "${key}" must map names to roles`);
    const out: Record<string, Role> = {};
    for (const [name, role] of Object.entries(v as Record<string, unknown>)) {
      if (!isRole(role)) throw new RolesFileError(`${file}: ${key}.${name}: "${String(role)}" is not a role (${ROLES.join(', ')})`);
      out[name] = role;
    }
    return out;
  };
  let replicasCommand: ReplicasCommand | null = null;
  const m = d.mitigation;
  if (m !== undefined && m !== null) {
    if (typeof m !== 'object' || Array.isArray(m)) throw new RolesFileError(`${file}: "mitigation" must be a mapping`);
    const mm = m as Record<string, unknown>;
    const argv = mm.replicas_command;
    if (argv !== undefined) {
      if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string' && a !== '')) {
        throw new RolesFileError(`${file}: mitigation.replicas_command must be a non-empty list of strings (an argument vector, no shell)`);
      }
      const t = mm.replicas_timeout_seconds ?? 60;
      if (typeof t !== 'number' || !(t > 0) || t > 3600)
        throw new RolesFileError(`${file}: mitigation.replicas_timeout_seconds must be 1..3600`);
      replicasCommand = { argv: argv as string[], timeoutMs: t * 1000 };
    }
  }
  return { path: file, users: table('users'), groups: table('groups'), replicasCommand };
}

export interface ResolveOptions {
  /** The roles file; DEFAULT_ROLES_FILE in live mode. */
  path: string;
  identity?: Identity;
  /**
   * The simulation's own demo file (fixtures/roles.demo.yaml) is checked out by the user running
   * the demo, so it is always "owned by that user": in simulation mode only, the ownership rule is
   * waived for it. Nothing the simulation does reaches a real system.
   */
  simulationDemo?: boolean;
}

/** The role of the OS user, or viewer with the reason (missing file, refused file, not listed). */
export function resolveRole(o: ResolveOptions): RoleResolution {
  const identity = o.identity ?? currentIdentity();
  const no = (reason: string, file: RolesFile | null = null): RoleResolution => ({ ok: false, role: 'viewer', reason, identity, file });
  let text: string;
  try {
    text = readRolesFileChecked(o.path, identity, { skipOwnership: o.simulationDemo === true }).text;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return no(`no roles file at ${o.path}: read-only`);
    if (e instanceof RolesFileError || e instanceof InputFileError) return no(e.message);
    return no(`roles file ${o.path} cannot be checked: ${e instanceof Error ? e.message : String(e)}`);
  }
  let file: RolesFile;
  try {
    file = parseRolesFile(text, o.path);
  } catch (e) {
    return no(e instanceof Error ? e.message : String(e));
  }
  let best: { role: Role; source: string } | null = null;
  const grant = (role: Role, source: string) => {
    if (!best || roleRank(role) > roleRank(best.role)) best = { role, source };
  };
  const byUser = file.users[identity.username];
  if (byUser) grant(byUser, `user ${identity.username}`);
  // `*` (every user) is for the simulation's demo file only; a live roles file names people.
  const anyone = file.users['*'];
  if (anyone && !o.simulationDemo) return no(`${o.path}: "*" grants a role to everyone; only the simulation's demo file may do that`, file);
  if (anyone) grant(anyone, 'everyone (simulation demo)');
  const groups = groupMembers();
  for (const [g, role] of Object.entries(file.groups)) {
    const info = groups.get(g);
    const gid = info?.gid ?? (/^\d+$/.test(g) ? Number(g) : null);
    const member = (gid !== null && identity.groups.includes(gid)) || (info?.members.includes(identity.username) ?? false);
    if (member) grant(role, `group ${g}`);
  }
  const found = best as { role: Role; source: string } | null;
  if (!found) return no(`${identity.username} has no role in ${o.path}: read-only`, file);
  return { ok: true, role: found.role, file, identity, source: `${found.source} in ${o.path}` };
}
