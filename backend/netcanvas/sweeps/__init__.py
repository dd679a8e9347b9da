"""Sweeps: many configurations of one run request, each trial an ordinary run (docs/sweeps.md)."""
