import { formatTime } from "./format";

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z/g;

/**
 * A pattern's skip reason in words. The server sends "CODE: sentence" with UTC instants inside;
 * those are shown in the pattern's zone.
 */
export function describeSkip(reason: string, zone: string): string {
  const match = /^([A-Z_]+):\s*(.*)$/s.exec(reason);
  const code = match?.[1];
  const rest = match?.[2] ?? reason;
  if (code === "SLOT_OVERLAP") {
    const times = rest.match(ISO);
    if (times && times.length >= 2 && times[0] && times[1]) {
      return `Clashes with your existing slot ${formatTime(times[0], zone)}–${formatTime(times[1], zone)}.`;
    }
    return "Clashes with another of your slots.";
  }
  if (code === "DST_GAP") return "This time doesn't exist that day: the clocks jump forward.";
  return rest.replace(ISO, (iso) => formatTime(iso, zone));
}
