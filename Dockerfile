# netcanvas: the API (which serves the built front end) on CPU PyTorch.
# Build: docker build -t netcanvas .   Run with PostgreSQL: docker compose up --build

FROM node:20-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    NETCANVAS_HOST=0.0.0.0 \
    NETCANVAS_PORT=8000 \
    NETCANVAS_DATA_DIR=/data \
    NETCANVAS_FRONTEND_DIST=/app/frontend/dist
WORKDIR /app
# The CPU build first: an unpinned torch pulls several GB of CUDA. For GPUs pass
# --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN pip install torch==2.13.0 --index-url "$TORCH_INDEX"
COPY pyproject.toml requirements.lock README.md ./
COPY backend/ backend/
RUN pip install -c requirements.lock ".[export,postgres]"
COPY --from=frontend /src/frontend/dist frontend/dist
RUN useradd --create-home --uid 1000 netcanvas && mkdir -p /data && chown netcanvas /data
USER netcanvas
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health')"
CMD ["netcanvas", "serve"]
