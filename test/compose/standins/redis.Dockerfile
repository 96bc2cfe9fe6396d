# Stand-in for redis:7.0, for machines that reach no image registry (the compose job): Debian bookworm's Redis 7.0
# behind an entrypoint that does what the official image's does (runs as the redis user in /data; with no
# configuration file, protected mode off: the container's network is private). Never pushed; never the default of a
# user's run.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server redis-tools \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
WORKDIR /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
