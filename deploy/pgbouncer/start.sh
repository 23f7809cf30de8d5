#!/bin/sh
# The password comes from the environment, never from the image.
set -eu
umask 077
printf '"anthias_gateway" "%s"\n' "$ANTHIAS_LOGIN_PASSWORD" > /tmp/userlist.txt
exec pgbouncer /etc/pgbouncer/pgbouncer.ini
