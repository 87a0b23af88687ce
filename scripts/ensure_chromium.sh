#!/usr/bin/env bash
# Browser tests drive Debian's Chromium with Playwright (a test tool's own browser download
# is not available here), with a CJK font so screenshots show Chinese. Installs what is
# missing; needs root, as CI has.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-zenhei)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "Missing for the browser tests: ${missing[*]}; install them with 'sudo apt-get install ${missing[*]}'." >&2
  exit 1
fi
echo "==> installing ${missing[*]} for the browser tests"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
