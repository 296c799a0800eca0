package clocktest_test

import (
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/clock/clocktest"
)

var start = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)

func fired(c <-chan time.Time) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestFakeNowTruncatesAndAdvances(t *testing.T) {
	t.Parallel()
	f := clocktest.New(start)
	if got, want := f.Now(), start.Truncate(time.Microsecond); !got.Equal(want) {
		t.Fatalf("Now() = %v, want %v", got, want)
	}
	f.Advance(90 * time.Second)
	if got, want := f.Now(), start.Truncate(time.Microsecond).Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("after Advance, Now() = %v, want %v", got, want)
	}
}

func TestFakeTimerFiresOnlyWhenDue(t *testing.T) {
	t.Parallel()
	f := clocktest.New(start)
	tm := f.NewTimer(10 * time.Second)
	f.Advance(9 * time.Second)
	if fired(tm.C()) {
		t.Fatal("timer fired 1s early")
	}
	f.Advance(time.Second)
	if !fired(tm.C()) {
		t.Fatal("timer did not fire when due")
	}
	f.Advance(time.Hour)
	if fired(tm.C()) {
		t.Fatal("one-shot timer fired twice")
	}
	if tm.Reset(time.Second) {
		t.Fatal("Reset of a fired timer reported it active")
	}
	if !tm.Stop() {
		t.Fatal("Stop after Reset reported it inactive")
	}
	f.Advance(time.Hour)
	if fired(tm.C()) {
		t.Fatal("stopped timer fired")
	}
}

func TestFakeTickerRepeats(t *testing.T) {
	t.Parallel()
	f := clocktest.New(start)
	tk := f.NewTicker(time.Minute)
	for i := range 3 {
		f.Advance(time.Minute)
		if !fired(tk.C()) {
			t.Fatalf("tick %d missing", i)
		}
	}
	tk.Stop()
	f.Advance(time.Minute)
	if fired(tk.C()) {
		t.Fatal("stopped ticker ticked")
	}
}
