package sqlstore

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestSharedBatch checks when a batch binds its shared columns once, and
// the statement and arguments it then uses.
func TestSharedBatch(t *testing.T) {
	spec := newBatchSpec("t", "a, b, c", "text,text,text", "", "b")
	for _, tc := range []struct {
		name string
		vals []any
		want bool
	}{
		{"same b", []any{"a1", "x", "c1", "a2", "x", "c2"}, true},
		{"b differs", []any{"a1", "x", "c1", "a2", "y", "c2"}, false},
		{"one row", []any{"a1", "x", "c1"}, false},
		{"nil b", []any{"a1", nil, "c1", "a2", nil, "c2"}, true},
		{"int and string b", []any{"a1", int64(1), "c1", "a2", "1", "c2"}, false},
		{"bytes b", []any{"a1", []byte("x"), "c1", "a2", []byte("x"), "c2"}, false}, // == on []byte would panic
	} {
		if got := spec.shareable(tc.vals); got != tc.want {
			t.Errorf("%s: shareable = %v, want %v", tc.name, got, tc.want)
		}
	}
	vals := []any{"a1", "x", "c1", "a2", "x", "c2"}
	if got, want := spec.sharedArgs(vals), []any{"x", "a1", "c1", "a2", "c2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sharedArgs = %v, want %v", got, want)
	}
	// A cache serves one store, of one flavor.
	if got, want := newStmtCache().sharedBatchSQL(flavorQ{}, spec, 2), "INSERT INTO t (a, b, c) SELECT v.column1, ?, v.column2 FROM (VALUES (?,?),(?,?)) AS v"; got != want {
		t.Errorf("sharedBatchSQL(?) = %q, want %q", got, want)
	}
	if got, want := newStmtCache().sharedBatchSQL(flavorDollar{}, spec, 2), "INSERT INTO t (a, b, c) SELECT v.column1, $1, v.column2 FROM (VALUES ($2,$3),($4,$5)) AS v"; got != want {
		t.Errorf("sharedBatchSQL($n) = %q, want %q", got, want)
	}
	upsert := newBatchSpec("t", "a, b", "text,text", " ON CONFLICT (a) DO NOTHING", "b")
	if got, want := newStmtCache().sharedBatchSQL(flavorQ{}, upsert, 1), "INSERT INTO t (a, b) SELECT v.column1, ? FROM (VALUES (?)) AS v WHERE true ON CONFLICT (a) DO NOTHING"; got != want {
		t.Errorf("sharedBatchSQL(upsert) = %q, want %q", got, want)
	}
}

// TestInsertOrFail checks that a FailingInserter flavor's batched inserts,
// plain and shared, begin INSERT OR FAIL and others' plain INSERT.
func TestInsertOrFail(t *testing.T) {
	spec := newBatchSpec("t", "a, b", "text,text", " ON CONFLICT (a) DO NOTHING", "b")
	for _, tc := range []struct {
		f    Flavor
		want string
	}{{flavorQ{}, "INSERT INTO t (a, b) "}, {flavorFail{}, "INSERT OR FAIL INTO t (a, b) "}} {
		c := newStmtCache()
		for _, q := range []string{c.batchSQL(tc.f, spec, 2), c.sharedBatchSQL(tc.f, spec, 2)} {
			if !strings.HasPrefix(q, tc.want) {
				t.Errorf("%T: %q does not begin %q", tc.f, q, tc.want)
			}
		}
	}
}

// flavorFail is SQLite's placeholders with INSERT OR FAIL.
type flavorFail struct{ flavorQ }

func (flavorFail) InsertsOrFail() {}

// flavorQ and flavorDollar are flavors with only placeholders: SQLite's
// positional "?" and PostgreSQL's numbered "$n".
type flavorQ struct{ Flavor }

func (flavorQ) Placeholder(int) string { return "?" }

type flavorDollar struct{ Flavor }

func (flavorDollar) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

type flavorArrays struct{ flavorDollar }

func (flavorArrays) ArrayMatch(col string) string { return col + " = ANY(?)" }

// TestPadList: IN lists take one of inListLens' lengths, padded with their
// last value; array flavors bind lists as they are.
func TestPadList(t *testing.T) {
	for _, tc := range []struct {
		n, want int
	}{{0, 0}, {1, 1}, {2, 2}, {3, 4}, {20, 32}, {256, 256}, {257, maxInList}, {maxInList, maxInList}} {
		ids := make([]string, tc.n)
		for i := range ids {
			ids[i] = "id" + strconv.Itoa(i)
		}
		got := padList(flavorQ{}, ids)
		if len(got) != tc.want {
			t.Errorf("padList of %d: %d values, want %d", tc.n, len(got), tc.want)
			continue
		}
		for i, v := range got {
			want := ids[min(i, len(ids)-1)]
			if v != want {
				t.Errorf("padList of %d: value %d = %q, want %q", tc.n, i, v, want)
				break
			}
		}
		if arr := padList(flavorArrays{}, ids); len(arr) != tc.n {
			t.Errorf("padList of %d on an array flavor: %d values, want them as they are", tc.n, len(arr))
		}
	}
	if !slices.Contains(inListLens, maxInList) || !slices.IsSorted(inListLens) {
		t.Errorf("inListLens = %v: want ascending, ending at maxInList (groupKeys' chunk size)", inListLens)
	}
}
