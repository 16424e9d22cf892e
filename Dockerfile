# syntax=docker/dockerfile:1
# Build: docker build -t face-sessions .
# Run:   docker run -p 8001:8001 -v face-data:/app/data -v face-secrets:/app/secrets face-sessions
#        (the sealing secret is created in /app/secrets on first start: keep it, and back it up apart from face-data)

FROM node:24-bookworm-slim AS deps
WORKDIR /app
# Toolchain only as a fallback: better-sqlite3 and sharp normally install prebuilt binaries.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
# package.json's allowScripts denies every dependency's install script (none is needed:
# better-sqlite3 and onnxruntime-node ship their binaries). An npm too old to read
# allowScripts would run them: onnxruntime-node's would then try to download CUDA
# libraries, which this variable stops.
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
# glibc returns freed memory (see src/app/mallocSettings.ts); MODEL_CACHE_DIR holds the
# face networks converted to ONNX at build, so the read-only app needs no writable cache.
ENV NODE_ENV=production \
    PORT=8001 \
    SQLITE_PATH=/app/data/faces.db \
    MODEL_CACHE_DIR=/app/models \
    MALLOC_TRIM_THRESHOLD_=0 \
    MALLOC_MMAP_THRESHOLD_=65536 \
    GLIBC_TUNABLES=glibc.malloc.hugetlb=1
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY models ./models
RUN node src/app/prepareModels.ts \
 && mkdir -p /app/data /app/secrets && chown node:node /app/data /app/secrets && chmod 700 /app/secrets
USER node
VOLUME ["/app/data", "/app/secrets"]
EXPOSE 8001
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/ping').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node runs the TypeScript sources directly (type stripping); there is no build step.
CMD ["node", "src/app/main.ts"]
