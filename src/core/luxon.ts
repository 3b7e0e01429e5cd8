// luxon as the cockpit uses it. Every DateTime here is UTC and written in a fixed format; with no
// locale named, luxon asks `new Intl.DateTimeFormat()` for the system's (once, also for an
// invalid DateTime), and that one call maps about 4 MB of ICU's locale, calendar and time-zone
// data into the process for good (5 MB of RSS; docs/performance.md, "Memory, third session").
// en-US as luxon's default changes no text: toISO writes no locale, and toFormat formats in en-US
// whatever the system locale.
import { DateTime, Settings } from 'luxon';

Settings.defaultLocale = 'en-US';

export { DateTime };
