// Who is using the canvas: GET /api/auth/me, signing in and out, and the admin's user list.
// The server's modes (docs/security.md): "users" — accounts with passwords; "token" — one user who
// opened the link `netcanvas serve` printed; "none" — no check. A 401 from any call (api/client.ts
// reports it here) means the credentials are gone: the app shows the sign-in page again.
import { create } from "zustand";
import { ApiError, onUnauthorized, readApiError, request } from "../api/client";

export type AuthMode = "token" | "users" | "none";
export interface AuthUser { name: string; is_admin: boolean }
export interface Me { mode: AuthMode; user: AuthUser | null }
export interface UserRow { name: string; is_admin: boolean; created_at: string }
export interface UserCreate { name: string; password: string; is_admin: boolean }

/** The auth endpoints answer 401 for a wrong password: that is the answer, not a lost session, so
 *  these calls read their errors without telling the sign-in gate. */
async function authFetch<T>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!res.ok) throw readApiError(res.status, text, `${method} ${url} failed (HTTP ${res.status}).`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Whether a protected call goes through: with the browser's cookie, or with `token` as a Bearer. */
async function accepted(token?: string): Promise<boolean> {
  const res = await fetch("/api/runs?limit=1", token ? { headers: { Authorization: `Bearer ${token}` } } : undefined);
  return res.status !== 401;
}

export const authApi = {
  me: () => authFetch<Me>("GET", "/api/auth/me"),
  login: (username: string, password: string) =>
    authFetch<{ user: AuthUser }>("POST", "/api/auth/login", { username, password }),
  logout: () => authFetch<void>("POST", "/api/auth/logout"),
  tokenAccepted: (token: string) => accepted(token),
  // Admin only (403 otherwise); a 401 here is a lost session like anywhere else.
  users: () => request<{ data: UserRow[]; count: number }>("GET", "/api/users"),
  addUser: (user: UserCreate) => request<UserRow>("POST", "/api/users", user),
  removeUser: (name: string) => request<void>("DELETE", `/api/users/${encodeURIComponent(name)}`),
};

// ---- the canvas autosave on a shared browser -------------------------------------------------
// graph/subscribers.ts keeps the open canvas in localStorage under AUTOSAVE_KEY (auth.test.ts
// checks the name). In users mode a lab computer is shared: signing out puts that canvas away under
// the user's name, and signing in brings back the user's own (or an empty canvas), so the next
// person does not open someone else's graph.
export const AUTOSAVE_KEY = "netcanvas.autosave";
export const OWNER_KEY = "netcanvas.autosave.owner";
export const stashKey = (name: string) => `${AUTOSAVE_KEY}@${name}`;

/** Before `name`'s first page after signing in: their own autosave becomes the open canvas. A canvas
 *  left by another user is put away under that user's name; one from before accounts stays. */
export function takeOverAutosave(storage: Storage, name: string): void {
  const owner = storage.getItem(OWNER_KEY);
  if (owner === name) return;
  const current = storage.getItem(AUTOSAVE_KEY);
  if (owner && current !== null) storage.setItem(stashKey(owner), current);
  const mine = storage.getItem(stashKey(name));
  if (mine !== null) {
    storage.setItem(AUTOSAVE_KEY, mine);
    storage.removeItem(stashKey(name));
  } else if (owner) {
    storage.removeItem(AUTOSAVE_KEY);
  }
  storage.setItem(OWNER_KEY, name);
}

/** On signing out: `name`'s open canvas is put away until they sign in here again. */
export function putAwayAutosave(storage: Storage, name: string): void {
  const current = storage.getItem(AUTOSAVE_KEY);
  if (current !== null) storage.setItem(stashKey(name), current);
  storage.removeItem(AUTOSAVE_KEY);
  storage.removeItem(OWNER_KEY);
}

/** What the store does to the page, replaceable in tests (they run without a browser). */
export const browser = {
  storage: (): Storage | null => (typeof localStorage === "undefined" ? null : localStorage),
  /** After signing in: a fresh start, so every store (canvas, catalogues, runs) is the new user's. */
  reload: () => location.reload(),
  /** After signing out: the canvas address, loaded afresh (the sign-in page, nothing of the last user). */
  home: () => location.assign("/"),
};

const guard = (f: () => void) => {
  try {
    f();
  } catch {
    /* storage full or disabled: the autosave is a convenience */
  }
};

// ---- the store ------------------------------------------------------------------------------
export type AuthStatus = "loading" | "signed-in" | "signed-out" | "unreachable";

export const SESSION_ENDED = "You were signed out: the session ended or the account was changed. Sign in again to go on.";

interface AuthState {
  status: AuthStatus;
  mode: AuthMode | null;
  user: AuthUser | null;
  /** Why the sign-in page is back mid-session (null on a first visit). */
  notice: string | null;
  /** Why the server could not be asked (status "unreachable"). */
  error: string | null;
  load: () => Promise<void>;
  /** Throws the server's sentence (wrong password, locked out); on success the page reloads. */
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** A call answered 401. */
  expired: () => void;
}

export const useAuth = create<AuthState>()((set, get) => ({
  status: "loading",
  mode: null,
  user: null,
  notice: null,
  error: null,

  load: async () => {
    let me: Me;
    try {
      me = await authApi.me();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        set({ status: "signed-in", mode: "none", user: null, error: null }); // a server from before accounts
      } else {
        set({ status: "unreachable", error: (err as Error).message });
      }
      return;
    }
    let signedIn = me.mode === "none" || me.user !== null;
    // Token mode has no user to name: whether this browser holds the token shows in a protected call.
    if (!signedIn && me.mode === "token") {
      try {
        signedIn = await accepted();
      } catch (err) {
        set({ status: "unreachable", error: (err as Error).message });
        return;
      }
    }
    set({ status: signedIn ? "signed-in" : "signed-out", mode: me.mode, user: me.user, error: null });
  },

  signIn: async (username, password) => {
    const { user } = await authApi.login(username, password);
    const storage = browser.storage();
    if (storage) guard(() => takeOverAutosave(storage, user.name));
    browser.reload();
  },

  signOut: async () => {
    const { user, mode } = get();
    try {
      await authApi.logout();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err; // 401: already signed out
    }
    const storage = browser.storage();
    if (storage && user && mode === "users") guard(() => putAwayAutosave(storage, user.name));
    browser.home();
  },

  expired: () => {
    // While the first GET /api/auth/me is out, load() decides; a 401 then is no news.
    if (get().status !== "signed-in") return;
    set({ status: "signed-out", user: null, notice: SESSION_ENDED });
  },
}));

onUnauthorized(() => useAuth.getState().expired());
