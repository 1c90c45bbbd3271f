#!/bin/sh
# Prints the versions of the tools the image was built for.
set -e
jq --version
sqlite3 --version | cut -d' ' -f1
xmlstarlet --version | head -1
echo "apt-heavy ok"
