// The pages shown instead of the app until the server knows who is asking: the sign-in form
// (users mode), the "open the link the server printed" page (token mode), and a page for a server
// that does not answer.
import { useState, type FormEvent, type ReactNode } from "react";
import { Icon } from "../ui/Icon";
import { authApi, useAuth } from "./auth";
import "./auth.css";

function AuthCard({ children, testid }: { children: ReactNode; testid: string }) {
  return (
    <div className="auth-page">
      <div className="auth-card" data-testid={testid}>
        <div className="auth-brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          netcanvas
        </div>
        {children}
      </div>
    </div>
  );
}

export function SignIn() {
  const notice = useAuth((s) => s.notice);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!username || !password) return;
    setBusy(true);
    setError(null);
    try {
      await useAuth.getState().signIn(username.trim(), password);
      // the page reloads as the signed-in user; the button stays busy until then
    } catch (err) {
      setError((err as Error).message);
      setPassword("");
      setBusy(false);
    }
  };

  return (
    <AuthCard testid="sign-in">
      <h1>Sign in</h1>
      <p className="auth-lead">Sign in to reach your graphs, runs and data sets on this server.</p>
      {notice && <div className="callout warn" role="status" data-testid="sign-in-notice">{notice}</div>}
      <form onSubmit={submit} noValidate>
        <label className="field">
          <span className="field-label">User name</span>
          <input
            value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" autoFocus
            autoCapitalize="none" spellCheck={false} data-testid="sign-in-username" aria-invalid={error ? true : undefined}
          />
        </label>
        <label className="field">
          <span className="field-label">Password</span>
          <input
            type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password"
            data-testid="sign-in-password" aria-invalid={error ? true : undefined}
          />
        </label>
        {error && <div className="callout bad" role="alert" data-testid="sign-in-error">{error}</div>}
        <button type="submit" className="btn primary wide auth-submit" disabled={busy || !username.trim() || !password} data-testid="sign-in-submit">
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="auth-foot">No account? The person who runs this server adds one: an admin's menu has <b>Users…</b>, or <code>netcanvas users add NAME</code> on the server.</p>
    </AuthCard>
  );
}

/** Token mode without the token: the server printed a link at start-up that signs this browser in. */
export function TokenNeeded() {
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const example = `${location.origin}/?token=…`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) return;
    setBusy(true);
    setError(null);
    try {
      if (!(await authApi.tokenAccepted(t))) {
        setError("The server did not accept that token. Copy it again from the line `netcanvas serve` printed (it changes at every start unless NETCANVAS_TOKEN is set).");
        setBusy(false);
        return;
      }
      // The server sets its cookie for ?token= and redirects to the same address without it.
      location.assign(`/?token=${encodeURIComponent(t)}${location.hash}`);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  return (
    <AuthCard testid="token-needed">
      <h1><Icon name="lock" size={18} /> Open the link the server printed</h1>
      <p className="auth-lead">
        This server is for the person who started it. When <code>netcanvas serve</code> starts it prints a link with an
        access token, like <code className="auth-url">{example}</code>. Open that link: it signs this browser in, and the
        plain address works from then on.
      </p>
      <form onSubmit={submit} noValidate>
        <label className="field">
          <span className="field-label">Or paste the token</span>
          <input value={token} onChange={(e) => setToken(e.target.value)} spellCheck={false} autoComplete="off" className="mono" data-testid="token-input" aria-invalid={error ? true : undefined} />
        </label>
        {error && <div className="callout bad" role="alert" data-testid="token-error">{error}</div>}
        <button type="submit" className="btn primary wide auth-submit" disabled={busy || !token.trim()} data-testid="token-submit">Continue</button>
      </form>
      <p className="auth-foot">Lost the link? It is in the server's output; restarting prints a new one. <code>NETCANVAS_TOKEN</code> fixes the token, <code>--no-auth</code> turns the check off on a loopback address.</p>
    </AuthCard>
  );
}

export function Unreachable() {
  const error = useAuth((s) => s.error);
  const [busy, setBusy] = useState(false);
  const retry = async () => {
    setBusy(true);
    await useAuth.getState().load();
    setBusy(false);
  };
  return (
    <AuthCard testid="server-unreachable">
      <h1>The server does not answer</h1>
      <p className="auth-lead">The canvas could not ask the netcanvas server who you are. Is <code>netcanvas serve</code> still running?</p>
      {error && <div className="callout bad" role="alert">{error}</div>}
      <button className="btn primary wide auth-submit" onClick={() => void retry()} disabled={busy}>{busy ? "Trying…" : "Try again"}</button>
    </AuthCard>
  );
}
