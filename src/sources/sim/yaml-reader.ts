// Typed reads from a scenario's YAML syntax tree (parsed and located by src/domain/yaml.ts), so a
// validation error points at the line and column of the offending key or value. The first
// problem stops the scenario: it is thrown as a ScenarioError.

import { isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { parseDurationMs } from '../../domain/duration.js';
import type { YamlText } from '../../domain/yaml.js';
import { ScenarioError } from './scenario-error.js';

/** Something with a position: a node, or nothing (then the error points at a fallback). */
export type At = Node | null | undefined;

export interface Entry {
  key: string;
  keyNode: Scalar;
  /** null when the key has no value (`key:`). */
  value: Node | null;
}

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

export class YamlReader {
  readonly file: string;
  constructor(private readonly yaml: YamlText) {
    this.file = yaml.file;
  }

  /** Throw a ScenarioError at the node's position (or at `fallback`'s when the node has none). */
  fail(at: At, reason: string, fallback?: At): never {
    const pos = this.yaml.position(at, fallback);
    if (pos === null) throw new ScenarioError(this.file, null, null, reason);
    throw new ScenarioError(this.file, pos.line, pos.col, reason);
  }

  /** 1-based line of a node, null when it has no position. */
  lineOf(node: At): number | null {
    return this.yaml.position(node)?.line ?? null;
  }

  describe(node: At): string {
    return this.yaml.describe(node);
  }

  map(node: At, path: string, keyNode?: At): YAMLMap {
    if (isMap(node)) return node;
    return this.fail(node, `${path}: expected a mapping, got ${this.describe(node)}`, keyNode);
  }

  seq(node: At, path: string, keyNode?: At): YAMLSeq {
    if (isSeq(node)) return node;
    return this.fail(node, `${path}: expected a list, got ${this.describe(node)}`, keyNode);
  }

  /** The entries of a mapping, refusing keys outside `allowed` (when given) and non-string keys. */
  entries(map: YAMLMap, path: string, allowed?: readonly string[]): Entry[] {
    const out: Entry[] = [];
    for (const item of map.items as Pair<unknown, unknown>[]) {
      const keyNode = item.key;
      if (!isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
        this.fail(keyNode as At, `${path}: keys must be plain names`, map);
      }
      const key = String(keyNode.value);
      if (allowed && !allowed.includes(key)) {
        this.fail(keyNode, `unknown key "${key}" in ${path} (expected one of: ${allowed.join(', ')})`);
      }
      out.push({ key, keyNode, value: (item.value as Node | null) ?? null });
    }
    return out;
  }

  /** Look up one entry by key. */
  find(entries: readonly Entry[], key: string): Entry | undefined {
    return entries.find((e) => e.key === key);
  }

  string(node: At, path: string, keyNode?: At): string {
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    return this.fail(node, `${path}: expected a string, got ${this.describe(node)}`, keyNode);
  }

  bool(node: At, path: string, keyNode?: At): boolean {
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    return this.fail(node, `${path}: expected true or false, got ${this.describe(node)}`, keyNode);
  }

  number(node: At, path: string, rule: NumberRule = {}, keyNode?: At): number {
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isFinite(node.value)) {
      return this.fail(node, `${path}: expected a number, got ${this.describe(node)}`, keyNode);
    }
    const v = node.value;
    if (rule.integer && !Number.isInteger(v)) this.fail(node, `${path}: expected a whole number, got ${v}`);
    if (rule.min !== undefined && v < rule.min) {
      this.fail(
        node,
        `${path}: must be ${rule.min === 0 ? 'zero or more (negative values make no sense here)' : `at least ${rule.min}`}, got ${v}`,
      );
    }
    if (rule.max !== undefined && v > rule.max) this.fail(node, `${path}: must be at most ${rule.max}, got ${v}`);
    return v;
  }

  probability(node: At, path: string, keyNode?: At): number {
    return this.number(node, path, { min: 0, max: 1 }, keyNode);
  }

  /** A duration string such as "30s", "5m", "1h30m", "250ms". */
  duration(node: At, path: string, keyNode?: At): number {
    if (isScalar(node) && typeof node.value === 'string') {
      const ms = parseDurationMs(node.value);
      if (ms !== null) return ms;
      return this.fail(
        node,
        `${path}: bad duration ${JSON.stringify(node.value)} (expected a number with a unit: ms, s, m, h or d, such as "30s" or "1h30m")`,
      );
    }
    return this.fail(node, `${path}: expected a duration string such as "30s", got ${this.describe(node)}`, keyNode);
  }

  /** A list of strings. */
  strings(node: At, path: string, keyNode?: At): { value: string; node: Node }[] {
    const seq = this.seq(node, path, keyNode);
    return seq.items.map((item, i) => ({ value: this.string(item as Node, `${path}[${i}]`, seq), node: item as Node }));
  }
}
