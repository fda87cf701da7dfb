import { type ComponentChildren, createContext } from "preact";
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api/endpoints";
import { ApiError, onUnauthenticated } from "../api/http";
import type { User } from "../api/types";
import { setDisplayLocale } from "./locale";

interface AuthState {
  /** undefined while the first `GET /api/me` is in flight, null when signed out. */
  user: User | null | undefined;
  setUser: (user: User | null) => void;
  signOut: () => Promise<void>;
  /** Set when a request found the session expired; the sign-in page shows it. */
  expired: boolean;
}

const AuthContext = createContext<AuthState>({
  user: undefined,
  setUser: () => undefined,
  signOut: async () => undefined,
  expired: false,
});

/** Who is signed in; the session itself lives in the HttpOnly cookie, never in storage. */
export function AuthProvider({ children }: { children: ComponentChildren }) {
  const [user, setUserState] = useState<User | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
  const current = useRef(user);
  current.current = user;

  useEffect(() => {
    let live = true;
    api
      .me()
      .then((me) => live && setUserState(me))
      .catch((error: unknown) => {
        if (!live) return;
        // Signed out is the normal answer; anything else still lets the person sign in.
        if (!(error instanceof ApiError) || error.status !== 401) console.warn("GET /api/me", error);
        setUserState(null);
      });
    const stop = onUnauthenticated(() => {
      if (current.current) setExpired(true);
      setUserState(null);
    });
    return () => {
      live = false;
      stop();
    };
  }, []);

  const setUser = useCallback((next: User | null) => {
    setExpired(false);
    setUserState(next);
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setExpired(false);
      setUserState(null);
    }
  }, []);

  // Dates follow the signed-in user's locale; set during render so the pages below already use it.
  setDisplayLocale(user?.locale);
  const value = useMemo(() => ({ user, setUser, signOut, expired }), [user, setUser, signOut, expired]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  return useContext(AuthContext);
}

/** The signed-in user, for pages that only render behind the sign-in guard. */
export function useUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error("useUser outside the signed-in area");
  return user;
}
