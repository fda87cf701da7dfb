import { api } from "../api/endpoints";
import type { AppConfig } from "../api/types";

let cached: Promise<AppConfig> | undefined;

/** GET /api/config once per page load (payment mode and keys, the Agora app id). */
export function loadConfig(): Promise<AppConfig> {
  cached ??= api.config().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
