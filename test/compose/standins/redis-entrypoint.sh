#!/bin/bash
# The official redis image's start, in short: options alone run redis-server; redis-server runs as the redis user
# with protected mode off unless a configuration file or the option itself is given.
set -euo pipefail
if [ "${1#-}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ]; then
  case " $* " in
    *.conf* | *--protected-mode*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
  chown -R redis:redis /data
  exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
