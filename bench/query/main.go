// Command query measures the read side of Atrium against the budgets of
// DESIGN §9 (issue #3 point 9): get by id, equality and range filters, the
// countValues facet, full-text search, relatedTo over 3 hops (and impact),
// as-of reads, resident memory and time from start to serving.
//
// It loads an SDLC + C4 catalog of n entities (domains, systems, teams,
// users, services, components, environments, running services and
// deployments, ~3 relations each, fixed seed; see dataset.go) through
// catalog.EntityBulkCreate in batches of 1,000, closes the store, opens it
// again behind a real HTTP server on loopback (timing start to /readyz),
// then sends each operation ≥ 1,000 times after a warm-up, one request at a
// time, and reports p50/p99/max beside the budget. A non-2xx answer counts as
// a failure and is reported. Routes the server does not have (read from its
// OpenAPI document) are reported as n/a, never timed.
//
// SQLite always; PostgreSQL with -pg (a fresh schema, dropped afterwards).
//
//	go run ./bench/query -n 100000 -pg postgres://postgres@127.0.0.1:5432/test -results bench/RESULTS.md
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/bench/benchkit"
	"github.com/atrium-idp/atrium/internal/gctune"
)

func main() {
	n := flag.Int("n", 100_000, "entities in the catalog")
	batch := flag.Int("batch", 1000, "entities per bulk write while loading")
	requests := flag.Int("requests", 1000, "timed requests per operation")
	warmup := flag.Int("warmup", 100, "untimed requests per operation before timing")
	maxPerOp := flag.Duration("max-per-op", 90*time.Second, "stop timing an operation after this long (0: never; warm-up gets a sixth); the row then says how many requests it got")
	pgURL := flag.String("pg", os.Getenv("ATRIUM_BENCH_PG_URL"), "PostgreSQL URL; empty skips PostgreSQL")
	stores := flag.String("stores", "sqlite,postgres", "comma-separated stores to run (postgres only with -pg)")
	ops := flag.String("ops", "", "comma-separated operation name prefixes to run (default all), e.g. \"get by id,full text\"")
	results := flag.String("results", "", "RESULTS.md to update (between the query markers)")
	keep := flag.String("keep", "", "directory to keep the loaded stores in and reuse them from on later runs at the same n (PostgreSQL: schema atrium_benchq_keep_<n>)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (the server runs in this process) to this file")
	flag.Parse()
	gctune.Apply()
	defer benchkit.StartCPUProfile(*cpuprofile)()

	ctx := context.Background()
	dir, err := os.MkdirTemp("", "atrium-query-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	var only map[string]bool
	if *ops != "" {
		only = map[string]bool{}
		for _, o := range strings.Split(*ops, ",") {
			only[strings.TrimSpace(o)] = true
		}
	}
	if *keep != "" {
		if err := os.MkdirAll(*keep, 0o755); err != nil {
			log.Fatal(err)
		}
	}
	var runs []*storeRun
	for _, st := range strings.Split(*stores, ",") {
		if st == "postgres" && *pgURL == "" {
			continue
		}
		r, err := runStore(ctx, runConfig{store: st, dir: dir, pgURL: *pgURL, n: *n, batch: *batch,
			requests: *requests, warmup: *warmup, maxPerOp: *maxPerOp, onlyOps: only, keep: *keep})
		if err != nil {
			log.Printf("%s: %v", st, err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
		runs = append(runs, r)
	}
	table := render(runs, *n, *requests, *warmup, time.Now())
	fmt.Print(table)
	if *results != "" {
		if err := writeResults(*results, *n, table); err != nil {
			log.Fatal(err)
		}
	}
}
