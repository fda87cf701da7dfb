import type { Deps } from "../deps";
import type { AuthUser } from "../domain/identity";

export type { AuthUser, Role } from "../domain/identity";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    deps: Deps;
    /** Set by `authenticate` when a valid session token came with the request. */
    user: AuthUser | undefined;
    /** Where the token came from: cookies need an Origin check on unsafe methods. */
    tokenSource: "bearer" | "cookie" | undefined;
  };
}
