// Roles file rules (runbook 8), on real files with real owners and modes (the tests run as root,
// so files are handed to a test uid with chown, as an admin would).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionProblems, resolveRole, type Identity } from '../../src/control/roles/roles.js';

const ALICE: Identity = { username: 'alice', uid: 42_001, gid: 42_001, groups: [42_001, 42_100] };
const isRoot = process.getuid?.() === 0;
let dir = '';

function write(name: string, text: string, mode = 0o644, uid = 0, gid = 0): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  fs.chownSync(f, uid, gid);
  fs.chmodSync(f, mode);
  return f;
}

const ROLES = 'users:\n  alice: privileged\n  bob: operator\n';

beforeAll(() => {
  if (!isRoot && process.env.CI === 'true')
    throw new Error('the roles permission tests need root (CI runs as root): they must run, not skip');
  if (!isRoot) console.warn('\n*** roles tests need root to chown files to a test uid: running the ones that do not ***\n');
  // A root-owned 0755 directory (not /tmp's sticky dir directly) so each rule is tested alone.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-roles-'));
  fs.chmodSync(dir, 0o755);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.runIf(isRoot)('roles file permissions (sshd-like)', () => {
  it('grants the role in a file the user cannot edit', () => {
    const f = write('ok.yaml', ROLES);
    expect(permissionProblems(f, ALICE)).toEqual([]);
    const r = resolveRole({ path: f, identity: ALICE });
    expect(r.ok).toBe(true);
    expect(r.role).toBe('privileged');
  });

  it('refuses a file owned by the user it grants roles to, even read-only', () => {
    const f = write('owned.yaml', ROLES, 0o444, ALICE.uid, 0);
    const r = resolveRole({ path: f, identity: ALICE });
    expect(r.ok).toBe(false);
    expect(r.role).toBe('viewer');
    if (!r.ok) expect(r.reason).toMatch(/owned by alice/);
    // Bob is listed too, but the file is alice's: refused for bob only if bob could edit it.
    const bob: Identity = { username: 'bob', uid: 42_002, gid: 42_002, groups: [42_002] };
    expect(resolveRole({ path: f, identity: bob }).role).toBe('operator');
  });

  it('refuses a group-writable file when the user is in the group, not otherwise', () => {
    const f = write('group.yaml', ROLES, 0o664, 0, 42_100);
    const r = resolveRole({ path: f, identity: ALICE });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/group-writable/);
    const outsider: Identity = { ...ALICE, groups: [42_001] };
    expect(resolveRole({ path: f, identity: outsider }).ok).toBe(true);
  });

  it('refuses a world-writable file', () => {
    const f = write('world.yaml', ROLES, 0o666);
    const r = resolveRole({ path: f, identity: ALICE });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/world-writable/);
  });

  it('refuses a file in a directory the user owns (the file could be replaced)', () => {
    const sub = path.join(dir, 'alices');
    fs.mkdirSync(sub);
    fs.chownSync(sub, ALICE.uid, ALICE.gid);
    const f = path.join(sub, 'roles.yaml');
    fs.writeFileSync(f, ROLES);
    fs.chmodSync(f, 0o644);
    const r = resolveRole({ path: f, identity: ALICE });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/could be replaced/);
  });

  it("follows a symlink and checks every directory on the way: the link's and the target's", () => {
    // A root-owned link to a root-owned file in root-owned directories: granted.
    const target = write('linked.yaml', ROLES);
    const link = path.join(dir, 'link.yaml');
    fs.symlinkSync(target, link);
    expect(resolveRole({ path: link, identity: ALICE })).toMatchObject({ ok: true, role: 'privileged' });
    // The same file reached through a directory alice owns (a link inside it): refused, naming it.
    const hers = path.join(dir, 'hers');
    fs.mkdirSync(hers);
    fs.chownSync(hers, ALICE.uid, ALICE.gid);
    fs.symlinkSync(target, path.join(hers, 'roles.yaml'));
    const via = path.join(dir, 'via.yaml');
    fs.symlinkSync(path.join(hers, 'roles.yaml'), via);
    const r = resolveRole({ path: via, identity: ALICE });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(`${hers}: it is owned by alice`);
    expect(permissionProblems(via, ALICE)).toEqual([`${hers}: it is owned by alice (uid ${ALICE.uid}) (the file could be replaced)`]);
  });

  it('refuses a roles path that is not a regular file, or loops', () => {
    const loop = path.join(dir, 'loop.yaml');
    fs.symlinkSync(loop, loop);
    const r = resolveRole({ path: loop, identity: ALICE });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/ELOOP|too many symbolic links/);
    const d = resolveRole({ path: dir, identity: ALICE });
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.reason).toMatch(/not a regular file/);
  });

  it('gives viewer, read-only, with the reason, when there is no roles file', () => {
    const r = resolveRole({ path: path.join(dir, 'missing.yaml'), identity: ALICE });
    expect(r).toMatchObject({ ok: false, role: 'viewer' });
    if (!r.ok) expect(r.reason).toMatch(/no roles file/);
  });

  it('refuses "*" in a live roles file; the simulation demo file may use it', () => {
    const f = write('star.yaml', 'users:\n  "*": privileged\n');
    expect(resolveRole({ path: f, identity: ALICE }).ok).toBe(false);
    const demo = resolveRole({ path: f, identity: ALICE, simulationDemo: true });
    expect(demo).toMatchObject({ ok: true, role: 'privileged' });
  });

  it('waives the ownership rule for the demo file in simulation mode only', () => {
    const f = write('demo.yaml', ROLES, 0o644, ALICE.uid, ALICE.gid);
    expect(resolveRole({ path: f, identity: ALICE }).ok).toBe(false);
    expect(resolveRole({ path: f, identity: ALICE, simulationDemo: true }).role).toBe('privileged');
  });

  it('grants by group (gid) and takes the highest grant', () => {
    const f = write('groups.yaml', 'users:\n  alice: viewer\ngroups:\n  "42100": operator\n');
    expect(resolveRole({ path: f, identity: ALICE }).role).toBe('operator');
  });

  it('refuses an unknown role or key, naming it', () => {
    const f = write('bad.yaml', 'users:\n  alice: admin\n');
    const r = resolveRole({ path: f, identity: ALICE });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/"admin" is not a role/);
    const g = write('bad2.yaml', 'users: {}\nroles: {}\n');
    const r2 = resolveRole({ path: g, identity: ALICE });
    if (!r2.ok) expect(r2.reason).toMatch(/unknown key "roles"/);
    expect(r2.ok).toBe(false);
  });

  it('reads the replicas command as an argument vector', () => {
    const f = write(
      'cmd.yaml',
      'users: {alice: operator}\nmitigation:\n  replicas_command: [kubectl, scale, "deployment/lsos-{pool}", "--replicas={replicas}"]\n  replicas_timeout_seconds: 30\n',
    );
    const r = resolveRole({ path: f, identity: ALICE });
    expect(r.file?.replicasCommand).toEqual({
      argv: ['kubectl', 'scale', 'deployment/lsos-{pool}', '--replicas={replicas}'],
      timeoutMs: 30_000,
    });
    const bad = write('cmd2.yaml', 'users: {alice: operator}\nmitigation:\n  replicas_command: "kubectl scale x"\n');
    expect(resolveRole({ path: bad, identity: ALICE }).ok).toBe(false);
  });
});
