#!/bin/sh
# SPDX-License-Identifier: MIT
# Copies the pinned front-end libraries (web/package.json, installed by `npm ci`
# into web/node_modules) into web/vendor/, the only place the pages load them from.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/node_modules"
dst="$here/vendor"
for f in leaflet/dist/leaflet-src.esm.js leaflet/dist/leaflet.css echarts/dist/echarts.esm.min.mjs; do
  if [ ! -f "$src/$f" ]; then
    echo "vendor.sh: missing $src/$f (run: cd web && npm ci)" >&2
    exit 1
  fi
done
rm -rf "$dst"
mkdir -p "$dst/leaflet/images" "$dst/echarts"
cp "$src/leaflet/dist/leaflet-src.esm.js" "$src/leaflet/dist/leaflet.css" "$dst/leaflet/"
cp "$src/leaflet/dist/images/"*.png "$dst/leaflet/images/"
cp "$src/echarts/dist/echarts.esm.min.mjs" "$dst/echarts/"
cp "$src/leaflet/LICENSE" "$dst/leaflet/LICENSE"
cp "$src/echarts/LICENSE" "$dst/echarts/LICENSE"
