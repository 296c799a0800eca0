package httpapi

import (
	"fmt"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/clock/clocktest"
)

// TestLimiterBounded: idle buckets are dropped after bucketIdle, and the map
// never grows beyond maxBuckets.
func TestLimiterBounded(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := newLimiter(clk, 1, 1)
	for i := range maxBuckets + 5 {
		l.take(fmt.Sprint("k", i))
	}
	if got := l.size(); got != maxBuckets {
		t.Fatalf("size = %d, want %d", got, maxBuckets)
	}
	clk.Advance(bucketIdle + time.Minute)
	l.take("fresh")
	if got := l.size(); got != 1 {
		t.Fatalf("after idle eviction size = %d, want 1", got)
	}
	// A key keeps its state while it is in use: a spent bucket stays spent.
	if v := l.take("fresh"); v.ok {
		t.Fatalf("second take of a 1-token bucket was allowed")
	}
}
