# syntax=docker/dockerfile:1
# Userbox account service. Multi-stage: build the widget bundle with dev dependencies, then ship only the
# service's runtime dependencies, as a non-root user, with a health check.

# The release this image replaces, whose widget chunks it keeps serving (docs/DEPLOYMENT.md, "Releasing a new
# widget"): `docker build --build-arg PREVIOUS_IMAGE=userbox:<last release> .`. Unset, the image has only its own.
ARG PREVIOUS_IMAGE=no-previous-release

# The workspace manifests and a compiler: better-sqlite3 compiles from source when no prebuilt binary matches.
FROM node:20-bookworm-slim AS manifests
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
# Every workspace's package.json, which npm ci checks against the lockfile, though only two are installed.
COPY package.json package-lock.json tsconfig.base.json ./
COPY auth-service/package.json auth-service/
COPY widget/package.json widget/
COPY packages/verify/package.json packages/verify/
COPY host-examples/static/package.json host-examples/static/
COPY host-examples/express-ssr/package.json host-examples/express-ssr/
COPY host-examples/react/package.json host-examples/react/
COPY e2e/package.json e2e/

FROM manifests AS build
RUN npm ci --workspace @userbox/widget --workspace @userbox/auth-service --include-workspace-root
COPY widget widget
RUN npm run build -w @userbox/widget

FROM manifests AS deps
RUN npm ci --omit=dev --workspace @userbox/auth-service \
 && node -e "new (require('better-sqlite3'))(':memory:').close()"

# No previous release: an empty chunks folder.
FROM node:20-bookworm-slim AS no-previous-release
RUN mkdir -p /app/widget/dist/chunks

FROM ${PREVIOUS_IMAGE} AS previous

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
# The previous release's chunks first, then this build over them: a chunk's name is its content's hash, so they
# never clash, and pages still running the previous loader find theirs.
COPY --from=previous /app/widget/dist/chunks widget/dist/chunks
COPY --from=build /app/widget/dist widget/dist
COPY widget/package.json widget/
COPY package.json tsconfig.base.json ./
COPY auth-service auth-service
RUN mkdir -p auth-service/data && chown -R node:node auth-service/data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
WORKDIR /app/auth-service
CMD ["node", "--import", "tsx", "src/server.ts"]
