#!/usr/bin/env bash
# Prints the Debian package mirror this machine's apt is configured with (deb822 "URIs:" or
# one-line "deb" sources; DEBIAN_MIRROR overrides it), or Debian's own when none is found.
set -u
MIRROR="${DEBIAN_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
  /etc/apt/sources.list.d/*.list 2>/dev/null \
  | sed -nE 's#^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?(https?://[^ ]*/debian)/?([[:space:]].*)?$#\3#p' \
  | head -1 || true)}"
echo "${MIRROR:-http://deb.debian.org/debian}"
