import { BOOKING_WINDOW_DAYS } from "../../../src/shared/limits";
import { DAY_MS } from "../../../src/shared/time";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import type { ProviderProfile, Slot } from "../api/types";

/** The teacher's profile, or null before they have set a rate. */
export async function loadOwnProfile(): Promise<ProviderProfile | null> {
  try {
    return await api.providerProfile();
  } catch (error) {
    if (error instanceof ApiError && error.code === "NOT_FOUND") return null;
    throw error;
  }
}

/** The teacher's slots that could clash with a new one: from a day ago to the end of the window. */
export async function loadOwnUpcomingSlots(providerId: string): Promise<Slot[]> {
  const now = Date.now();
  const { slots } = await api.slots({
    providerId,
    from: new Date(now - DAY_MS).toISOString(),
    to: new Date(now + (BOOKING_WINDOW_DAYS + 1) * DAY_MS).toISOString(),
  });
  return slots;
}
