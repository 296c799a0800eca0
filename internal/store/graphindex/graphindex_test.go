package graphindex

import (
	"slices"
	"testing"
)

func always(int64) (bool, error) { return true, nil }

func reach(t *testing.T, x *Index, start int64, forward bool) []int64 {
	t.Helper()
	ids, ok, err := x.Reach([]int64{start}, forward, 100, always)
	if err != nil || !ok {
		t.Fatalf("Reach(%d, %v) = %v, %v", start, forward, ok, err)
	}
	slices.Sort(ids)
	return ids
}

func TestReach(t *testing.T) {
	var x Index
	if _, ok, _ := x.Reach([]int64{1}, true, 10, always); ok {
		t.Fatal("an index never loaded answered")
	}
	// 1 → 2 → 3 → 1 (a cycle), 2 → 4.
	x.Load([]Edge{{1, "a", 2}, {2, "a", 3}, {3, "b", 1}, {2, "c", 4}}, 7)
	if got := reach(t, &x, 1, true); !slices.Equal(got, []int64{1, 2, 3, 4}) {
		t.Errorf("forward from 1 = %v; want 1 (through the cycle), 2, 3, 4", got)
	}
	if got := reach(t, &x, 4, true); len(got) != 0 {
		t.Errorf("forward from 4 = %v; want nothing (a start is not reached by itself)", got)
	}
	if got := reach(t, &x, 4, false); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("backward from 4 = %v", got)
	}
	if _, ok, _ := x.Reach([]int64{1}, true, 2, always); ok {
		t.Error("a reach over max answered")
	}
	if _, ok, _ := x.Reach([]int64{1}, true, 10, func(seq int64) (bool, error) { return seq == 8, nil }); ok {
		t.Error("an index not current answered")
	}

	// 2 now points at 4 only; 5 → 4 is new.
	x.Lock()
	x.ApplyLocked(&Change{ClearOut: []int64{2}, Add: []Edge{{2, "c", 4}, {5, "a", 4}}}, 8)
	x.Unlock()
	if got := reach(t, &x, 4, false); !slices.Equal(got, []int64{1, 2, 3, 5}) {
		t.Errorf("after the change, backward from 4 = %v", got)
	}
	if got := reach(t, &x, 1, true); !slices.Equal(got, []int64{2, 4}) {
		t.Errorf("after the change, forward from 1 = %v", got)
	}
	if seq, _ := x.Seq(); seq != 8 {
		t.Errorf("seq = %d, want 8", seq)
	}
}

// TestLoadReplaysCommitsMadeWhileLoading: a change committed after the
// snapshot Load gets (a higher seq) is replayed over it; one the snapshot
// already holds is not applied twice.
func TestLoadReplaysCommitsMadeWhileLoading(t *testing.T) {
	var x Index
	if !x.BeginLoad() || x.BeginLoad() {
		t.Fatal("BeginLoad must start one load at a time")
	}
	x.Lock()
	x.ApplyLocked(&Change{Add: []Edge{{1, "a", 2}}}, 3)                       // in the snapshot
	x.ApplyLocked(&Change{ClearOut: []int64{1}, Add: []Edge{{1, "a", 9}}}, 5) // after it
	x.Unlock()
	x.Load([]Edge{{1, "a", 2}}, 4)
	if got := reach(t, &x, 1, true); !slices.Equal(got, []int64{9}) {
		t.Errorf("forward from 1 = %v; want 9 (the commit after the snapshot replayed)", got)
	}
	if !x.BeginLoad() {
		t.Error("a finished load must allow the next")
	}
}
