package gctune

import (
	"runtime/debug"
	"testing"
)

func TestApply(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	if got := Apply(); got != "200" {
		t.Errorf("Apply() = %q without GOGC, want 200", got)
	}
	if got := debug.SetGCPercent(100); got != Percent {
		t.Errorf("target in force %d, want %d", got, Percent)
	}
	t.Setenv("GOGC", "150")
	if got := Apply(); got != "150" {
		t.Errorf("Apply() = %q with GOGC=150, want GOGC's 150", got)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("target in force %d with GOGC set, want it left alone (100)", got)
	}
}
