// The part of jsdom's API the Mermaid parse test uses (jsdom ships no type declarations).
declare module 'jsdom' {
  export class JSDOM {
    constructor(html?: string);
    readonly window: Window & typeof globalThis;
  }
}
