// Package benchkit holds what the benchmark programs under bench/ share:
// the machine line of RESULTS.md and entity inputs built from Go values.
// Only bench/ imports it.
package benchkit

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
)

// Machine describes where the numbers were taken: CPU, cores, memory, Go,
// PostgreSQL client version and the load average when called (the machine
// is shared, so the load says how much the numbers can be trusted).
func Machine() string {
	cpu := "unknown CPU"
	if out, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(line, ":", 2)[1])
				break
			}
		}
	}
	mem := ""
	if out, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.TrimPrefix(strings.SplitN(string(out), "\n", 2)[0], "MemTotal:"), "%d", &kb)
		mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/1024/1024)
	}
	pg := ""
	if out, err := exec.Command("psql", "--version").Output(); err == nil {
		pg = ", " + strings.TrimSpace(string(out))
	}
	load := ""
	if out, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = ", load average at the end " + strings.Join(strings.Fields(string(out))[:3], " ")
	}
	return fmt.Sprintf("%s, %d cores%s, %s %s/%s%s%s", cpu, runtime.NumCPU(), mem, runtime.Version(), runtime.GOOS, runtime.GOARCH, pg, load)
}

// Input builds an entity input from Go values (title and team optional).
func Input(id, title string, team []string, props, rels map[string]any) *model.EntityInput {
	in := &model.EntityInput{Identifier: Raw(id), Properties: map[string]json.RawMessage{}, Relations: map[string]json.RawMessage{}}
	if title != "" {
		in.Title = Raw(title)
	}
	if team != nil {
		in.Team = Raw(team)
	}
	for k, v := range props {
		in.Properties[k] = Raw(v)
	}
	for k, v := range rels {
		in.Relations[k] = Raw(v)
	}
	return in
}

// Raw encodes v; it panics on values encoding/json cannot encode, which only
// a programming error in a generator produces.
func Raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// WriteAllocProfile writes the allocations made since the program started
// (pprof's allocs profile: sampled bytes and objects by call site) to
// path; an empty path writes nothing.
func WriteAllocProfile(path string) {
	startToFile(path, func(w io.Writer) error { return pprof.Lookup("allocs").WriteTo(w, 0) }, func() {})()
}

// StartTrace starts an execution trace of the whole run into path
// (nothing when path is empty) and returns what stops it, for a defer in
// main. `go tool trace -pprof=sched|syscall|sync PATH` shows where
// goroutines waited: for a core, in a system call, on a lock.
func StartTrace(path string) (stop func()) { return startToFile(path, trace.Start, trace.Stop) }

// StartCPUProfile starts a CPU profile of the whole run into path (nothing
// when path is empty) and returns what stops it, for a defer in main.
func StartCPUProfile(path string) (stop func()) {
	return startToFile(path, pprof.StartCPUProfile, pprof.StopCPUProfile)
}

// startToFile creates path and starts writing into it, unless path is
// empty, and returns what stops writing and closes it.
func startToFile(path string, start func(io.Writer) error, stop func()) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := start(f); err != nil {
		log.Fatal(err)
	}
	return func() {
		stop()
		if err := f.Close(); err != nil {
			log.Print(err)
		}
	}
}
