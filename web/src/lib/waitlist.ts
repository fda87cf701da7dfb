import { api } from "../api/endpoints";
import type { WaitlistEntry } from "../api/types";
import { errorCode } from "./errors";

/**
 * The student's places on waiting lists that still matter: waiting in line, or offered a seat.
 * An API without waiting lists (404) means nobody is on one.
 */
export async function loadActiveWaitlist(): Promise<WaitlistEntry[]> {
  try {
    const { entries } = await api.myWaitlist();
    return entries.filter((entry) => entry.status === "WAITING" || entry.status === "OFFERED");
  } catch (error) {
    if (errorCode(error) === "NOT_FOUND") return [];
    throw error;
  }
}
