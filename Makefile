# Atrium's developer entry points. On a fresh machine only Go (and, for the
# PostgreSQL tests, a local PostgreSQL) is needed: `go build` downloads the
# modules itself.
#
#   make run    build bin/atrium and serve the demo catalog at http://$(ADDR)
#   make test   go vet + every test (PostgreSQL tests run when a server answers)
#   make build  build bin/atrium

GO      ?= go
ADDR    ?= 127.0.0.1:7780
DB      ?= ./atrium.db
PG_URL  ?= postgres://postgres@127.0.0.1:5432/test
# TESTFLAGS adds flags to `go test` (.ci/run passes -v to see skip markers).
TESTFLAGS ?=
BENCH_N ?= 100000
BENCH_QUERY_N ?= 100000

.PHONY: all run build test vet fmt bench-ingest bench-query web web-test test-browser screenshots clean

all: build

# build embeds the web UI (web/dist, built by the web target) with -tags
# embedui; a plain `go build ./cmd/atrium` serves a "UI not built" page instead.
build: web
	$(GO) build -tags embedui -o bin/atrium ./cmd/atrium

# The demo admin's credential and password are for this local demo only
# (README "Sign in"); a real deployment sets its own or lets Atrium generate
# them (README "Access control").
DEMO_CLIENT_ID     ?= demo-admin
DEMO_CLIENT_SECRET ?= demo-secret-not-for-production
DEMO_PASSWORD      ?= demo-password-not-for-production

run: build
	ATRIUM_ADMIN_CLIENT_ID=$(DEMO_CLIENT_ID) ATRIUM_ADMIN_CLIENT_SECRET=$(DEMO_CLIENT_SECRET) \
	ATRIUM_ADMIN_PASSWORD=$(DEMO_PASSWORD) \
	bin/atrium serve --demo --db $(DB) --addr $(ADDR)

vet:
	$(GO) vet ./...

# ATRIUM_TEST_PG_URL defaults to the local server when it answers; without it
# the PostgreSQL tests skip loudly ("POSTGRESQL NOT TESTED", internal/store/
# dbtest), and under CI or ATRIUM_REQUIRE_PG=1 they fail instead. The web tests join here once the UI
# lands (see the web target).
test: vet
	@if [ -z "$$ATRIUM_TEST_PG_URL" ] && command -v pg_isready >/dev/null 2>&1 \
		&& pg_isready -q -h 127.0.0.1 -p 5432; then \
		ATRIUM_TEST_PG_URL=$(PG_URL); export ATRIUM_TEST_PG_URL; \
		psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1 from pg_database where datname='test'" 2>/dev/null | grep -q 1 \
			|| psql -h 127.0.0.1 -U postgres -d postgres -qc 'create database test' >/dev/null 2>&1 || true; \
	fi; \
	echo "make test: ATRIUM_TEST_PG_URL=$${ATRIUM_TEST_PG_URL:-<unset: PostgreSQL tests skip>}"; \
	$(GO) test -p 2 -race $(TESTFLAGS) ./...
	$(MAKE) web-test
	$(MAKE) test-browser

fmt:
	gofmt -s -w $$(find . -name '*.go' -not -path './web/node_modules/*' -not -path './.git/*')

# bench-ingest loads BENCH_N SDLC entities (3 relations each) through the
# bulk API and the catalog service beside plain SQLite inserts (the floor),
# on SQLite and, when ATRIUM_BENCH_PG_URL is set or the local server answers,
# PostgreSQL; the table lands in bench/RESULTS.md.
bench-ingest:
	@pg="$$ATRIUM_BENCH_PG_URL"; \
	if [ -z "$$pg" ] && command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then pg=$(PG_URL); fi; \
	echo "make bench-ingest: PostgreSQL $${pg:-<none: SQLite only>}"; \
	$(GO) run ./bench/ingest -n $(BENCH_N) -pg "$$pg" -results bench/RESULTS.md

# bench-query loads an SDLC + C4 catalog of BENCH_QUERY_N entities and times
# the read budgets of DESIGN §9 (get, filters, facet, full text, relatedTo,
# as-of, memory, start) over loopback HTTP, on SQLite and, as above,
# PostgreSQL; the table lands in bench/RESULTS.md.
bench-query:
	@pg="$$ATRIUM_BENCH_PG_URL"; \
	if [ -z "$$pg" ] && command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then pg=$(PG_URL); fi; \
	echo "make bench-query: PostgreSQL $${pg:-<none: SQLite only>}"; \
	$(GO) run ./bench/query -n $(BENCH_QUERY_N) -pg "$$pg" -results bench/RESULTS.md

# web builds the React UI into web/dist (STYLE §8). npm ci runs only when
# web/node_modules is missing or older than the lockfile (the stamp lives inside
# node_modules, so deleting it reinstalls).
NPM       ?= npm
WEB_STAMP := web/node_modules/.npm-ci-stamp

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund
	touch $@

web: $(WEB_STAMP)
	cd web && $(NPM) run build

# web-test runs the UI's component tests (Vitest); make test runs it after the Go tests.
web-test: $(WEB_STAMP)
	cd web && $(NPM) test

# test-browser runs the browser tests (web/e2e, node:test): playwright-core
# drives Debian's chromium (apt-installed when /usr/bin/chromium is missing,
# never downloaded) against bin/atrium, built with the embedded UI, on a
# temporary SQLite store and a free port. Screenshots land in web/e2e/output/.
test-browser: build
	cd web && ATRIUM_BIN=../bin/atrium node --test --test-reporter=spec e2e/ui.test.mjs

# screenshots refreshes docs/screenshots/ (which the README shows): the same
# browser tests, saving their screenshots into that folder.
screenshots: build
	cd web && ATRIUM_BIN=../bin/atrium ATRIUM_E2E_OUT=../docs/screenshots node --test --test-reporter=spec e2e/ui.test.mjs

clean:
	rm -rf bin
