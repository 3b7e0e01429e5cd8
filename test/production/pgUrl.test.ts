// libpq's multi-host connection strings for the PostgreSQL primary: the three ways of writing one,
// each host an ordinary URL for the driver, target_session_attrs checked, passwords masked.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { parsePgHosts } from '../../src/config/pgUrl.js';

const load = (env: Record<string, string>) => loadConfig({ env: { HOME: '/nonexistent-home', ...env }, argv: [], cwd: '/' });

describe('PostgreSQL multi-host URLs', () => {
  const expected = {
    urls: ['postgres://u:pw@db1:5432/lsos?sslmode=verify-full', 'postgres://u:pw@db2:5433/lsos?sslmode=verify-full'],
    labels: ['db1:5432', 'db2:5433'],
    attrs: 'read-write',
  };

  it('hosts in the authority, in ?host=&port=, and in keyword/value form mean the same', () => {
    expect(parsePgHosts('postgres://u:pw@db1:5432,db2:5433/lsos?target_session_attrs=read-write&sslmode=verify-full')).toEqual(expected);
    expect(parsePgHosts('postgres://u:pw@/lsos?host=db1,db2&port=5432,5433&target_session_attrs=read-write&sslmode=verify-full')).toEqual(
      expected,
    );
    expect(
      parsePgHosts('host=db1,db2 port=5432,5433 dbname=lsos user=u password=pw target_session_attrs=read-write sslmode=verify-full'),
    ).toEqual(expected);
  });

  it('one host is one URL and "any"; one port serves every host', () => {
    expect(parsePgHosts('postgres://u@db1/lsos')).toEqual({ urls: ['postgres://u@db1/lsos'], labels: ['db1:5432'], attrs: 'any' });
    expect(parsePgHosts('postgres://u@/lsos?host=a,b&port=6432')).toMatchObject({
      urls: ['postgres://u@a:6432/lsos', 'postgres://u@b:6432/lsos'],
    });
  });

  it('refuses a bad target_session_attrs or mismatched port list, masking the password', () => {
    const bad = parsePgHosts('postgres://u:S3cretpw@a,b/lsos?target_session_attrs=master');
    expect(bad).toEqual({
      problem: expect.stringContaining('target_session_attrs must be one of any, read-write, primary, standby, prefer-standby'),
    });
    expect(JSON.stringify(bad)).not.toContain('S3cretpw');
    expect(parsePgHosts('postgres://u@/lsos?host=a,b,c&port=1,2')).toEqual({ problem: expect.stringContaining('3 hosts and 2 ports') });
  });

  it('the configuration takes a multi-host DATABASE_URL', () => {
    const r = load({ DATABASE_URL: 'postgres://u:pw@db1:5432,db2:5433/lsos?target_session_attrs=read-write' });
    expect('config' in r ? r.config.sources.database?.url : r).toBe(
      'postgres://u:pw@db1:5432,db2:5433/lsos?target_session_attrs=read-write',
    );
  });
});
