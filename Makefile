# Two commands: `make run` (install, build the demo database if absent, serve) and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8050
SCALE ?= demo
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

.PHONY: run test install install-test fonts browser pgclient serve clean messages

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# A CJK font so that Chinese never renders as boxes (screenshots, exports, a browser on this machine).
fonts:
	@fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && $(APT_INSTALL) fonts-wqy-microhei fontconfig; \
	  else echo "please install fonts-wqy-microhei (as root)"; fi; }

# Debian's Chromium and its driver for the offline browser tests (no browser download), and poppler-utils
# (pdftotext, pdffonts) with which tests/test_report.py reads the report PDFs.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v pdftotext >/dev/null \
	  && command -v pdffonts >/dev/null || { \
	  apt-get update -qq && $(APT_INSTALL) chromium chromium-driver poppler-utils; }

# PostgreSQL's client programs for `backup`/`restore` of a PostgreSQL database (Debian 12: version 15, the
# server's; pg_dump must be at least the server's major version).
pgclient:
	@command -v pg_dump >/dev/null && command -v pg_restore >/dev/null && command -v psql >/dev/null || { \
	  apt-get update -qq && $(APT_INSTALL) postgresql-client; }

# The demo database in demo mode: the sign-in page lists one demo account per role.
run: install fonts
	$(PY) -m dashboard init --scale $(SCALE) --if-absent
	DASHBOARD_MODE=demo PORT=$(PORT) $(PY) -m dashboard serve --port $(PORT)

test: install-test fonts browser pgclient
	$(PY) -m pytest

# Interface text (data/definitions/messages.py): extract the msgids from the source into the template and
# update both catalogs from it. A new msgid arrives with an empty translation: write it in both .po files
# (tests/test_messages.py fails until then). Nothing is compiled: the app reads the .po files.
LOCALE_DIR := data/definitions/locale
messages: install
	PYTHONPATH=. $(VENV)/bin/pybabel extract -F babel.cfg -k t -o $(LOCALE_DIR)/messages.pot .
	for locale in zh_CN en; do \
	  $(VENV)/bin/pybabel update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -l $$locale --no-fuzzy-matching; \
	done

clean:
	rm -rf $(VENV) instance .pytest_cache
