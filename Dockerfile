# Multi-stage: build with the full toolchain (better-sqlite3 compiles from source), run
# the compiled service with production dependencies only.
FROM node:20-bookworm AS build
WORKDIR /app
ENV npm_config_build_from_source=true
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY scripts ./scripts
COPY apps ./apps
COPY libs ./libs
COPY bench ./bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 ROSTER_DATA_DIR=/data LOG_FORMAT=json
COPY --from=build /app/package.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# A young generation of 32 MB: requests and catch-up batches make short-lived objects, and
# fewer scavenges cost less CPU (bench:startup, bench:commands run the service the same way).
CMD ["node", "--max-semi-space-size=32", "-r", "./scripts/register-paths.js", "dist/apps/roster/src/main.js"]
