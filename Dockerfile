# syntax=docker/dockerfile:1
# Build: docker build -t face-sessions .   (podman: podman build --format docker ..., or it drops the HEALTHCHECK)
# Run:   docker run -p 8001:8001 -v face-data:/app/data -v face-secrets:/app/secrets face-sessions
#        (the sealing secret is created in /app/secrets on first start: keep it, and back it up apart from face-data)

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# No toolchain: package.json's allowScripts denies every install script, and none is
# needed (better-sqlite3, sharp and onnxruntime-node ship prebuilt binaries). An npm too
# old to read allowScripts would run them: onnxruntime-node's would then try to download
# CUDA libraries, which this variable stops.
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci --omit=dev --no-audit --no-fund
# Prebuilt binaries for other systems, which this image never loads: onnxruntime-node
# ships darwin, win32 and linux builds (245 of its 290 MB are for other systems), and
# better-sqlite3 eight prebuilds and SQLite's C sources.
RUN platform="linux/$(node -p process.arch)" \
 && find node_modules/onnxruntime-node/bin/napi-v6 -mindepth 2 -maxdepth 2 ! -path "*/$platform" -exec rm -rf {} + \
 && find node_modules/onnxruntime-node/bin/napi-v6 -mindepth 1 -maxdepth 1 -empty -delete \
 && find node_modules/better-sqlite3/prebuilds -type f ! -name "$(node -p '`linux-${process.arch}.node`')" -delete \
 && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src

FROM node:24-bookworm-slim
# glibc returns freed memory (see src/app/mallocSettings.ts).
ENV NODE_ENV=production \
    PORT=8001 \
    SQLITE_PATH=/app/data/faces.db \
    MALLOC_TRIM_THRESHOLD_=0 \
    MALLOC_MMAP_THRESHOLD_=2097152 \
    MALLOC_ARENA_MAX=2 \
    GLIBC_TUNABLES=glibc.malloc.hugetlb=1
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY models ./models
RUN mkdir -p /app/data /app/secrets /app/encoder-token \
 && chown node:node /app/data /app/secrets /app/encoder-token && chmod 700 /app/secrets /app/encoder-token
USER node
VOLUME ["/app/data", "/app/secrets"]
EXPOSE 8001
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/ping').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node runs the TypeScript sources directly (type stripping); there is no build step.
CMD ["node", "src/app/main.ts"]
