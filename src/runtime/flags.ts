// What the interactive cockpit is started with: parsed and validated by src/cli/args.ts, read by
// runCockpit (main.ts).
export interface CockpitFlags {
  scenario: string;
  speed: number;
  seed: number;
  readonly: boolean;
  ascii: boolean | null;
  theme: 'dark' | 'light' | 'mono' | null;
  presentation: boolean;
  stateDir: string | null;
  help: boolean;
  version: boolean;
  listScenarios: boolean;
}
