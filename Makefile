# newsdesk: make run, make test. See README.md.
GO      ?= go
BIN     := bin/newsdesk
DATA    ?= ./data
LISTEN  ?= 127.0.0.1:8080
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: build run test fuzz lint bench conformance clean

build:
	$(GO) build -o $(BIN) ./cmd/newsdesk

# Initialises $(DATA) with demo content the first time, then serves.
run: build
	@test -f $(DATA)/newsdesk.db || ./$(BIN) init --demo --data $(DATA)
	./$(BIN) serve --data $(DATA) --listen $(LISTEN)

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# Short runs of every fuzz target; CI runs them too.
FUZZTIME ?= 15s
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

bench:
	scripts/bench.sh

conformance: build
	scripts/conformance.sh

clean:
	rm -rf bin
