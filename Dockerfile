# One image per service: `docker build --build-arg SERVICE=service-b .` (docker-compose.yml builds all three).
# The build stage compiles the TypeScript to JavaScript (scripts/build.mjs); the runtime stage holds production
# dependencies and that output only, and runs plain `node` as the image's unprivileged `node` user.
# Never built on the project's machines (they have no Docker engine); the same build and run steps are run outside
# a container by test/postgres (README, "Docker").
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The library is an npm workspace: npm ci reads its package.json (its dependencies) and links it.
COPY libs/keycloak-auth/package.json ./libs/keycloak-auth/
RUN npm ci --ignore-scripts
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
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

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
