package httpapi

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
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

func TestClientAddr(t *testing.T) {
	t.Parallel()
	proxy := &Server{opts: Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	direct := &Server{}
	tests := []struct {
		name   string
		s      *Server
		remote string
		xff    []string
		want   string
	}{
		{"no proxies: header ignored", direct, "192.0.2.1:5000", []string{"198.51.100.7"}, "192.0.2.1"},
		{"untrusted peer: header ignored", proxy, "192.0.2.1:5000", []string{"198.51.100.7"}, "192.0.2.1"},
		{"trusted peer", proxy, "10.1.2.3:5000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"forged left part", proxy, "10.1.2.3:5000", []string{"203.0.113.9, 198.51.100.7"}, "198.51.100.7"},
		{"proxy chain", proxy, "10.1.2.3:5000", []string{"198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"several headers", proxy, "10.1.2.3:5000", []string{"203.0.113.9", "198.51.100.7"}, "198.51.100.7"},
		{"garbage stops the walk", proxy, "10.1.2.3:5000", []string{"198.51.100.7, nonsense"}, "10.1.2.3"},
		{"no header", proxy, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"ipv6 peer", direct, "[2001:db8::1]:443", nil, "2001:db8::1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/v1/blueprints", nil)
			r.RemoteAddr = tc.remote
			for _, h := range tc.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := tc.s.clientAddr(r); got != tc.want {
				t.Errorf("clientAddr = %q, want %q", got, tc.want)
			}
		})
	}
}
