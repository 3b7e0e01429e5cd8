// A model of a terminal for tests of what the renderer writes (test/terminal/lineDiff.test.ts)
// and of what tmux shows (test/e2e/line-diff.e2e.test.ts reads `capture-pane -e` through it).
import stringWidth from 'string-width';

const COLS = 160;

interface Cell {
  ch: string;
  sgr: string;
}

/**
 * A terminal as far as the renderer uses one: printable text (wide characters take two cells, a
 * combining mark joins the cell before), LF as CR LF (a tty's onlcr), CHA, CNL, CUU, EL, SGR with
 * its own reading of the attributes, and private modes ignored.
 */
export class ModelTerminal {
  rows: Cell[][] = [];
  row = 0;
  col = 0;
  private attrs = new Map<string, string>();

  private line(r: number): Cell[] {
    while (this.rows.length <= r) this.rows.push(Array.from({ length: COLS }, () => ({ ch: ' ', sgr: '' })));
    return this.rows[r]!;
  }

  private sgr(): string {
    return [...this.attrs.entries()]
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }

  private applySgr(body: string): void {
    const ps = body === '' ? ['0'] : body.split(';');
    for (let i = 0; i < ps.length; i++) {
      const n = Number(ps[i]);
      const set = (k: string, v: string) => this.attrs.set(k, v);
      const del = (...ks: string[]) => ks.forEach((k) => this.attrs.delete(k));
      if (n === 0) this.attrs.clear();
      else if (n === 1) set('bold', '1');
      else if (n === 2) set('dim', '1');
      else if (n === 22) del('bold', 'dim');
      else if (n === 3) set('italic', '1');
      else if (n === 23) del('italic');
      else if (n === 4) set('underline', '1');
      else if (n === 24) del('underline');
      else if (n === 7) set('inverse', '1');
      else if (n === 27) del('inverse');
      else if (n === 9) set('strike', '1');
      else if (n === 29) del('strike');
      else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) set('fg', String(n));
      else if (n === 39) del('fg');
      else if ((n >= 40 && n <= 47) || (n >= 100 && n <= 107)) set('bg', String(n));
      else if (n === 49) del('bg');
      else if (n === 38 || n === 48) {
        const len = ps[i + 1] === '5' ? 2 : 4;
        set(n === 38 ? 'fg' : 'bg', ps.slice(i + 1, i + 1 + len).join(':'));
        i += len;
      } else throw new Error(`model terminal: SGR ${n}`);
    }
  }

  private put(ch: string): void {
    const w = stringWidth(ch);
    const line = this.line(this.row);
    if (w === 0) {
      const prev = line[this.col - 1];
      if (prev) prev.ch += ch;
      return;
    }
    // Writing over either half of a wide character blanks its other half.
    const at = line[this.col];
    if (at?.ch === '') line[this.col - 1] = { ch: ' ', sgr: line[this.col - 1]!.sgr };
    if (at && stringWidth(at.ch) === 2 && line[this.col + 1]) line[this.col + 1] = { ch: ' ', sgr: line[this.col + 1]!.sgr };
    line[this.col] = { ch, sgr: this.sgr() };
    if (w === 2) {
      const after = line[this.col + 1];
      if (after && stringWidth(after.ch) === 2 && line[this.col + 2]) line[this.col + 2] = { ch: ' ', sgr: line[this.col + 2]!.sgr };
      line[this.col + 1] = { ch: '', sgr: this.sgr() };
    }
    this.col += w;
  }

  write(s: string): void {
    let i = 0;
    while (i < s.length) {
      const c = s[i]!;
      if (c === '\x1b') {
        const m = /^\x1b\[(\??)([0-9;]*)([A-Za-z])/.exec(s.slice(i));
        if (!m) throw new Error(`model terminal: escape ${JSON.stringify(s.slice(i, i + 8))}`);
        i += m[0].length;
        if (m[1] === '?') continue;
        const n = m[2] === '' ? 1 : Number(m[2]);
        switch (m[3]) {
          case 'm':
            this.applySgr(m[2]!);
            break;
          case 'G':
            this.col = n - 1;
            break;
          case 'E':
            this.row += n;
            this.col = 0;
            break;
          case 'A':
            this.row = Math.max(0, this.row - n);
            break;
          case 'K': {
            const line = this.line(this.row);
            const from = m[2] === '2' ? 0 : this.col;
            for (let x = from; x < COLS; x++) line[x] = { ch: ' ', sgr: '' };
            break;
          }
          default:
            throw new Error(`model terminal: CSI ${m[3]}`);
        }
        continue;
      }
      if (c === '\n') {
        this.row++;
        this.col = 0;
        i++;
        continue;
      }
      // One grapheme's code points one at a time: a combining mark joins the cell before.
      const cp = String.fromCodePoint(s.codePointAt(i)!);
      this.put(cp);
      i += cp.length;
    }
  }

  screen(rows: number): string[] {
    return Array.from({ length: rows }, (_, r) =>
      this.line(r)
        .map((c) => `${c.ch}{${c.sgr}}`)
        .join(''),
    );
  }
}
