# syntax=docker/dockerfile:1
# Build: all dependencies, compile, then drop the development ones. Install scripts are skipped:
# the only one the project allows restores the embedded PostgreSQL's binaries, and the image always
# runs against DATABASE_URL (without it the service stops with "The embedded PostgreSQL binaries …
# are not installed").
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:22-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/package.json ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# Tools run from the compiled build, e.g. `docker compose exec app node dist/src/cli/db-verify.js`.
CMD ["node", "dist/src/main.js"]
