# Stand-in for postgres:17, for machines that reach no image registry (the compose job): Debian bookworm's
# PostgreSQL 15 behind an entrypoint that honours the official image's POSTGRES_DB, POSTGRES_USER,
# POSTGRES_PASSWORD and PGDATA. Keycloak 26 supports both versions. Never pushed; never the default of a user's run.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
# No cluster of Debian's own (the entrypoint makes one in PGDATA on first start).
RUN mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
 && apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
 && chmod 0700 /var/lib/postgresql/data
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
