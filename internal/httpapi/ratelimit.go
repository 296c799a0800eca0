package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/atrium-idp/atrium/internal/clock"
	"github.com/atrium-idp/atrium/internal/model"
)

// Rate limit defaults (docs/access.md, Hardening).
const (
	// DefaultRateLimit is the sustained requests per second per credential.
	DefaultRateLimit = 50
	// DefaultRateBurst is the bucket size per credential.
	DefaultRateBurst = 200
	// signInRate and signInBurst bound sign-in attempts per client address
	// (10 a minute, 20 at once): enough for people, too few for guessing.
	signInRate  = rate.Limit(10.0 / 60)
	signInBurst = 20
	// maxBuckets bounds the limiter's memory; idle buckets go first.
	maxBuckets = 10000
	// bucketIdle is how long an unused bucket is kept; a bucket refills
	// completely well within it, so dropping it forgets nothing.
	bucketIdle = 10 * time.Minute
)

// limiter is a set of token buckets keyed by credential, bounded in size,
// on the injected clock (so tests move time instead of sleeping).
type limiter struct {
	clock   clock.Clock
	limit   rate.Limit
	burst   int
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newLimiter(c clock.Clock, limit rate.Limit, burst int) *limiter {
	return &limiter{clock: c, limit: limit, burst: burst, buckets: map[string]*bucket{}}
}

// verdict is one request's outcome: whether it may proceed, and the header
// values that tell the client where it stands.
type verdict struct {
	ok         bool
	remaining  int
	reset      time.Duration // until the bucket is full again
	retryAfter time.Duration // until one request is allowed (when !ok)
}

// take spends one token of key's bucket.
func (l *limiter) take(key string) verdict {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		l.makeRoom(now)
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.last = now
	v := verdict{ok: b.lim.AllowN(now, 1)}
	tokens := b.lim.TokensAt(now)
	v.remaining = max(0, int(math.Floor(tokens)))
	v.reset = l.wait(float64(l.burst) - tokens)
	if !v.ok {
		v.retryAfter = l.wait(1 - tokens)
	}
	return v
}

// wait is how long the bucket takes to gain n tokens.
func (l *limiter) wait(n float64) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration(n / float64(l.limit) * float64(time.Second))
}

// makeRoom drops idle buckets (at most once a minute, or whenever the map is
// full) and, if the map is still full, the least recently used one.
func (l *limiter) makeRoom(now time.Time) {
	full := len(l.buckets) >= maxBuckets
	if !full && now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for k, b := range l.buckets {
		if now.Sub(b.last) > bucketIdle {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < maxBuckets {
		return
	}
	oldest, at := "", now
	for k, b := range l.buckets {
		if !b.last.After(at) {
			oldest, at = k, b.last
		}
	}
	delete(l.buckets, oldest)
}

// size is the number of buckets held (for tests).
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// rateLimit applies the limits to r and reports whether it may proceed;
// otherwise it has answered 429. Authenticated callers are limited per
// credential (a hash of it, so the map holds no secret); everyone else, and
// every sign-in attempt, per client address — so guessing tokens or
// passwords is throttled however many different ones are tried.
func (s *Server) rateLimit(w http.ResponseWriter, r *http.Request, ru rule, c credentials, authenticated bool) bool {
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		return true // health probes
	}
	if ru.signIn {
		if !s.applyLimit(w, r, s.signInLimiter, "ip:"+s.clientAddr(r)) {
			return false
		}
	}
	if s.limiter == nil {
		return true
	}
	key := "ip:" + s.clientAddr(r)
	switch {
	case authenticated && c.bearer != "":
		key = "tok:" + hashKey(c.bearer)
	case authenticated && c.session != "":
		key = "ses:" + hashKey(c.session)
	}
	return s.applyLimit(w, r, s.limiter, key)
}

func (s *Server) applyLimit(w http.ResponseWriter, r *http.Request, l *limiter, key string) bool {
	v := l.take(key)
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.burst))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(v.remaining))
	h.Set("X-RateLimit-Reset", strconv.Itoa(ceilSeconds(v.reset)))
	if v.ok {
		return true
	}
	secs := max(1, ceilSeconds(v.retryAfter))
	h.Set("Retry-After", strconv.Itoa(secs))
	writeError(w, r, &model.KindError{Kind: model.ErrRateLimited,
		Message: "too many requests: retry in " + strconv.Itoa(secs) + " s"})
	return false
}

func ceilSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

func hashKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// clientAddr is the address of the client: the peer, or — when the peer is
// a trusted proxy — the rightmost X-Forwarded-For address that is not a
// trusted proxy (the ones left of it are whatever the client claimed).
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !s.trustedProxy(host) {
		return host
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break // garbage: stop at the last address we can trust
		}
		host = hop
		if !s.trustedProxy(hop) {
			break
		}
	}
	return host
}

// trustedProxy reports whether addr is one of Options.TrustedProxies.
func (s *Server) trustedProxy(addr string) bool {
	if len(s.opts.TrustedProxies) == 0 {
		return false
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
