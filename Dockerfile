# One image for every eventpipe process, chosen by the first argument: `collector`, `loader`,
# `operator` (the Kubernetes operator; `operator render` prints its objects), `replay`, `send`, `console`.
# Node 24 LTS; runs as a non-root user with a read-only root filesystem in mind (writes only to /tmp).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY core/package.json core/
COPY local/package.json local/
COPY collector/package.json collector/
COPY loader/package.json loader/
COPY operator/package.json operator/
COPY cli/package.json cli/
COPY test/package.json test/
COPY bench/package.json bench/
COPY console/package.json console/
# Scripts are skipped here: `prepare` builds, and the sources are not copied yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# patches/ as `npm install` applies them (s3rver, the local S3 server of `eventpipe dev`).
RUN npx patch-package && npm run build && npm prune --omit=dev --ignore-scripts && rm -rf test bench

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=root:root /app /app
USER 10001:10001
# 8080 collector, 8081 loader health and metrics, 8082 operator health and metrics, 8090 console.
EXPOSE 8080 8081 8082 8090
ENTRYPOINT ["node", "/app/cli/bin/eventpipe.js"]
CMD ["--help"]
