#!/bin/sh
# Copies the jar built by CI next to this Dockerfile.
set -eu
cp ../billing-service/target/billing-1.4.2.jar ./billing.jar
