# One image for the three services; SERVICE picks which one runs. Not built on the project's CI machine (it has
# no Docker engine): see the README, "What was and was not run in containers".
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY libs ./libs
COPY apps ./apps
USER node
ARG SERVICE=service-a
ENV SERVICE=${SERVICE}
CMD ["sh", "-c", "exec node -r @swc-node/register apps/${SERVICE}/src/main.ts"]
