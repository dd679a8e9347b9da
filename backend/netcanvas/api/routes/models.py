"""Models: import (Keras .h5) and code generation. Stub for a colleague to fill in."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["models"])
