/**
 * The zones a person can pick: today's IANA names only, grouped by region, searchable. Engines
 * list zones by CLDR's ids, which keep names IANA has since changed (Chromium and Node list
 * "Asia/Calcutta" and "Europe/Kiev"); this module renames those and never offers the old ones.
 */

/** Old names engines still list → their current IANA names. */
const RENAMED: Readonly<Record<string, string>> = {
  "Africa/Asmera": "Africa/Asmara",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Coral_Harbour": "America/Atikokan",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Godthab": "America/Nuuk",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Louisville": "America/Kentucky/Louisville",
  "America/Mendoza": "America/Argentina/Mendoza",
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Europe/Kiev": "Europe/Kyiv",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Truk": "Pacific/Chuuk",
};

/** Old names by current name, so a search for "Calcutta" finds Asia/Kolkata. */
const FORMERLY = new Map(Object.entries(RENAMED).map(([old, current]) => [current, old]));

function isKnown(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The current IANA name of `zone` ("Asia/Calcutta" → "Asia/Kolkata"), if this engine knows it. */
export function canonicalZone(zone: string): string {
  const current = RENAMED[zone];
  return current && isKnown(current) ? current : zone;
}

let allZones: string[] | undefined;

/** Every zone this engine knows, by current names, sorted, with UTC. */
export function listCanonicalZones(): string[] {
  if (!allZones) {
    let listed: string[] = [];
    try {
      listed = Intl.supportedValuesOf("timeZone");
    } catch {
      listed = [];
    }
    allZones = [...new Set([...listed.map(canonicalZone), "UTC"])].sort();
  }
  return allZones;
}

const offsets = new Map<string, string>();

/** "GMT+5:30" for Asia/Kolkata now ("GMT" for UTC). */
export function zoneOffset(zone: string, at = Date.now()): string {
  let offset = offsets.get(zone);
  if (offset === undefined) {
    try {
      offset =
        new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "shortOffset" })
          .formatToParts(at)
          .find((part) => part.type === "timeZoneName")?.value ?? "";
    } catch {
      offset = "";
    }
    offsets.set(zone, offset);
  }
  return offset;
}

/** The region a zone is listed under: "Asia" for Asia/Kolkata, "Other" for UTC. */
export function zoneRegion(zone: string): string {
  const slash = zone.indexOf("/");
  return slash < 0 ? "Other" : zone.slice(0, slash);
}

/** The place within its region: "Kolkata", "Argentina / Buenos Aires"; UTC stays UTC. */
export function zonePlace(zone: string): string {
  const slash = zone.indexOf("/");
  return (slash < 0 ? zone : zone.slice(slash + 1)).replaceAll("_", " ").replaceAll("/", " / ");
}

const normalize = (text: string) => text.toLowerCase().replaceAll("_", " ").trim();

/** True when every word of `query` is in the zone's name, its former name or its offset. */
export function zoneMatches(zone: string, query: string): boolean {
  const words = normalize(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = normalize(`${zone} ${FORMERLY.get(zone) ?? ""} ${zoneOffset(zone)}`);
  return words.every((word) => haystack.includes(word));
}

export interface ZoneGroup {
  region: string;
  zones: string[];
}

/** `zones` grouped by region, regions and zones in the order given (sorted zones give sorted regions). */
export function groupZones(zones: readonly string[]): ZoneGroup[] {
  const groups = new Map<string, string[]>();
  for (const zone of zones) {
    const region = zoneRegion(zone);
    const list = groups.get(region);
    if (list) list.push(zone);
    else groups.set(region, [zone]);
  }
  return [...groups].map(([region, list]) => ({ region, zones: list }));
}
