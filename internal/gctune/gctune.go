// Package gctune holds the garbage collector's target of an Atrium server,
// applied by atrium serve and by the benchmarks' in-process servers alike.
package gctune

import (
	"os"
	"runtime/debug"
	"strconv"
)

// Percent is the collector's target when GOGC is not set: between
// collections the heap may grow to three times what is live instead of
// twice. A bulk load allocates ~16 KB per entity, and on two cores the
// collector's CPU is taken from the SQLite writer: at 200 the ingest
// benchmark ran ~5% faster for ~150 MB more peak RSS (bench/RESULTS.md).
// GOGC, and GOMEMLIMIT for a cap, still rule.
const Percent = 200

// Apply sets Percent unless GOGC is set, and returns the target in force.
func Apply() string {
	if v := os.Getenv("GOGC"); v != "" {
		return v
	}
	debug.SetGCPercent(Percent)
	return strconv.Itoa(Percent)
}
