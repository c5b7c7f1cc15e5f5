#!/usr/bin/env bash
# Vendors hls.js (the light build: HLS playback without subtitles or DRM)
# into the embedded web assets, from the npm registry, checking the
# tarball's integrity against the one recorded here. To update: change
# HLS_VERSION, run with HLS_SHA512="" to print the new integrity, record it.
set -euo pipefail
cd "$(dirname "$0")/.."

HLS_VERSION="${HLS_VERSION:-1.7.4}"
HLS_SHA512="${HLS_SHA512-sha512-3GlxGdPvT2YHvQYOt+yOzT/DEior/qJVNIylHA77kgeoBTdQQqi70GwefNEUmHQeNGyjC8U62+bruqW/Tpm+tg==}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "hls.js@$HLS_VERSION" >/dev/null)
tarball=("$work"/hls.js-*.tgz)
got="sha512-$(openssl dgst -sha512 -binary "${tarball[0]}" | base64 -w0)"
if [ -z "$HLS_SHA512" ]; then echo "$got"; exit 0; fi
if [ "$got" != "$HLS_SHA512" ]; then
  echo "hls.js $HLS_VERSION: integrity $got, want $HLS_SHA512" >&2
  exit 1
fi
tar -xzf "${tarball[0]}" -C "$work"
dest=internal/web/static/vendor
mkdir -p "$dest"
cp "$work/package/dist/hls.light.min.js" "$dest/hls.light.min.js"
cp "$work/package/LICENSE" "$dest/hls.js.LICENSE.txt"
echo "hls.js $HLS_VERSION vendored into $dest"
