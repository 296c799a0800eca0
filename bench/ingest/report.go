package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/bench/benchkit"
)

const (
	beginMarker = "<!-- ingest:begin -->"
	endMarker   = "<!-- ingest:end -->"
)

func render(rows []result, n, batch int, gogc string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s, %d deployments with 3 relations each, batches of %d, GOGC %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), n, batch, gogc)
	fmt.Fprintf(&b, "Machine: %s\n\n", benchkit.Machine())
	var floorRate float64
	for _, r := range rows {
		if r.mode == "floor" {
			floorRate = r.rate()
		}
	}
	b.WriteString("| path | store | entities | seconds | entities/s | vs floor | how |\n|---|---|---:|---:|---:|---:|---|\n")
	for _, r := range rows {
		vs := "—"
		if floorRate > 0 && r.mode != "floor" && r.store == "sqlite" {
			vs = fmt.Sprintf("%.0f%%", 100*r.rate()/floorRate)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %.2f | %.0f | %s | %s |\n", r.mode, r.store, r.n, r.elapsed.Seconds(), r.rate(), vs, r.note)
	}
	return b.String()
}

// writeResults replaces the text between the ingest markers of path (adding
// a section when the markers are missing).
func writeResults(path, table string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	section := beginMarker + "\n" + table + endMarker
	var out []byte
	i, j := bytes.Index(old, []byte(beginMarker)), bytes.Index(old, []byte(endMarker))
	if i >= 0 && j > i {
		out = append(append(append([]byte{}, old[:i]...), section...), old[j+len(endMarker):]...)
	} else {
		if len(old) == 0 {
			old = []byte("# Benchmark results\n")
		}
		out = append(append(old, "\n## Ingest (bench/ingest)\n\n"...), section+"\n"...)
	}
	return os.WriteFile(path, out, 0o644)
}
