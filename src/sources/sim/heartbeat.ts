// Worker liveness, by Celery's own rule.
//
// celery/events/state.py (Celery 5.x): `HEARTBEAT_EXPIRE_WINDOW = 200` (percent of the
// heartbeat frequency), `heartbeat_expires(timestamp, freq) = timestamp + freq * (200 / 100)`,
// and `Worker.alive = bool(heartbeats) and now < heartbeat_expires`. Workers send
// `worker-heartbeat` every 2.0 s (`freq` in the event; measured 2.001-2.004 s in
// shared/docs/celery-wire). HEARTBEAT_DRIFT_MAX (16 s) only drives a clock-drift warning, it
// does not extend the expiry. So with the default freq a worker is offline 4 s after its last beat.

import type { EpochMs } from '../../core/snapshot.js';
import { heartbeatLifetimeSeconds } from '../../domain/duration.js';

/** Celery's default worker heartbeat frequency, seconds. */
export const HEARTBEAT_FREQ_S = 2.0;

/** When a heartbeat sent at `lastHeartbeat` expires (celery.events.state.heartbeat_expires). */
export function heartbeatExpiresAt(lastHeartbeat: EpochMs, freq: number = HEARTBEAT_FREQ_S): EpochMs {
  return lastHeartbeat + heartbeatLifetimeSeconds(freq) * 1000;
}

/** Celery's `Worker.alive`: a heartbeat was seen and now is before its expiry. */
export function isOnline(lastHeartbeat: EpochMs | null, now: EpochMs, freq: number = HEARTBEAT_FREQ_S): boolean {
  return lastHeartbeat !== null && now < heartbeatExpiresAt(lastHeartbeat, freq);
}
