import { useMemo } from "preact/hooks";
import { listTimeZones } from "../lib/zoned-time";

/** A <select> of IANA zones; the caller wraps it in a Field with the label. */
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
  const zones = useMemo(() => listTimeZones(value), [value]);
  return (
    <select
      id={id}
      value={value}
      aria-describedby={describedBy}
      onChange={(e) => onChange(e.currentTarget.value)}
    >
      {zones.map((zone) => (
        <option key={zone} value={zone}>
          {zone.replaceAll("_", " ")}
        </option>
      ))}
    </select>
  );
}
