# One Dockerfile for the three services: `docker build --build-arg SERVICE=service-b .` (docker-compose.yml builds
# all three; they share every layer but the last, so the second and third builds take seconds and cost no space).
# The build stage compiles the TypeScript to JavaScript (scripts/build.mjs); the runtime stage holds production
# dependencies and that output only, and runs plain `node` as the image's unprivileged `node` user. The compose job
# (test/compose) builds it for real, with NODE_IMAGE pointed at a local stand-in of the official image.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The library is an npm workspace: npm ci reads its package.json (its dependencies) and links it.
COPY libs/keycloak-auth/package.json ./libs/keycloak-auth/
# No dependency's install script is needed to compile (package.json's allowScripts says why for each).
RUN npm ci --ignore-scripts --no-fund --no-audit
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/
COPY libs ./libs
COPY apps ./apps
RUN node scripts/build.mjs --out-dir dist
RUN mkdir /keys

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/keycloak-auth/package.json ./libs/keycloak-auth/
# Production dependencies, less what no service loads at run time: TypeScript (installed as an optional peer of
# @nestjs/swagger, for its compiler plugin), type declarations and sources, source maps, documentation, and the
# packages' own tests, examples and benchmarks.
RUN npm ci --omit=dev --ignore-scripts --no-fund --no-audit --cache /tmp/npm-cache \
 && rm -rf /tmp/npm-cache \
 && rm -rf node_modules/typescript node_modules/@types \
 && find node_modules -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' -o -name '*.md' \) -delete \
 && find node_modules -depth -type d \( -name test -o -name tests -o -name __tests__ -o -name example -o -name examples \
      -o -name benchmark -o -name benchmarks \) -exec rm -rf {} +

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The service's signing keys (CLIENT_KEYS_DIR): a volume mounted here starts out owned by the unprivileged user.
COPY --from=build --chown=node:node /keys /keys
USER node
ARG SERVICE=service-a
ENV SERVICE=${SERVICE}
# exec: node replaces the shell and receives SIGTERM itself (graceful shutdown on `docker stop`).
CMD ["sh", "-c", "exec node dist/apps/${SERVICE}/src/main.js"]
