import { useMemo, useState } from "preact/hooks";
import { canonicalZone, groupZones, zoneMatches, zoneOffset, zonePlace } from "../lib/time-zones";
import { detectTimeZone, listTimeZones } from "../lib/zoned-time";
import "../styles/time-zone-select.css";

/**
 * A <select> of IANA zones by current names (no "Asia/Calcutta"), this device's zone first and
 * the rest grouped by region, with a search box above that narrows the list ("Kolk", "new york",
 * "GMT+9"; Enter picks the first match, ↓ moves to the list). The caller wraps it in a Field
 * whose label names the select (`id`); the search box has its own label.
 */
export function TimeZoneSelect({
  id,
  value,
  onChange,
  describedBy,
}: {
  id: string;
  value: string;
  onChange: (zone: string) => void;
  describedBy?: string | undefined;
}) {
  const [query, setQuery] = useState("");
  const device = useMemo(detectTimeZone, []);
  const selected = canonicalZone(value);
  const all = useMemo(() => listTimeZones(selected), [selected]);
  const matches = useMemo(() => all.filter((zone) => zoneMatches(zone, query)), [all, query]);
  // The chosen zone stays listed whatever the filter, so the select never shows another one.
  const groups = useMemo(() => {
    const shown = new Set([...matches, selected]);
    return groupZones(all.filter((zone) => zone !== device && shown.has(zone)));
  }, [all, matches, selected, device]);
  const searchId = `${id}-search`;
  const searching = query.trim() !== "";

  const onSearchKey = (event: KeyboardEvent) => {
    if (event.key === "Enter") {
      // A search box inside a form must not submit it.
      event.preventDefault();
      const first = matches[0];
      if (first) onChange(first);
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      document.getElementById(id)?.focus();
    }
  };

  return (
    <div class="tz-select">
      <label class="tz-search-label" for={searchId}>
        Search by city, region or offset
      </label>
      <input
        id={searchId}
        type="search"
        autocomplete="off"
        spellcheck={false}
        placeholder="e.g. Kolkata, New York, GMT+9"
        value={query}
        aria-controls={id}
        aria-describedby={`${searchId}-count`}
        onInput={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={onSearchKey}
      />
      <p class="sr-only" id={`${searchId}-count`} aria-live="polite">
        {searching
          ? `${matches.length} ${matches.length === 1 ? "zone matches" : "zones match"}. Press Enter to choose the first.`
          : ""}
      </p>
      <select
        id={id}
        value={selected}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.currentTarget.value)}
      >
        <optgroup label="This device">
          <option value={device}>
            {device.replaceAll("_", " ")} ({zoneOffset(device)})
          </option>
        </optgroup>
        {groups.map((group) => (
          <optgroup key={group.region} label={group.region}>
            {group.zones.map((zone) => (
              <option key={zone} value={zone}>
                {zonePlace(zone)} ({zoneOffset(zone)})
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      {searching && matches.length === 0 && <p class="hint">No zone matches “{query.trim()}”.</p>}
    </div>
  );
}
