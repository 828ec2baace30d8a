# crier — run `make` for the list of targets.
GO      ?= go
BIN     := bin/crier
CONFIG  ?= bot.yaml
export CGO_ENABLED := 1

.DEFAULT_GOAL := help
.PHONY: help build run test bench lint fuzz clean

help: ## show the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'

# The commit, for crier version, when go build stamps none (-buildvcs=false in
# GOFLAGS, or no git): crier prefers what go build records. Empty without git.
COMMIT   := $(shell git rev-parse --short HEAD 2>/dev/null)
MODIFIED := $(if $(shell git status --porcelain --untracked-files=no 2>/dev/null | head -n 1),true,false)
LDFLAGS  := -X main.buildCommit=$(COMMIT) -X main.buildModified=$(MODIFIED)

build: ## build bin/crier
	@echo "Building crier (the first build compiles SQLite and takes a few minutes)…"
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/crier

run: build ## start crier in this terminal (shell chat + file network, no token needed)
	./$(BIN) shell -config $(CONFIG)

test: ## the whole test suite, with the race detector (what CI runs)
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 15m ./...

bench: ## the benchmarks of the hot paths
	$(GO) test -run '^$$' -bench . -benchmem -count 1 -timeout 30m ./...

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fuzz: ## run each fuzz target for a minute
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 60s ./internal/timeparse
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 60s ./internal/config
	$(GO) test -run '^$$' -fuzz '^FuzzFacets$$' -fuzztime 60s ./internal/compose
	$(GO) test -run '^$$' -fuzz '^FuzzMastodonLength$$' -fuzztime 60s ./internal/compose
	$(GO) test -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime 60s ./adapters/webhook
	$(GO) test -run '^$$' -fuzz '^FuzzCommentHandler$$' -fuzztime 60s ./adapters/webhook
	$(GO) test -run '^$$' -fuzz '^FuzzParseButtonValue$$' -fuzztime 60s ./adapters/slack
	$(GO) test -run '^$$' -fuzz '^FuzzParseButton$$' -fuzztime 60s ./commands
	$(GO) test -run '^$$' -fuzz '^FuzzMessage$$' -fuzztime 60s ./adapters/discord

clean: ## remove build output
	rm -rf bin
