"""Who may use the API (docs/security.md): NETCANVAS_AUTH=token (one person, a random token),
users (accounts with argon2 passwords, everything owned) or none (loopback only).

`middleware.AuthMiddleware` finds the caller (a `Principal`) for every HTTP and websocket request and
refuses /api without credentials; `api.deps` hands the principal to routes (CurrentUser) and answers
404 for another user's run or graph; `routes` has /api/auth/* and /api/users; `setup.install` wires
all of it into an app.
"""
