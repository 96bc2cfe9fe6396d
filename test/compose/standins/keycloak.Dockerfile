# Stand-in for keycloak/keycloak:<version>, for machines that reach no image registry (the compose job): Debian
# bookworm with OpenJDK 17 and the Keycloak server distribution scripts/keycloak.mjs fetches with Maven (copied by
# scripts/docker-standins.mjs into this build's context, without a data folder), laid out as the official image lays
# it out: /opt/keycloak, kc.sh as the entrypoint, uid 1000. Never pushed; never the default of a user's run.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
# Debian's JRE keeps its CA store in a real file that ca-certificates-java writes at install time (a symlink to the
# host's store would leave Keycloak without a system truststore).
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1000 --gid 0 --home-dir /opt/keycloak --no-create-home keycloak
COPY --chown=1000:0 keycloak/ /opt/keycloak/
# As the official image: Keycloak then listens on every address in dev mode (not only localhost) and sizes its heap
# from the container's memory.
ENV KC_RUN_IN_CONTAINER=true
USER 1000
EXPOSE 8080 8443 9000
ENTRYPOINT ["/opt/keycloak/bin/kc.sh"]
