import { describe, expect, it } from 'vitest';
import { judgeQueue } from '../../src/core/pir/actions.js';

// Review finding 4: scaling crawl 0 -> 4 workers drained 53.9k -> 31.7k messages while the oldest
// message's age still rose; judged on lag alone the PIR called it "worse".
describe('the effect of a queue action', () => {
  it('is improved when depth falls though the oldest message still ages', () => {
    const v = judgeQueue({ atAction: 1300, after5: 1550, after15: 1946 }, { atAction: 53_900, after5: 31_700, after15: 20_000 });
    expect(v.verdict).toBe('improved');
    expect(v.why).toBe('depth 53.9k -> 31.7k; the oldest message still ages while the backlog drains');
  });

  it('is judged on lag when lag falls first', () => {
    const v = judgeQueue({ atAction: 1300, after5: 400, after15: 100 }, { atAction: 53_900, after5: 52_000, after15: 1000 });
    expect(v).toEqual({ verdict: 'improved', why: 'lag lower afterwards (5 minutes later)' });
  });

  it('is worse when neither moves the right way, with the depth beside it', () => {
    const v = judgeQueue({ atAction: 1300, after5: 1600, after15: 1900 }, { atAction: 50_000, after5: 60_000, after15: 70_000 });
    expect(v.verdict).toBe('worse');
    expect(v.why).toBe('lag higher afterwards; depth 50k -> 70k');
  });
});
