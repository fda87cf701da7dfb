import type { Deps } from "../deps";

export type Role = "provider" | "student";

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  timezone: string;
}

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
