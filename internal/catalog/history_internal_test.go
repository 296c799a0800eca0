package catalog

import (
	"testing"
	"time"
)

func TestTruncateAndStepInterval(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, interval string
		in             time.Time
		wantStart      string
		wantNext       string
	}{
		{"hour", IntervalHour, time.Date(2026, 11, 4, 13, 59, 0, 0, time.UTC), "2026-11-04T13:00:00Z", "2026-11-04T14:00:00Z"},
		{"hour in a half-hour zone", IntervalHour, time.Date(2026, 11, 4, 13, 10, 0, 0, kolkata), "2026-11-04T13:00:00+05:30", "2026-11-04T14:00:00+05:30"},
		{"first of the repeated hours", IntervalHour, time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC).In(paris), "2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00"},
		{"second of the repeated hours", IntervalHour, time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC).In(paris), "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"},
		{"day in Paris", IntervalDay, time.Date(2026, 11, 4, 0, 30, 0, 0, paris), "2026-11-04T00:00:00+01:00", "2026-11-05T00:00:00+01:00"},
		{"day across DST is 25 hours", IntervalDay, time.Date(2026, 10, 25, 12, 0, 0, 0, paris), "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"},
		{"isoWeek from a Sunday", IntervalISOWeek, time.Date(2026, 11, 8, 23, 0, 0, 0, time.UTC), "2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z"},
		{"isoWeek on a Monday", IntervalISOWeek, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), "2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z"},
		{"month", IntervalMonth, time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC), "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"},
		{"quarter", IntervalQuarter, time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{"quarter, first month", IntervalQuarter, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), "2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z"},
	}
	for _, tc := range tests {
		start := truncateInterval(tc.in, tc.interval)
		next := intervalSteps[tc.interval](start)
		if got := start.Format(time.RFC3339); got != tc.wantStart {
			t.Errorf("%s: truncateInterval(%v) = %s, want %s", tc.name, tc.in, got, tc.wantStart)
		}
		if got := next.Format(time.RFC3339); got != tc.wantNext {
			t.Errorf("%s: next bucket = %s, want %s", tc.name, got, tc.wantNext)
		}
	}
}
