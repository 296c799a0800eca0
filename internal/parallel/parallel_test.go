package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestForCallsEveryIndexOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, n := range []int{0, 1, 7, 64, 1000} {
		calls := make([]atomic.Int32, n)
		For(n, 8, func(i int) { calls[i].Add(1) })
		for i := range calls {
			if got := calls[i].Load(); got != 1 {
				t.Fatalf("n=%d: index %d called %d times", n, i, got)
			}
		}
	}
}

func TestForSmallRunsInOrderOnTheCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var order []int // no lock: a second goroutine would be a race
	For(15, 8, func(i int) { order = append(order, i) })
	for i, got := range order {
		if got != i {
			t.Fatalf("call %d was for index %d; want the indexes in order", i, got)
		}
	}
	if len(order) != 15 {
		t.Fatalf("%d calls, want 15", len(order))
	}
}

// A goroutine that stalls on one index must not hold back the indexes it
// would own under a fixed split: the others claim them. Under a fixed split
// (every worker taking i, i+workers, ...) this deadlocks.
func TestForAStalledWorkerLeavesTheRestToTheOthers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const n = 100
	var done atomic.Int32
	rest := make(chan struct{})
	var once sync.Once
	finished := make(chan struct{})
	go func() {
		For(n, 1, func(i int) {
			if i == 0 {
				<-rest // stalls until every other index is done
				return
			}
			if done.Add(1) == n-1 {
				once.Do(func() { close(rest) })
			}
		})
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatalf("For did not return: %d of %d other indexes done while index 0 stalled", done.Load(), n-1)
	}
}
