const browsers: Array<[RegExp, string]> = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS/, 'Firefox'],
  [/Chrome\/|CriOS|Chromium/, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/curl\//, 'curl'],
];
const systems: Array<[RegExp, string]> = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/** "Firefox on Linux" from a User-Agent header; good enough to recognise one's own devices. */
export function describeDevice(userAgent: string): string {
  const browser = browsers.find(([re]) => re.test(userAgent))?.[1];
  const system = systems.find(([re]) => re.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? 'Unknown device';
}

/**
 * The browser's IANA time zone as reported with a sign-in, if this runtime knows it (aliases such as
 * `America/Argentina/Buenos_Aires` included); anything else is null.
 */
export function knownTimeZone(value: unknown): string | null {
  if (typeof value !== 'string' || !/^[A-Za-z][\w+/-]{0,63}$/.test(value)) return null;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value;
  } catch {
    return null;
  }
}

/**
 * Where a session began, from its browser's time zone: `Europe/Berlin` → "Berlin, Europe",
 * `America/Argentina/Buenos_Aires` → "Buenos Aires, America". The browser volunteers it; the service keeps no
 * address database. Null for zones that name no place (`UTC`, `Etc/GMT+2`) and for sessions without one.
 */
export function describePlace(timeZone: string | null): string | null {
  const parts = timeZone?.split('/') ?? [];
  if (parts.length < 2 || parts[0] === 'Etc') return null;
  return `${parts.at(-1)!.replace(/_/g, ' ')}, ${parts[0]}`;
}
