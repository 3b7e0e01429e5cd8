// Cockpits for the shared-incident tests, composed as main.ts composes them (a recorder that shares,
// its session on the shared Redis), each with a state directory of its own.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { makeOrigin } from '../../src/journal/shared/origin.js';
import { SharedSession, type Access } from '../../src/journal/shared/session.js';

const dirs: string[] = [];

export function stateDir(prefix = 'lsos-shared-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function removeStateDirs(): void {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export interface TestCockpit {
  name: string;
  dir: string;
  recorder: IncidentRecorder;
  session: SharedSession;
  stop(): Promise<void>;
}

export async function cockpit(
  url: string,
  name: string,
  opts: { dir?: string; access?: Access; pages?: boolean; host?: string; staleMs?: number; downPollMs?: number } = {},
): Promise<TestCockpit> {
  const dir = opts.dir ?? stateDir();
  const origin = makeOrigin(name, { host: opts.host ?? 'bastion-1' });
  const session = new SharedSession({
    url,
    stateDir: dir,
    origin,
    access: opts.access ?? 'operator',
    role: 'on-call engineer',
    pages: opts.pages ?? false,
    leaseTtlMs: 2000,
    ...(opts.staleMs !== undefined ? { staleMs: opts.staleMs } : {}),
    ...(opts.downPollMs !== undefined ? { downPollMs: opts.downPollMs } : {}),
  });
  const recorder = new IncidentRecorder({ stateDir: dir, operator: name, sharing: session, live: true });
  session.attach(recorder);
  await session.start();
  return {
    name,
    dir,
    recorder,
    session,
    stop: async () => {
      await session.stop();
      recorder.close();
    },
  };
}
