// The one YAML reader of every file the cockpit is given (config, roster, the config's paging
// section, scenarios, roles, integrity checks): a size-aware parse, alias bombs refused, and the
// problem locator that turns a node into `file:line:col`. Reading the file from disk (and its size
// limit on the descriptor) is src/config/inputFile.ts; validating what the YAML says is each
// reader's own business.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';

/** A text longer than this is refused before it is parsed; files are held to it when read (src/config/inputFile.ts). */
export const YAML_MAX_BYTES = 1024 * 1024;
/**
 * Alias expansion allowed when a document becomes plain data, weighed by the size of what each
 * alias stands for (the `yaml` package's maxAliasCount). A "billion laughs" document is refused;
 * any hand-written file is far below it.
 */
export const YAML_MAX_ALIAS_COUNT = 100;

/** A position in the text, 1-based. */
export interface YamlPosition {
  line: number;
  col: number;
}

/** What is wrong with the text as YAML, and where. */
export interface YamlProblem extends YamlPosition {
  kind: 'syntax' | 'size' | 'aliases';
  /** One line: `YAML syntax: …`, `YAML aliases refused …`, `not parsed: … bytes …`. */
  message: string;
}

export interface YamlOptions {
  maxBytes?: number;
  maxAliasCount?: number;
  /** Refuse a key given twice in a mapping (default true). */
  uniqueKeys?: boolean;
}

/** A parsed YAML text: the syntax tree, its problems, and where each node sits. */
export class YamlText {
  constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
    /** Syntax errors, and the size or alias refusal; empty when the tree may be walked. */
    readonly problems: readonly YamlProblem[],
  ) {}

  /** The document's root node (null for an empty text), an alias resolved. */
  root(): Node | null {
    return this.resolve(this.doc.contents);
  }

  /** A node with an alias resolved to what it stands for; null for nothing. */
  resolve(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node as Node;
  }

  /** Where a node starts; else where `fallback` starts; else null (no position, e.g. a missing key). */
  position(node: Node | null | undefined, fallback?: Node | null): YamlPosition | null {
    const offset = node?.range?.[0] ?? fallback?.range?.[0];
    if (offset === undefined) return null;
    const p = this.lines.linePos(offset);
    return { line: p.line, col: p.col };
  }

  /** The problem locator: `file:line:col` of a node (or of its fallback, else of the text's start). */
  where(node: Node | null | undefined, fallback?: Node | null): string {
    const p = this.position(node, fallback) ?? { line: 1, col: 1 };
    return `${this.file}:${p.line}:${p.col}`;
  }

  /** The same for a problem of the text itself. */
  whereProblem(p: YamlPosition): string {
    return `${this.file}:${p.line}:${p.col}`;
  }

  /** What a node is, for a message: `a mapping`, `a list`, `string "x"`, `number 3`, `null`, `nothing`. */
  describe(node: Node | null | undefined, showString: (s: string) => string = (s) => s): string {
    if (node === null || node === undefined) return 'nothing';
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a list';
    if (isScalar(node)) {
      const v = node.value;
      if (v === null) return 'null';
      if (typeof v === 'string') return `string ${JSON.stringify(showString(v))}`;
      return `${typeof v} ${String(v)}`;
    }
    return isAlias(node) ? 'an alias' : 'something else';
  }
}

/** The package's message cut to its first line, without the position it appends. */
function oneLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** The first alias node in the document, to place an alias refusal. */
function firstAlias(doc: Document): Node | null {
  let found: Node | null = null;
  visit(doc, {
    Alias(_, node) {
      found = node as Node;
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * Parses YAML text into a located syntax tree. Refuses, as located problems: text over
 * `maxBytes` (not parsed at all), syntax errors and duplicate keys (all of them), and aliases that
 * would expand past `maxAliasCount` (an alias bomb).
 */
export function parseYaml(text: string, file: string, opts: YamlOptions = {}): YamlText {
  const lines = new LineCounter();
  const maxBytes = opts.maxBytes ?? YAML_MAX_BYTES;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    const empty = parseDocument('', { lineCounter: lines });
    const message = `not parsed: ${bytes} bytes of YAML, over the ${maxBytes}-byte limit`;
    return new YamlText(file, empty, lines, [{ kind: 'size', line: 1, col: 1, message }]);
  }
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: opts.uniqueKeys ?? true });
  const problems: YamlProblem[] = doc.errors.map((e) => {
    const p = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    return { kind: 'syntax' as const, line: p.line, col: p.col, message: `YAML syntax: ${oneLine(e.message)}` };
  });
  const parsed = new YamlText(file, doc, lines, problems);
  if (problems.length === 0 && firstAlias(doc) !== null) {
    // Walking the tree resolves one alias at a time, but plain data expands every one: weigh them.
    try {
      doc.toJS({ maxAliasCount: opts.maxAliasCount ?? YAML_MAX_ALIAS_COUNT });
    } catch (e) {
      const p = parsed.position(firstAlias(doc)) ?? { line: 1, col: 1 };
      const why = oneLine(e instanceof Error ? e.message : String(e));
      problems.push({ kind: 'aliases', ...p, message: `YAML aliases refused (they expand too far: an alias bomb?): ${why}` });
    }
  }
  return parsed;
}

/** YAML text as plain data (for files validated as data: roles, integrity checks). */
export type YamlData = { ok: true; value: unknown } | { ok: false; problem: YamlProblem; where: string };

export function parseYamlData(text: string, file: string, opts: YamlOptions = {}): YamlData {
  const parsed = parseYaml(text, file, opts);
  const problem = parsed.problems[0];
  if (problem) return { ok: false, problem, where: parsed.whereProblem(problem) };
  return { ok: true, value: parsed.doc.toJS({ maxAliasCount: opts.maxAliasCount ?? YAML_MAX_ALIAS_COUNT }) };
}
