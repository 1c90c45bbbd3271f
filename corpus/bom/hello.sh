#!/bin/sh
echo hello from a BOM-prefixed Dockerfile
