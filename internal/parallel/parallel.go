// Package parallel runs independent pieces of pure Go work over the cores
// for a caller that waits for all of them.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls fn(i) for every i in [0, n), spread over up to GOMAXPROCS
// goroutines when n allows at least minPer calls each, and returns when all
// calls have returned. Calls for different i may run concurrently.
//
// The calling goroutine works too, and every goroutine claims the next
// index when it is free instead of owning a fixed share. A helper the
// scheduler has not started yet — both cores busy with other work, as
// during a bulk load on two cores — then leaves its share to the others
// instead of making the caller wait for it: the caller waits at most for
// the calls already running. That matters on the single SQLite writer's
// path, where waiting for a helper that has no core holds the write lock.
func For(n, minPer int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/max(minPer, 1))
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1)) - 1
			if i >= n {
				return
			}
			fn(i)
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}
