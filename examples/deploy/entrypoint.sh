#!/bin/sh
# The image's ENTRYPOINT: migrate, then become the application (CMD), so that it runs as PID 1
# and receives the container's signals itself.
set -e
pgmigrate --wait upgrade head
exec "$@"
