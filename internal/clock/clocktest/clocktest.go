// Package clocktest provides a fake clock.Clock whose time moves only when a
// test calls Advance or Set. Only _test.go files import it.
package clocktest

import (
	"sync"
	"time"

	"github.com/atrium-idp/atrium/internal/clock"
)

// Fake is a manually driven clock. It is safe for concurrent use.
type Fake struct {
	mu      sync.Mutex // guards now and waiters
	now     time.Time
	waiters []*fakeTimer
}

// New returns a Fake set to start (UTC, truncated to microseconds).
func New(start time.Time) *Fake {
	return &Fake{now: start.UTC().Truncate(time.Microsecond)}
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves time forward by d and fires every timer and ticker now due.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	now := f.now
	waiters := append([]*fakeTimer(nil), f.waiters...)
	f.mu.Unlock()
	for _, w := range waiters {
		w.fireIfDue(now)
	}
}

// Set jumps to t (which must not be before Now) and fires due timers.
func (f *Fake) Set(t time.Time) { f.Advance(t.Sub(f.Now())) }

// NewTimer returns a timer firing when the fake time passes now+d.
func (f *Fake) NewTimer(d time.Duration) clock.Timer { return f.add(d, false) }

// NewTicker returns a ticker firing every d of fake time.
func (f *Fake) NewTicker(d time.Duration) clock.Ticker { return fakeTicker{f.add(d, true)} }

type fakeTicker struct{ t *fakeTimer }

func (k fakeTicker) C() <-chan time.Time { return k.t.c }
func (k fakeTicker) Stop()               { k.t.Stop() }

func (f *Fake) add(d time.Duration, repeat bool) *fakeTimer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{clock: f, c: make(chan time.Time, 1), at: f.now.Add(d), every: d, repeat: repeat, active: true}
	f.waiters = append(f.waiters, t)
	return t
}

type fakeTimer struct {
	clock  *Fake
	c      chan time.Time
	mu     sync.Mutex // guards at and active
	at     time.Time
	every  time.Duration
	repeat bool
	active bool
}

func (t *fakeTimer) fireIfDue(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for t.active && !now.Before(t.at) {
		select {
		case t.c <- now:
		default:
		}
		if !t.repeat || t.every <= 0 {
			t.active = false
			return
		}
		t.at = t.at.Add(t.every)
	}
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	now := t.clock.Now()
	t.mu.Lock()
	was := t.active
	t.at = now.Add(d)
	t.active = true
	t.mu.Unlock()
	return was
}
