// One trigger identity, one id format; the journal form read as it has always been written.
import { describe, expect, it } from 'vitest';
import { entryIdentity, parseTriggerId, triggerId, triggerIdOfEntry, triggerIdentityOf } from '../../src/domain/triggerId.js';

describe('trigger ids', () => {
  it('kind:target, and back; a target may hold colons, a kind never does', () => {
    expect(triggerId('queue-lag', 'crawl')).toBe('queue-lag:crawl');
    expect(parseTriggerId('queue-lag:crawl')).toEqual({ kind: 'queue-lag', target: 'crawl' });
    expect(parseTriggerId(triggerId('replica-lag', 'db:5433'))).toEqual({ kind: 'replica-lag', target: 'db:5433' });
    expect(parseTriggerId('report-failures:')).toEqual({ kind: 'report-failures', target: '' });
    expect(parseTriggerId('no-colon')).toBeNull();
    expect(parseTriggerId(':crawl')).toBeNull();
  });

  it('a journal entry names the kind `triggerKey` beside `target`, as journals on disk always have', () => {
    const onDisk = {
      triggerKey: 'queue-lag',
      title: 'Queue lag > 15 minutes',
      section: '3',
      target: 'crawl',
      value: 1260,
      threshold: 900,
      unit: 's',
    };
    expect(triggerIdentityOf(onDisk)).toEqual({ kind: 'queue-lag', target: 'crawl' });
    expect(triggerIdOfEntry(onDisk)).toBe('queue-lag:crawl');
    expect(entryIdentity({ kind: 'queue-lag', target: 'crawl' })).toEqual({ triggerKey: 'queue-lag', target: 'crawl' });
    // Read whichever name carries the kind; an entry naming none is no trigger.
    expect(triggerIdOfEntry({ kind: 'replica-lag', target: 'replica-2' })).toBe('replica-lag:replica-2');
    expect(triggerIdOfEntry({ target: 'crawl' })).toBeNull();
    expect(triggerIdOfEntry({ triggerKey: true, target: 'crawl' })).toBeNull();
    expect(triggerIdOfEntry({ triggerKey: 'queue-lag', target: 42 })).toBe('queue-lag:42');
    expect(triggerIdOfEntry({ triggerKey: 'primary-degradation' })).toBe('primary-degradation:');
  });
});
