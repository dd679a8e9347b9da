// The signed-in user in the top bar (users mode): their name, Sign out, and for admins "Users…",
// a dialog that lists the accounts, adds one with a password and removes one.
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { fmtDate } from "../ui/format";
import { Icon } from "../ui/Icon";
import { Modal } from "../ui/Modal";
import { toast } from "../ui/toast";
import { authApi, useAuth, type AuthUser, type UserRow } from "./auth";
import "./auth.css";

export default function UserMenu() {
  const user = useAuth((s) => s.user);
  const mode = useAuth((s) => s.mode);
  const [open, setOpen] = useState(false);
  const [users, setUsers] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => root.current && !root.current.contains(e.target as Node) && setOpen(false);
    const key = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    document.addEventListener("mousedown", away);
    window.addEventListener("keydown", key);
    return () => {
      document.removeEventListener("mousedown", away);
      window.removeEventListener("keydown", key);
    };
  }, [open]);

  if (mode !== "users" || !user) return null;

  const signOut = async () => {
    setLeaving(true);
    try {
      await useAuth.getState().signOut(); // the page goes to the sign-in form
    } catch (err) {
      toast(`Could not sign out: ${(err as Error).message}`, "error");
      setLeaving(false);
    }
  };

  return (
    <div className="user-menu" ref={root}>
      <button
        className="btn ghost user-button" onClick={() => setOpen((o) => !o)} aria-haspopup="menu" aria-expanded={open}
        title={`Signed in as ${user.name}`} data-testid="user-menu"
      >
        <span className="avatar" aria-hidden="true">{user.name.slice(0, 1).toUpperCase()}</span>
        <span className="user-name" data-testid="user-menu-name">{user.name}</span>
      </button>
      {open && (
        <div className="user-popover" role="menu" data-testid="user-menu-popover">
          <div className="user-who">
            <span className="dim small">Signed in as</span>
            <b>{user.name}</b>
            {user.is_admin && <span className="role-chip">admin</span>}
          </div>
          {user.is_admin && (
            <button role="menuitem" className="menu-item" onClick={() => { setOpen(false); setUsers(true); }} data-testid="user-menu-users">
              <Icon name="table" size={14} /> Users…
            </button>
          )}
          <button role="menuitem" className="menu-item" onClick={() => void signOut()} disabled={leaving} data-testid="sign-out">
            <Icon name="external" size={14} /> {leaving ? "Signing out…" : "Sign out"}
          </button>
        </div>
      )}
      {users && <UsersDialog me={user} onClose={() => setUsers(false)} />}
    </div>
  );
}

function UsersDialog({ me, onClose }: { me: AuthUser; onClose: () => void }) {
  const [rows, setRows] = useState<UserRow[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [admin, setAdmin] = useState(false);
  const [busy, setBusy] = useState(false);
  const [addError, setAddError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setRows((await authApi.users()).data);
      setListError(null);
    } catch (err) {
      setListError((err as Error).message);
    }
  }, []);
  useEffect(() => {
    let live = true;
    authApi.users().then((r) => live && setRows(r.data), (err: Error) => live && setListError(err.message));
    return () => { live = false; };
  }, []);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || !password) return;
    setBusy(true);
    setAddError(null);
    try {
      await authApi.addUser({ name: name.trim(), password, is_admin: admin });
      toast(`Added ${name.trim()}${admin ? " (admin)" : ""}: they can sign in now`, "good");
      setName("");
      setPassword("");
      setAdmin(false);
      await refresh();
    } catch (err) {
      setAddError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (who: string) => {
    if (confirm !== who) {
      setConfirm(who);
      return;
    }
    setConfirm(null);
    try {
      await authApi.removeUser(who);
      toast(`Removed ${who}`, "good");
      await refresh();
    } catch (err) {
      setListError((err as Error).message);
    }
  };

  return (
    <Modal title="Users" onClose={onClose} testid="users-dialog">
      <p className="dim import-intro">
        Everyone here has their own graphs, runs and data sets; no one sees another's. Admins also manage this list.
      </p>
      {listError && <div className="callout bad" role="alert" data-testid="users-error">{listError}</div>}
      {rows === null && !listError && <div className="dim">Loading…</div>}
      {rows && (
        <table className="runs-table users-table" data-testid="users-table">
          <thead><tr><th>Name</th><th>Role</th><th>Added</th><th /></tr></thead>
          <tbody>
            {rows.map((u) => (
              <tr key={u.name} data-testid={`user-row-${u.name}`}>
                <td><b>{u.name}</b>{u.name === me.name && <span className="dim"> (you)</span>}</td>
                <td>{u.is_admin ? <span className="role-chip">admin</span> : <span className="dim">user</span>}</td>
                <td className="dim">{fmtDate(u.created_at)}</td>
                <td className="num">
                  <button
                    className={`btn small danger${confirm === u.name ? " confirm" : ""}`} onClick={() => void remove(u.name)}
                    disabled={u.name === me.name} title={u.name === me.name ? "You cannot remove your own account while signed in" : `Remove ${u.name}`}
                    data-testid={`user-remove-${u.name}`}
                  >
                    <Icon name="trash" size={13} /> {confirm === u.name ? `Remove ${u.name}?` : "Remove"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirm && (
        <div className="callout warn" role="status" data-testid="user-remove-warning">
          Removing {confirm} signs them out for good; their graphs, runs and data sets pass to the oldest admin. Click “Remove {confirm}?” again to go ahead.
        </div>
      )}
      <form className="user-add" onSubmit={add} noValidate>
        <div className="panel-sub">Add a user</div>
        <div className="row2">
          <label className="field">
            <span className="field-label">User name</span>
            <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" spellCheck={false} data-testid="user-add-name" />
          </label>
          <label className="field">
            <span className="field-label">Password</span>
            <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" data-testid="user-add-password" />
            <span className="field-hint">give it to them; only its hash is stored</span>
          </label>
        </div>
        <label className="opt-check">
          <input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} data-testid="user-add-admin" />
          Admin: may add and remove users
        </label>
        {addError && <div className="callout bad" role="alert" data-testid="user-add-error">{addError}</div>}
        <div className="modal-actions">
          <button type="button" className="btn ghost" onClick={onClose}>Close</button>
          <button type="submit" className="btn primary" disabled={busy || !name.trim() || !password} data-testid="user-add-submit">
            <Icon name="plus" size={14} /> {busy ? "Adding…" : "Add user"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
