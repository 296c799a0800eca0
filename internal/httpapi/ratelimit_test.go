package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/httpapi"
)

func TestRateLimit(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv, _, _ := setupFake(t, httpapi.Options{Access: newFakeAccess(), Clock: clk, RateLimit: 1, RateBurst: 2})
	admin := []string{"Authorization", "Bearer admin-token"}
	member := []string{"Authorization", "Bearer member-token"}
	type step struct {
		advance       time.Duration
		hdr           []string
		wantStatus    int
		wantRemaining string
		wantRetry     string
	}
	steps := []step{
		{hdr: admin, wantStatus: 200, wantRemaining: "1"},
		{hdr: admin, wantStatus: 200, wantRemaining: "0"},
		{hdr: admin, wantStatus: 429, wantRemaining: "0", wantRetry: "1"},
		// Another credential has its own bucket.
		{hdr: member, wantStatus: 200, wantRemaining: "1"},
		// One second refills one token.
		{advance: time.Second, hdr: admin, wantStatus: 200, wantRemaining: "0"},
		{hdr: admin, wantStatus: 429, wantRetry: "1", wantRemaining: "0"},
		// Anonymous callers share their address's bucket (and are refused
		// after it is spent, before authentication is even considered).
		{advance: time.Minute, hdr: nil, wantStatus: 401, wantRemaining: "1"},
		{hdr: []string{"Authorization", "Bearer guess-1"}, wantStatus: 401, wantRemaining: "0"},
		{hdr: []string{"Authorization", "Bearer guess-2"}, wantStatus: 429, wantRetry: "1"},
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		r := do(t, srv, "GET", "/v1/blueprints", nil, st.hdr...)
		if r.Status != st.wantStatus {
			t.Fatalf("step %d: status = %d, want %d; %s", i, r.Status, st.wantStatus, r.Raw)
		}
		if got := r.Header.Get("X-RateLimit-Limit"); got != "2" {
			t.Errorf("step %d: X-RateLimit-Limit = %q, want 2", i, got)
		}
		if st.wantRemaining != "" {
			if got := r.Header.Get("X-RateLimit-Remaining"); got != st.wantRemaining {
				t.Errorf("step %d: X-RateLimit-Remaining = %q, want %q", i, got, st.wantRemaining)
			}
		}
		if got := r.Header.Get("Retry-After"); got != st.wantRetry {
			t.Errorf("step %d: Retry-After = %q, want %q", i, got, st.wantRetry)
		}
		if st.wantStatus == http.StatusTooManyRequests {
			wantError(t, r, 429, "rate_limited", "too many requests")
			if r.Header.Get("X-RateLimit-Reset") == "" {
				t.Errorf("step %d: no X-RateLimit-Reset", i)
			}
		}
	}
	// Health probes are never limited.
	for range 5 {
		wantStatus(t, do(t, srv, "GET", "/healthz", nil), 200)
	}
}

func TestRateLimitOff(t *testing.T) {
	t.Parallel()
	srv, _, _ := setupFake(t, httpapi.Options{RateLimit: -1, RateBurst: 1})
	for range 5 {
		r := do(t, srv, "GET", "/v1/blueprints", nil)
		wantStatus(t, r, 200)
		if r.Header.Get("X-RateLimit-Limit") != "" {
			t.Fatalf("rate limit headers sent with limiting off")
		}
	}
}

// TestSignInRateLimit: sign-in routes allow 20 attempts at once and 10 a
// minute per client address, whatever the general limit (off here) and
// whichever credentials are tried.
func TestSignInRateLimit(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv, _, _ := setupFake(t, httpapi.Options{Access: newFakeAccess(), Clock: clk, RateLimit: -1})
	attempt := func(i int) apiResponse {
		return do(t, srv, "POST", "/v1/auth/login", map[string]string{"email": fmt.Sprintf("u%d@x.io", i), "password": "guess"})
	}
	for i := range 20 {
		if r := attempt(i); r.Status == http.StatusTooManyRequests {
			t.Fatalf("attempt %d refused: %s", i, r.Raw)
		}
	}
	r := attempt(20)
	wantError(t, r, http.StatusTooManyRequests, "rate_limited")
	if got := r.Header.Get("Retry-After"); got != "6" {
		t.Errorf("Retry-After = %q, want 6 (one attempt per 6 s)", got)
	}
	wantError(t, do(t, srv, "POST", "/v1/auth/access_token", map[string]string{"clientId": "a", "clientSecret": "b"}),
		http.StatusTooManyRequests, "rate_limited")
	// Other routes are not held back by the sign-in limit.
	wantStatus(t, do(t, srv, "GET", "/v1/blueprints", nil, "Authorization", "Bearer member-token"), 200)
	clk.Advance(6 * time.Second)
	if r := attempt(21); r.Status == http.StatusTooManyRequests {
		t.Fatalf("attempt after 6 s refused: %s", r.Raw)
	}
	wantError(t, attempt(22), http.StatusTooManyRequests, "rate_limited")
}
