/**
 * Price per seat in minor units: round(hourlyRate × durationMinutes / 60), halves rounded up.
 * The server prices slots with it and the slot form previews the same number.
 */
export function priceForDuration(hourlyRate: number, durationMinutes: number): number {
  return Math.floor((hourlyRate * durationMinutes + 30) / 60);
}
