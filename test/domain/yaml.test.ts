// The one YAML reader: a size-aware parse, alias bombs refused, and file:line:col for any node.
import { isMap, isScalar, type Node, type Pair } from 'yaml';
import { describe, expect, it } from 'vitest';
import { YAML_MAX_BYTES, parseYaml, parseYamlData } from '../../src/domain/yaml.js';

/** The classic "billion laughs": each level doubles... ten times over. */
const BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  '',
].join('\n');

describe('parseYaml', () => {
  it('locates every node: file:line:col, a fallback for a node without a place, 1:1 at worst', () => {
    const y = parseYaml('sources:\n  redis:\n    url: redis://h\nqueues: [crawl, rank]\n', 'cfg.yaml');
    expect(y.problems).toEqual([]);
    const root = y.root();
    if (!isMap(root)) throw new Error('expected a mapping');
    const [sources, queues] = root.items as Pair<Node, Node>[];
    expect(y.where(sources?.key)).toBe('cfg.yaml:1:1');
    expect(y.where(queues?.value)).toBe('cfg.yaml:4:9');
    expect(y.where(null, queues?.key)).toBe('cfg.yaml:4:1');
    expect(y.where(null)).toBe('cfg.yaml:1:1');
    expect(y.position(null)).toBeNull();
    expect(y.describe(queues?.value)).toBe('a list');
    expect(y.describe(null)).toBe('nothing');
  });

  it('every syntax error and duplicate key, each at its line and column, on one line', () => {
    const y = parseYaml('a: 1\na: 2\nb: [1, 2\n', 'x.yaml');
    expect(y.problems.length).toBeGreaterThanOrEqual(2);
    expect(y.problems[0]).toMatchObject({ kind: 'syntax', line: 2, col: 1 });
    for (const p of y.problems) {
      expect(p.message).toMatch(/^YAML syntax: /);
      expect(p.message).not.toContain('\n');
      expect(p.message).not.toMatch(/at line \d+, column \d+/);
    }
  });

  it('an alias resolves to what it stands for; a modest use of aliases is fine', () => {
    const y = parseYaml('base: &b {url: redis://h}\nother: *b\n', 'x.yaml');
    expect(y.problems).toEqual([]);
    const root = y.root();
    if (!isMap(root)) throw new Error('expected a mapping');
    const other = (root.items as Pair<Node, Node>[])[1]?.value;
    expect(isMap(y.resolve(other))).toBe(true);
  });

  it('refuses an alias bomb, placed at its first alias, before anything expands it', () => {
    const y = parseYaml(BOMB, 'bomb.yaml');
    expect(y.problems).toHaveLength(1);
    expect(y.problems[0]).toMatchObject({ kind: 'aliases', line: 2, col: 8 });
    expect(y.problems[0]?.message).toMatch(/^YAML aliases refused/);
    const data = parseYamlData(BOMB, 'bomb.yaml');
    expect(data.ok).toBe(false);
    if (!data.ok) expect(data.where).toBe('bomb.yaml:2:8');
  });

  it('is size-aware: text over the limit is refused without being parsed', () => {
    const big = `k: "${'x'.repeat(64)}"\n`;
    const y = parseYaml(big, 'big.yaml', { maxBytes: 32 });
    expect(y.problems).toEqual([
      { kind: 'size', line: 1, col: 1, message: expect.stringMatching(/^not parsed: \d+ bytes of YAML, over the 32-byte limit$/) },
    ]);
    expect(y.root()).toBeNull();
    // Bytes, not characters: four 3-byte characters are 12 bytes.
    expect(parseYaml('€€€€', 'e.yaml', { maxBytes: 11 }).problems[0]?.kind).toBe('size');
    expect(parseYaml('k: v\n', 'ok.yaml').problems).toEqual([]);
    expect(YAML_MAX_BYTES).toBe(1024 * 1024);
  });
});

describe('parseYamlData', () => {
  it('plain data, or the first problem with where it is', () => {
    expect(parseYamlData('users: {alice: operator}\n', 'roles.yaml')).toEqual({ ok: true, value: { users: { alice: 'operator' } } });
    expect(parseYamlData('', 'empty.yaml')).toEqual({ ok: true, value: null });
    const bad = parseYamlData('users: [a\n', 'roles.yaml');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.where).toMatch(/^roles\.yaml:\d+:\d+$/);
      expect(bad.problem.message).toMatch(/^YAML syntax: /);
    }
  });

  it('a stricter alias allowance when asked', () => {
    const text = 'a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*a, *a, *a, *a, *a, *a]\n';
    expect(parseYamlData(text, 't.yaml').ok).toBe(true);
    expect(parseYamlData(text, 't.yaml', { maxAliasCount: 5 }).ok).toBe(false);
    expect(isScalar(parseYaml('1', 't.yaml').root())).toBe(true);
  });
});
