import { describe, expect, it } from 'vitest';
import { parseCockpitFlags, UsageError } from '../../src/cli/args.js';
import { colourAllowed as colorAllowed, localeIsUtf8 } from '../../src/ui/state/theme.js';

describe('command-line flags', () => {
  it('defaults to the default scenario at real speed', () => {
    const f = parseCockpitFlags([]);
    expect(f.scenario).toBe('default');
    expect(f.speed).toBe(1);
    expect(f.readonly).toBe(false);
  });
  it('parses scenario, speed (both forms), readonly, theme', () => {
    const f = parseCockpitFlags(['--scenario', 'provider-degradation', '--speed=20', '--readonly', '--theme', 'light', '--ascii']);
    expect(f).toMatchObject({ scenario: 'provider-degradation', speed: 20, readonly: true, theme: 'light', ascii: true });
  });
  it('names what is wrong', () => {
    expect(() => parseCockpitFlags(['--speed', 'fast'])).toThrow(/--speed must be a positive number, got "fast"/);
    expect(() => parseCockpitFlags(['--speed'])).toThrow(UsageError);
    expect(() => parseCockpitFlags(['--theme', 'neon'])).toThrow(/dark, light or mono/);
    expect(() => parseCockpitFlags(['--admin'])).toThrow(/unknown option "--admin"/);
  });
  it('locale and NO_COLOR', () => {
    expect(localeIsUtf8({ LANG: 'en_US.UTF-8' })).toBe(true);
    expect(localeIsUtf8({ LANG: 'C' })).toBe(false);
    expect(localeIsUtf8({ LC_ALL: 'POSIX', LANG: 'en_US.UTF-8' })).toBe(false);
    expect(colorAllowed({ NO_COLOR: '1' })).toBe(false);
    expect(colorAllowed({ NO_COLOR: '' })).toBe(true);
    expect(colorAllowed({})).toBe(true);
  });
});
