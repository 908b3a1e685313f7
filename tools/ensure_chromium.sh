#!/usr/bin/env bash
# Before the suite runs: the browser tests drive Debian's Chromium at /usr/bin/chromium and
# never download a browser.  When it is missing, install it where the package manager allows
# (as root with apt-get, as .ci/run does); otherwise stop with one line saying what to install,
# instead of letting every browser test fail in setup.
#
# CHROMIUM, APT_GET and EUID_OVERRIDE exist so tests can point at a missing browser, a
# stand-in package manager or a non-root user.
set -uo pipefail

chromium="${CHROMIUM:-/usr/bin/chromium}"
apt_get="${APT_GET:-apt-get}"
uid="${EUID_OVERRIDE:-$(id -u)}"

[ -x "$chromium" ] && exit 0

if [ "$uid" = 0 ] && command -v "$apt_get" >/dev/null 2>&1; then
  echo "make test: $chromium is missing; installing Debian's chromium with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  if "$apt_get" update -qq >/dev/null && "$apt_get" install -y -qq chromium >/dev/null \
     && [ -x "$chromium" ]; then
    exit 0
  fi
  echo "make test: installing chromium with apt-get failed; install Debian's package 'chromium' (apt-get install chromium) so that $chromium exists, then run make test again" >&2
  exit 1
fi

echo "make test: the browser tests need Debian's Chromium at $chromium; install it as root with 'apt-get install chromium' (the package 'chromium'), then run make test again" >&2
exit 1
