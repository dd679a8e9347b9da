"""Shared by every test folder: this folder is on sys.path (pytest's rootdir conftest), so
`from live_server import serve, free_port, in_ci` works from any of them."""
