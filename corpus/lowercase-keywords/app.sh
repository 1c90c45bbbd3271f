#!/bin/sh
echo "mode=$MODE"
exec busybox httpd -f -p 8080 2>/dev/null || exec sleep infinity
