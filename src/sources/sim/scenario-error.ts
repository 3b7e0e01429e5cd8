// A refused scenario: the message names the file, the line and column, and what is wrong, in the
// usual `file:line:column: message` form so editors and terminals can jump to it.

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    /** 1-based line, null when the problem is not at a place in the file (e.g. file not found). */
    readonly line: number | null,
    /** 1-based column, null with line. */
    readonly column: number | null,
    /** What is wrong, without the location prefix. */
    readonly reason: string,
  ) {
    super(line === null ? `${file}: ${reason}` : `${file}:${line}:${column ?? 1}: ${reason}`);
    this.name = 'ScenarioError';
  }
}
