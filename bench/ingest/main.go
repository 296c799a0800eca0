// Command ingest measures bulk entity ingest (issue #2, DESIGN §9: ≥ 20,000
// entities/s with 3 relations each through the service on SQLite).
//
// It generates N deployments of the SDLC model, each with 3 relations, and
// loads them in batches of 1,000:
//   - floor:   plain SQLite inserts of the same rows (entity, 3 edges by
//     entity id, version, an event naming the version) with prepared
//     statements, and the batch's full-text rows in one statement, one
//     transaction per batch — the physical limit of the store underneath;
//   - service: catalog.Service.EntityBulkCreate directly (validation,
//     relation checks, versions, events);
//   - http:    POST /v1/blueprints/deployment/entities/bulk over loopback HTTP
//     to a real server.
//
// service and http run on SQLite and, with -pg, on PostgreSQL, once for each
// count of concurrent callers in -workers (default 1 and 2). Results are
// printed as a markdown table and, with -results, written into
// bench/RESULTS.md between markers.
//
//	go run ./bench/ingest -n 100000 -pg postgres://postgres@127.0.0.1:5432/test -results bench/RESULTS.md
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/bench/benchkit"
	"github.com/atrium-idp/atrium/internal/gctune"
)

func main() {
	n := flag.Int("n", 100_000, "entities to load per run")
	batch := flag.Int("batch", 1000, "entities per bulk request / transaction")
	workers := flag.String("workers", "1,2", "comma-separated counts of concurrent callers; the service and http runs are made once for each")
	pgURL := flag.String("pg", os.Getenv("ATRIUM_BENCH_PG_URL"), "PostgreSQL URL; empty skips the PostgreSQL runs")
	modes := flag.String("modes", "floor,service,http", "comma-separated runs: floor, service, http")
	results := flag.String("results", "", "RESULTS.md to update (between the ingest markers)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memprofile := flag.String("memprofile", "", "write an allocation profile of the whole run to this file")
	tracefile := flag.String("trace", "", "write an execution trace of the whole run to this file")
	keep := flag.Bool("keep", false, "keep the SQLite databases (their directory is logged)")
	flag.Parse()
	gogc := gctune.Apply()
	defer benchkit.StartCPUProfile(*cpuprofile)()
	defer benchkit.WriteAllocProfile(*memprofile)
	defer benchkit.StartTrace(*tracefile)()

	ctx := context.Background()
	dir, err := os.MkdirTemp("", "atrium-ingest-")
	if err != nil {
		log.Fatal(err)
	}
	if *keep {
		log.Printf("databases kept in %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	var callers []int
	for _, w := range strings.Split(*workers, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || k < 1 {
			log.Fatalf("-workers: %q is not a count of callers", w)
		}
		callers = append(callers, k)
	}

	deps := deployments(*n)
	var rows []result
	for _, mode := range strings.Split(*modes, ",") {
		stores := []string{"sqlite"}
		if mode != "floor" && *pgURL != "" {
			stores = append(stores, "postgres")
		}
		counts := callers
		if mode == "floor" {
			counts = []int{1}
		}
		for _, st := range stores {
			for _, w := range counts {
				r, err := run(ctx, runConfig{mode: mode, store: st, dir: dir, pgURL: *pgURL, batch: *batch, workers: w, deps: deps})
				if err != nil {
					log.Printf("%s on %s: %v", mode, st, err)
					return
				}
				log.Printf("%-8s %-9s %d caller(s) %8d entities in %8.2fs = %8.0f entities/s", mode, st, w, r.n, r.elapsed.Seconds(), r.rate())
				rows = append(rows, r)
			}
		}
	}
	table := render(rows, *n, *batch, gogc)
	fmt.Print(table)
	if *results != "" {
		if err := writeResults(*results, table); err != nil {
			log.Fatal(err)
		}
	}
}

type result struct {
	mode, store string
	n           int
	elapsed     time.Duration
	note        string
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }
