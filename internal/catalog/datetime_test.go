package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// dateFixture adds a release blueprint with date-time, timer, date-time
// list and plain text properties and a calculated date-time, and a watch
// blueprint mirroring a release's date.
func dateFixture(t *testing.T, open func(testing.TB) store.Store) *fixture {
	f := setup(t, open)
	f.blueprint(t, `{"identifier":"release","title":"Release",
		"schema":{"properties":{
			"at":{"type":"string","format":"date-time"},
			"ttl":{"type":"string","format":"timer"},
			"windows":{"type":"array","items":{"type":"string","format":"date-time"}},
			"note":{"type":"string"}}},
		"calculationProperties":{"fixed":{"type":"string","format":"date-time","calculation":"\"2026-03-01T10:00:00.5+02:00\""}}}`)
	f.blueprint(t, `{"identifier":"watch","title":"Watch",
		"relations":{"release":{"target":"release"}},
		"mirrorProperties":{"releasedAt":{"path":"release.at"}}}`)
	return f
}

func TestDateTimesStoredCanonically(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := dateFixture(t, open)
		for i, tc := range []struct{ in, want string }{
			{"2026-03-01T08:00:00Z", "2026-03-01T08:00:00Z"},
			{"2026-03-01T10:00:00+02:00", "2026-03-01T08:00:00Z"},
			{"2026-03-01T03:00:00.999999-05:00", "2026-03-01T08:00:00Z"},
			{"2026-03-01T08:00:00.5Z", "2026-03-01T08:00:00Z"},
			{"2026-03-01t08:00:00z", "2026-03-01T08:00:00Z"},
		} {
			id := fmt.Sprintf("r%d", i)
			body := fmt.Sprintf(`{"identifier":%q,"properties":{"at":%q,"ttl":%q,"windows":[%q,"2026-03-02T00:00:00.25+01:00"],"note":%q}}`,
				id, tc.in, tc.in, tc.in, tc.in)
			e := f.create(t, "release", body, catalog.WriteOptions{})
			want := map[string]any{"at": tc.want, "ttl": tc.want, "windows": []any{tc.want, "2026-03-01T23:00:00Z"},
				"note": tc.in, "fixed": "2026-03-01T08:00:00Z"}
			if diff := cmp.Diff(want, e.Properties); diff != "" {
				t.Errorf("create with %q: stored properties (-want +got):\n%s", tc.in, diff)
			}

			// A query literal in any form finds it; so does a mirror.
			for _, lit := range []string{tc.in, "2026-03-01T09:00:00+01:00", "2026-03-01T08:00:00.000Z"} {
				q := fmt.Sprintf(`{"combinator":"and","rules":[{"property":"$identifier","operator":"=","value":%q},{"property":"at","operator":"=","value":%q}]}`, id, lit)
				page, err := f.svc.EntitySearch(f.ctx, catalog.SearchOptions{Blueprint: "release", Query: json.RawMessage(q)})
				if err != nil || len(page.Entities) != 1 {
					t.Errorf("search at = %q: %v entities, %v; want %s", lit, page, err, id)
				}
			}

			// Resending the same instant in another form changes nothing.
			seq := f.lastSeq(t)
			if _, err := f.svc.EntityPatch(f.ctx, actor, "release", id, input(t, `{"properties":{"at":"2026-03-01T09:00:00.2+01:00"}}`), catalog.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			if got := f.lastSeq(t); got != seq {
				t.Errorf("patch with an equal instant wrote events %d..%d, want none", seq+1, got)
			}
		}
		f.create(t, "watch", `{"identifier":"w","relations":{"release":"r1"}}`, catalog.WriteOptions{})
		f.wantProps(t, "watch", "w", map[string]any{"releasedAt": "2026-03-01T08:00:00Z"})
	})
}

// legacyRelease returns an update of release id that replaces its stored
// properties (all but the calculated "fixed") with props as given, the way
// an older version stored date-times: as sent.
func legacyRelease(t *testing.T, f *fixture, id string, props map[string]any) store.EntityChange {
	t.Helper()
	before := f.get(t, "release", id)
	after := *before
	after.Properties = map[string]any{"fixed": before.Properties["fixed"]}
	maps.Copy(after.Properties, props)
	return store.EntityChange{Kind: store.ChangeUpdate, Before: before, After: &after}
}

// storeRaw applies changes straight through the store, past the catalog's
// canonicalisation.
func storeRaw(t *testing.T, f *fixture, changes ...store.EntityChange) {
	t.Helper()
	tx, err := f.st.Begin(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(f.ctx) }()
	if err := tx.EntityChangeApply(f.ctx, &store.EntityChangeApplyParams{Changes: changes, Origin: store.Origin{Actor: "old", Origin: model.OriginAPI, Time: f.clock.Now()}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(f.ctx); err != nil {
		t.Fatal(err)
	}
}

// canonicalMarker returns the store's "catalog.datetimes.canonical" setting,
// "" when it is not set.
func canonicalMarker(t *testing.T, f *fixture) string {
	t.Helper()
	v, err := f.st.SettingGet(f.ctx, &store.SettingGetParams{Key: "catalog.datetimes.canonical"})
	if errors.Is(err, model.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestNormaliseStoredDateTimes writes rows as an older version stored them
// (date-times as sent) straight into the store: NormaliseDateTimes rewrites
// them to the canonical form, mirrors follow, anything not a date-time
// stays, and the run sets the store marker, after which a later call does
// not search at all: a non-canonical value written past the catalog then
// stays as it is.
func TestNormaliseStoredDateTimes(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := dateFixture(t, open)
		f.create(t, "release", `{"identifier":"r1","properties":{"at":"2026-03-01T08:00:00Z"}}`, catalog.WriteOptions{})
		f.create(t, "release", `{"identifier":"r2","properties":{"at":"2026-03-01T08:00:00Z"}}`, catalog.WriteOptions{})
		f.create(t, "watch", `{"identifier":"w","relations":{"release":"r1"}}`, catalog.WriteOptions{})

		w := f.get(t, "watch", "w")
		wAfter := *w
		wAfter.Properties = map[string]any{"releasedAt": "2026-03-01T10:00:00.5+02:00"}
		storeRaw(t, f,
			legacyRelease(t, f, "r1", map[string]any{"at": "2026-03-01T10:00:00.5+02:00", "windows": []any{"2026-03-01T08:00:00Z", "2026-03-01t09:00:00.123z"}, "ttl": "2026-03-01T08:00:00-00:30", "note": "2026-03-01T10:00:00+02:00"}),
			legacyRelease(t, f, "r2", map[string]any{"at": "soon"}),
			store.EntityChange{Kind: store.ChangeUpdate, Before: w, After: &wAfter,
				Edges: []model.Edge{{From: w.Key(), Relation: "release", To: model.EntityKey{Blueprint: "release", Identifier: "r1"}}}})
		if got := canonicalMarker(t, f); got != "" {
			t.Fatalf("marker before the first run = %q, want unset", got)
		}

		if n, err := f.svc.NormaliseDateTimes(f.ctx); err != nil || n != 1 {
			t.Fatalf("NormaliseDateTimes() = %d, %v; want 1 entity rewritten (w follows as a dependent)", n, err)
		}
		f.wantProps(t, "release", "r1", map[string]any{"at": "2026-03-01T08:00:00Z", "ttl": "2026-03-01T08:30:00Z",
			"windows": []any{"2026-03-01T08:00:00Z", "2026-03-01T09:00:00Z"}, "note": "2026-03-01T10:00:00+02:00"})
		f.wantProps(t, "release", "r2", map[string]any{"at": "soon"})
		f.wantProps(t, "watch", "w", map[string]any{"releasedAt": "2026-03-01T08:00:00Z"})
		if got := canonicalMarker(t, f); got != "1" {
			t.Fatalf("marker after a finished run = %q, want %q", got, "1")
		}

		// Only the marker stops this row from being found and rewritten.
		storeRaw(t, f, legacyRelease(t, f, "r2", map[string]any{"at": "2026-03-01T10:00:00+02:00"}))
		seq := f.lastSeq(t)
		if n, err := f.svc.NormaliseDateTimes(f.ctx); err != nil || n != 0 {
			t.Fatalf("second NormaliseDateTimes() = %d, %v; want 0", n, err)
		}
		if got := f.lastSeq(t); got != seq {
			t.Errorf("second NormaliseDateTimes wrote events %d..%d, want none", seq+1, got)
		}
		f.wantProps(t, "release", "r2", map[string]any{"at": "2026-03-01T10:00:00+02:00"})
	})
}

// TestNormaliseDateTimesCancelled: a run whose context is cancelled once it
// has rewritten a batch fails and leaves the marker unset, so the next run
// still searches and rewrites.
func TestNormaliseDateTimesCancelled(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := dateFixture(t, open)
		f.create(t, "release", `{"identifier":"r1","properties":{"at":"2026-03-01T08:00:00Z"}}`, catalog.WriteOptions{})
		f.create(t, "release", `{"identifier":"r2","properties":{"at":"2026-03-01T08:00:00Z"}}`, catalog.WriteOptions{})
		storeRaw(t, f, legacyRelease(t, f, "r1", map[string]any{"at": "2026-03-01T10:00:00+02:00"}))

		// A second service on the same store cancels the run as soon as its
		// first batch commits.
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		svc, err := catalog.New(catalog.Options{Store: f.st, Clock: f.clock, OnCommit: cancel})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := svc.NormaliseDateTimes(ctx); !errors.Is(err, context.Canceled) || n != 1 {
			t.Fatalf("cancelled NormaliseDateTimes() = %d, %v; want 1, %v", n, err, context.Canceled)
		}
		f.wantProps(t, "release", "r1", map[string]any{"at": "2026-03-01T08:00:00Z"})
		if got := canonicalMarker(t, f); got != "" {
			t.Fatalf("marker after a cancelled run = %q, want unset", got)
		}

		storeRaw(t, f, legacyRelease(t, f, "r2", map[string]any{"at": "2026-03-01T10:00:00+02:00"}))
		if n, err := f.svc.NormaliseDateTimes(f.ctx); err != nil || n != 1 {
			t.Fatalf("NormaliseDateTimes() after the cancelled run = %d, %v; want 1 entity rewritten", n, err)
		}
		f.wantProps(t, "release", "r2", map[string]any{"at": "2026-03-01T08:00:00Z"})
		if got := canonicalMarker(t, f); got != "1" {
			t.Errorf("marker after a finished run = %q, want %q", got, "1")
		}
	})
}

// TestFormatBecomesDateTime: a blueprint change that gives a plain string
// property the date-time format rewrites the values already stored, in the
// same transaction, since NormaliseDateTimes runs only once per store.
// Values that are not date-times stay as they are (stored data is not
// re-validated by a schema change).
func TestFormatBecomesDateTime(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := dateFixture(t, open)
		f.create(t, "release", `{"identifier":"old","properties":{"note":"2026-03-01T10:00:00.5+02:00"}}`, catalog.WriteOptions{})
		f.create(t, "release", `{"identifier":"text","properties":{"note":"not a date"}}`, catalog.WriteOptions{})
		if _, err := f.svc.BlueprintPatch(f.ctx, actor, "release",
			json.RawMessage(`{"schema":{"properties":{"note":{"type":"string","format":"date-time"}}}}`)); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, "release", "old").Properties["note"]; got != "2026-03-01T08:00:00Z" {
			t.Errorf("note of old after the format change = %v, want 2026-03-01T08:00:00Z", got)
		}
		if got := f.get(t, "release", "text").Properties["note"]; got != "not a date" {
			t.Errorf("note of text after the format change = %v, want it unchanged", got)
		}
	})
}
