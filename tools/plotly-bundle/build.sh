#!/bin/sh
# Rebuild assets/plotly-dashboard.min.js, the partial plotly.js bundle Dash uses instead of its full one
# (1.3 MB instead of 4.8 MB: the browser is ready to draw about 1.4 s sooner; docs/performance.md).
# The version must equal the plotly.js that the pinned plotly package ships (a test checks it).
# offline.js then turns plotly's remote defaults (CDN topojson, "send to cloud") into local or empty ones.
# Needs Node and the npm registry; the built file is committed, so installs on the intranet need neither.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
version=$(node -p "require('plotly.js/package.json').version")
npx esbuild entry.js --bundle --minify --format=iife --global-name=Plotly \
  --define:global=window --define:define.amd=false --target=es2016 --loader:.css=empty --legal-comments=none \
  --banner:js="/* plotly.js v$version (MIT License, Copyright Plotly, Inc.): partial bundle with choropleth, scattergeo, bar and scatter, built by tools/plotly-bundle/build.sh */" \
  --outfile=../../assets/plotly-dashboard.min.js
node offline.js ../../assets/plotly-dashboard.min.js
