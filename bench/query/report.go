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
	beginMarker = "<!-- query:begin -->"
	endMarker   = "<!-- query:end -->"
	gib         = 1 << 30
)

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func render(runs []*storeRun, n, requests, warmup int, at time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#### %s entities\n\n", thousands(n))
	fmt.Fprintf(&b, "Run %s; %d timed requests per operation after %d warm-up, one at a time over loopback HTTP; latencies in ms.\n\n",
		at.UTC().Format("2006-01-02 15:04 MST"), requests, warmup)
	fmt.Fprintf(&b, "Machine: %s\n\n", benchkit.Machine())
	b.WriteString("| operation | store | requests | p50 | p99 | max | budget (DESIGN §9) | verdict |\n|---|---|---:|---:|---:|---:|---|---|\n")
	for _, r := range runs {
		for _, o := range r.ops {
			if o.na != "" {
				fmt.Fprintf(&b, "| %s | %s | — | — | — | — | %s | n/a (%s) |\n", o.name, r.store, o.budgetText, o.na)
				continue
			}
			verdict := "—"
			switch {
			case o.failures > 0:
				verdict = fmt.Sprintf("**failed**: %d non-2xx, first: %s", o.failures, strings.ReplaceAll(o.firstFailure, "|", `\|`))
			case o.budget > 0 && o.p99 < o.budget:
				verdict = "met"
			case o.budget > 0:
				verdict = "**missed**"
			}
			req := fmt.Sprint(o.requests)
			if o.capped {
				req += " (time cap)"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", o.name, r.store, req, ms(o.p50), ms(o.p99), ms(o.max), o.budgetText, verdict)
		}
	}
	memAndStart(&b, runs)
	if len(runs) > 0 {
		b.WriteString("\nRequests:\n")
		for _, o := range runs[0].ops {
			if o.note != "" {
				fmt.Fprintf(&b, "- %s: %s\n", o.name, o.note)
			}
		}
	}
	return b.String()
}

func memAndStart(b *strings.Builder, runs []*storeRun) {
	for _, r := range runs {
		proc := "Atrium process (SQLite runs in it)"
		if r.store == "postgres" {
			proc = "Atrium process only; the PostgreSQL server's memory is not counted"
		}
		// A kept store reused from an earlier run (-keep) was not loaded now.
		loaded := r.loadElapsed > 0
		if loaded {
			fmt.Fprintf(b, "| resident memory after load | %s | — | — | — | %.0f MiB | < 2 GiB | %s (%s) |\n", r.store, float64(r.rssAfterLoad)/(1<<20), metMissed(r.rssAfterLoad < 2*gib), proc)
		}
		fmt.Fprintf(b, "| resident memory after the runs | %s | — | — | — | %.0f MiB | < 2 GiB | %s |\n", r.store, float64(r.rssAfterRuns)/(1<<20), metMissed(r.rssAfterRuns < 2*gib))
		if r.startErr != "" {
			fmt.Fprintf(b, "| start to serving | %s | — | — | — | — | < 10 s | **failed**: %s |\n", r.store, r.startErr)
		} else if r.startElapsed > 0 {
			fmt.Fprintf(b, "| start to serving | %s | — | — | — | %s | < 10 s | %s (open store, wire, /readyz 200; OS file cache warm) |\n", r.store, ms(r.startElapsed), metMissed(r.startElapsed < 10*time.Second))
		}
		if loaded {
			fmt.Fprintf(b, "| load (bonus) | %s | %d entities | — | — | %.1f s | — | %.0f entities/s via catalog.EntityBulkCreate, batches of 1,000 |\n",
				r.store, r.entities, r.loadElapsed.Seconds(), float64(r.entities)/r.loadElapsed.Seconds())
		}
	}
}

func metMissed(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// writeResults puts table between the query markers of path, inside its own
// per-size block (<!-- query:n=N:begin/end -->) so runs at 100k and 1M sit
// side by side; a section is added when the markers are missing.
func writeResults(path string, n int, table string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	i, j := bytes.Index(old, []byte(beginMarker)), bytes.Index(old, []byte(endMarker))
	if i < 0 || j < i {
		if len(old) == 0 {
			old = []byte("# Benchmark results\n")
		}
		old = append(old, "\n## Queries (bench/query)\n\n"+beginMarker+"\n"+endMarker+"\n"...)
		i, j = bytes.Index(old, []byte(beginMarker)), bytes.Index(old, []byte(endMarker))
	}
	inner := string(old[i+len(beginMarker) : j])
	bb, be := fmt.Sprintf("<!-- query:n=%d:begin -->", n), fmt.Sprintf("<!-- query:n=%d:end -->", n)
	block := bb + "\n" + table + be
	if k, l := strings.Index(inner, bb), strings.Index(inner, be); k >= 0 && l > k {
		inner = inner[:k] + block + inner[l+len(be):]
	} else {
		inner = strings.TrimRight(inner, "\n") + "\n" + block + "\n"
	}
	out := append(append(append([]byte{}, old[:i+len(beginMarker)]...), inner...), old[j:]...)
	return os.WriteFile(path, out, 0o644)
}
