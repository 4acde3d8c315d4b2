"""Benchmarks (not timed tests), outside the app package: ``python -m benchmarks [--only PART]`` prints
JSON measured on this machine; the results are recorded in docs/performance.md. ``browsing`` holds the
headless-Chromium helpers shared with the browser tests."""
