import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from "vitest";
import { api, apiError } from "../api/client";
import { startAutosave } from "../graph/subscribers";
import { emptyState, useGraph } from "../graph/store";
import {
  AUTOSAVE_KEY, OWNER_KEY, SESSION_ENDED, authApi, browser, putAwayAutosave, stashKey, takeOverAutosave, useAuth,
} from "./auth";

class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length() { return this.items.size; }
  clear() { this.items.clear(); }
  getItem(k: string) { return this.items.get(k) ?? null; }
  key(i: number) { return [...this.items.keys()][i] ?? null; }
  removeItem(k: string) { this.items.delete(k); }
  setItem(k: string, v: string) { this.items.set(k, String(v)); }
  keys() { return [...this.items.keys()].sort(); }
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

type Route = (init: RequestInit | undefined) => Response;
/** fetch answering by "METHOD /path" (the query string ignored); each call is recorded. */
function server(routes: Record<string, Route>) {
  const calls: { key: string; init: RequestInit | undefined }[] = [];
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    const key = `${init?.method ?? "GET"} ${url.split("?")[0]}`;
    calls.push({ key, init });
    const route = routes[key];
    if (!route) throw new Error(`unexpected ${key}`);
    return route(init);
  });
  vi.stubGlobal("fetch", fetchMock);
  return calls;
}

const auth = () => useAuth.getState();
const initial = { status: "loading" as const, mode: null, user: null, notice: null, error: null };
let storage: MemoryStorage;
let reload: Mock<() => void>;
let home: Mock<() => void>;

beforeEach(() => {
  useAuth.setState(initial);
  storage = new MemoryStorage();
  reload = vi.fn<() => void>();
  home = vi.fn<() => void>();
  vi.spyOn(browser, "storage").mockReturnValue(storage);
  vi.spyOn(browser, "reload").mockImplementation(reload);
  vi.spyOn(browser, "home").mockImplementation(home);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("who is asking (GET /api/auth/me)", () => {
  it("users mode without a session shows the sign-in page; with one, the app and the user", async () => {
    server({ "GET /api/auth/me": () => json({ mode: "users", user: null }) });
    await auth().load();
    expect(auth()).toMatchObject({ status: "signed-out", mode: "users", user: null, notice: null });

    server({ "GET /api/auth/me": () => json({ mode: "users", user: { name: "ada", is_admin: true } }) });
    await auth().load();
    expect(auth()).toMatchObject({ status: "signed-in", mode: "users", user: { name: "ada", is_admin: true } });
  });

  it("token mode asks a protected call whether this browser holds the token", async () => {
    const calls = server({ "GET /api/auth/me": () => json({ mode: "token", user: null }), "GET /api/runs": () => json({ detail: "Sign in: …" }, 401) });
    await auth().load();
    expect(auth()).toMatchObject({ status: "signed-out", mode: "token" });
    expect(calls.map((c) => c.key)).toEqual(["GET /api/auth/me", "GET /api/runs"]);

    server({ "GET /api/auth/me": () => json({ mode: "token", user: null }), "GET /api/runs": () => json({ data: [], count: 0 }) });
    await auth().load();
    expect(auth()).toMatchObject({ status: "signed-in", mode: "token" });
  });

  it("none mode (and a server from before accounts, 404) needs nobody; a dead server says so", async () => {
    server({ "GET /api/auth/me": () => json({ mode: "none", user: null }) });
    await auth().load();
    expect(auth()).toMatchObject({ status: "signed-in", mode: "none" });

    useAuth.setState(initial);
    server({ "GET /api/auth/me": () => json({ detail: "Not Found" }, 404) });
    await auth().load();
    expect(auth()).toMatchObject({ status: "signed-in", mode: "none" });

    useAuth.setState(initial);
    vi.stubGlobal("fetch", vi.fn(async () => { throw new TypeError("Failed to fetch"); }));
    await auth().load();
    expect(auth()).toMatchObject({ status: "unreachable", error: "Failed to fetch" });
  });
});

describe("a 401 from any call brings the sign-in page back", () => {
  it("from request() and from responses read elsewhere (uploads, downloads)", async () => {
    useAuth.setState({ status: "signed-in", mode: "users", user: { name: "ada", is_admin: false } });
    server({ "GET /api/runs": () => json({ detail: "Sign in: this request has no valid session." }, 401) });
    await expect(api.runs()).rejects.toMatchObject({ status: 401, message: "Sign in: this request has no valid session." });
    expect(auth()).toMatchObject({ status: "signed-out", user: null, notice: SESSION_ENDED });

    useAuth.setState({ status: "signed-in", user: { name: "ada", is_admin: false }, notice: null });
    apiError(401, '{"detail": "Sign in: …"}', "The upload failed (HTTP 401).");
    expect(auth().status).toBe("signed-out");
  });

  it("other failures do not, and a 401 while the first question is out changes nothing", async () => {
    useAuth.setState({ status: "signed-in", mode: "users", user: { name: "ada", is_admin: false } });
    apiError(403, '{"detail": "Only an admin may list users."}', "x");
    apiError(404, '{"detail": "Run \'r1\' not found."}', "x");
    expect(auth().status).toBe("signed-in");

    useAuth.setState(initial);
    apiError(401, "", "x");
    expect(auth()).toMatchObject({ status: "loading", notice: null });
  });
});

describe("signing in and out", () => {
  beforeEach(() => useAuth.setState({ status: "signed-out", mode: "users", user: null }));

  it("a wrong password is the server's sentence, not a lost session; the page stays", async () => {
    const calls = server({ "POST /api/auth/login": () => json({ detail: "Wrong user name or password." }, 401) });
    await expect(auth().signIn("ada", "nope")).rejects.toThrow("Wrong user name or password.");
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ username: "ada", password: "nope" });
    expect(calls[0].init?.headers).toMatchObject({ "Content-Type": "application/json" });
    expect(auth()).toMatchObject({ status: "signed-out", notice: null });
    expect(reload).not.toHaveBeenCalled();
  });

  it("signing in reloads the page as that user, with their own canvas", async () => {
    storage.setItem(AUTOSAVE_KEY, "bob's graph");
    storage.setItem(OWNER_KEY, "bob");
    storage.setItem(stashKey("ada"), "ada's graph");
    server({ "POST /api/auth/login": () => json({ user: { name: "ada", is_admin: false } }) });
    await auth().signIn("ada", "secret");
    expect(reload).toHaveBeenCalledOnce();
    expect(storage.getItem(AUTOSAVE_KEY)).toBe("ada's graph");
    expect(storage.getItem(stashKey("bob"))).toBe("bob's graph");
    expect(storage.getItem(OWNER_KEY)).toBe("ada");
  });

  it("signing out clears the session, puts the canvas away and goes to the start page", async () => {
    useAuth.setState({ status: "signed-in", mode: "users", user: { name: "ada", is_admin: false } });
    storage.setItem(AUTOSAVE_KEY, "ada's graph");
    storage.setItem(OWNER_KEY, "ada");
    const calls = server({ "POST /api/auth/logout": () => new Response(null, { status: 204 }) });
    await auth().signOut();
    expect(calls.map((c) => c.key)).toEqual(["POST /api/auth/logout"]);
    expect(home).toHaveBeenCalledOnce();
    expect(storage.keys()).toEqual([stashKey("ada")]);
  });

  it("an already ended session still signs out; a failing server does not pretend to", async () => {
    useAuth.setState({ status: "signed-in", mode: "users", user: { name: "ada", is_admin: false } });
    server({ "POST /api/auth/logout": () => json({ detail: "Sign in: …" }, 401) });
    await auth().signOut();
    expect(home).toHaveBeenCalledOnce();

    home.mockClear();
    server({ "POST /api/auth/logout": () => new Response("Bad Gateway", { status: 502 }) });
    await expect(auth().signOut()).rejects.toThrow("Bad Gateway");
    expect(home).not.toHaveBeenCalled();
  });
});

describe("the canvas autosave on a shared browser", () => {
  it("each user gets back their own canvas and never another's", () => {
    takeOverAutosave(storage, "ada");
    storage.setItem(AUTOSAVE_KEY, "ada's graph"); // what graph/subscribers.ts writes while ada works
    putAwayAutosave(storage, "ada");
    expect(storage.getItem(AUTOSAVE_KEY)).toBeNull();

    takeOverAutosave(storage, "bob");
    expect(storage.getItem(AUTOSAVE_KEY)).toBeNull(); // bob starts empty
    storage.setItem(AUTOSAVE_KEY, "bob's graph");
    // bob's session ends without signing out; ada signs in on the same browser
    takeOverAutosave(storage, "ada");
    expect(storage.getItem(AUTOSAVE_KEY)).toBe("ada's graph");
    takeOverAutosave(storage, "bob");
    expect(storage.getItem(AUTOSAVE_KEY)).toBe("bob's graph");
    expect(storage.getItem(stashKey("ada"))).toBe("ada's graph");
  });

  it("a canvas from before accounts stays with the first to sign in; signing in again keeps it", () => {
    storage.setItem(AUTOSAVE_KEY, "old graph");
    takeOverAutosave(storage, "ada");
    expect(storage.getItem(AUTOSAVE_KEY)).toBe("old graph");
    takeOverAutosave(storage, "ada");
    expect(storage.keys()).toEqual([AUTOSAVE_KEY, OWNER_KEY]);
  });

  it("names the key graph/subscribers.ts writes", () => {
    vi.useFakeTimers();
    vi.stubGlobal("localStorage", storage);
    useGraph.setState(emptyState());
    const stop = startAutosave();
    useGraph.getState().addLayer("Input", { shape: [4] }, { x: 0, y: 0 });
    vi.advanceTimersByTime(1000);
    stop();
    expect(JSON.parse(storage.getItem(AUTOSAVE_KEY) ?? "null")?.graph?.nodes?.[0]?.type).toBe("Input");
  });
});

describe("the admin's user list", () => {
  it("adds with a password, removes by name, and a non-admin's 403 is a sentence, not a sign-out", async () => {
    useAuth.setState({ status: "signed-in", mode: "users", user: { name: "ada", is_admin: true } });
    const calls = server({
      "POST /api/users": () => json({ name: "bob", is_admin: false, created_at: "2026-12-02T07:00:00Z" }, 201),
      "DELETE /api/users/b%C3%B6b": () => new Response(null, { status: 204 }),
      "GET /api/users": () => json({ detail: "Only an admin may manage users." }, 403),
    });
    await authApi.addUser({ name: "bob", password: "pw-123456", is_admin: false });
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ name: "bob", password: "pw-123456", is_admin: false });
    await authApi.removeUser("böb");
    expect(calls[1].key).toBe("DELETE /api/users/b%C3%B6b");
    await expect(authApi.users()).rejects.toThrow("Only an admin may manage users.");
    expect(auth().status).toBe("signed-in");
  });
});
