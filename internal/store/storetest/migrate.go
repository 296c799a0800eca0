package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// MigrateUpTo applies the driver's migrations in dir (goose files named
// NNNN_*.sql) up to and including version last, as a database that old
// would be, for tests of the migrations after it.
func MigrateUpTo(t *testing.T, db *sql.DB, dialect goose.Dialect, dir string, last int) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil || v > last {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fsys[e.Name()] = &fstest.MapFile{Data: b}
	}
	p, err := goose.NewProvider(dialect, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// EntityIDsFixture returns INSERTs for a schema at migration 0006 (edges
// keyed by strings): services pay and ledger, deployment d1 relating to pay,
// pay depending on ledger, and an edge to an entity that does not exist.
// at is the dialect's literal for a time.
func EntityIDsFixture(at string) []string {
	ent := func(bp, id, title, props string) string {
		return "INSERT INTO entities (blueprint, identifier, title, properties, relations, created_at, updated_at) VALUES ('" +
			bp + "', '" + id + "', '" + title + "', '" + props + "', '{}', " + at + ", " + at + ")"
	}
	edge := func(fb, fi, rel, tb, ti string) string {
		return "INSERT INTO edges (from_blueprint, from_identifier, relation, to_blueprint, to_identifier) VALUES ('" +
			fb + "', '" + fi + "', '" + rel + "', '" + tb + "', '" + ti + "')"
	}
	return []string{
		ent("service", "pay", "Payments", `{"notes": "keeps the ledger"}`),
		ent("service", "ledger", "Ledger", `{}`),
		ent("deployment", "d1", "Deploy one", `{}`),
		edge("deployment", "d1", "service", "service", "pay"),
		edge("service", "pay", "dependsOn", "service", "ledger"),
		edge("service", "pay", "dependsOn", "service", "gone"),
		// An outbox row from before 0008, documents inline.
		"INSERT INTO events (type, blueprint, entity, before_doc, after_doc, at) VALUES ('ENTITY_UPDATED', 'service', 'pay', " +
			`'{"title": "Pay"}', '{"title": "Payments"}', ` + at + ")",
	}
}

// CheckEntityIDsMigrated checks a store opened on EntityIDsFixture's data.
func CheckEntityIDsMigrated(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	pay := model.EntityKey{Blueprint: "service", Identifier: "pay"}
	in, err := s.EdgeListIncoming(ctx, &store.EdgeListIncomingParams{To: []model.EntityKey{pay}})
	want := []model.Edge{{From: model.EntityKey{Blueprint: "deployment", Identifier: "d1"}, Relation: "service", To: pay}}
	if err != nil || !slices.Equal(in, want) {
		t.Errorf("incoming edges of pay = %v, %v; want %v", in, err, want)
	}
	tr, err := s.EdgeTraverse(ctx, &store.EdgeTraverseParams{Start: pay, MaxHops: 3})
	if err != nil || len(tr.Nodes) != 1 || tr.Nodes[0].Key.Identifier != "ledger" {
		t.Errorf("outgoing walk from pay = %+v, %v; want ledger only (the edge to a missing entity is dropped)", tr, err)
	}
	hits, err := s.EntityTextSearch(ctx, &store.EntityTextSearchParams{Query: "ledger"})
	if err != nil || len(hits) != 2 {
		t.Errorf("text search for ledger after migrating = %+v, %v; want pay and ledger", hits, err)
	}
	// A write after the migration keeps edges and the text index current.
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := &model.Entity{Blueprint: "service", Identifier: "pay", Title: "Payments", Team: []string{},
		Properties: map[string]any{"notes": "keeps the ledger"}, Relations: map[string]any{}}
	after := *before
	after.Title = "Billing"
	after.Properties = map[string]any{}
	after.Relations = map[string]any{"dependsOn": []any{"ledger"}}
	err = tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Changes: []store.EntityChange{
		Update(before, &after, model.Edge{From: pay, Relation: "dependsOn", To: model.EntityKey{Blueprint: "service", Identifier: "ledger"}}),
	}, Origin: store.Origin{Actor: "test", Origin: "API"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for q, n := range map[string]int{"billing": 1, "payments": 0, "ledger": 1} {
		hits, err := s.EntityTextSearch(ctx, &store.EntityTextSearchParams{Query: q})
		if err != nil || len(hits) != n {
			t.Errorf("after an update, text search for %q = %+v, %v; want %d hits", q, hits, err, n)
		}
	}
	// Events before and after 0008 (documents inline, then read from the
	// version the event names).
	evs, err := s.EventList(ctx, &store.EventListParams{})
	if err != nil || len(evs) != 2 {
		t.Fatalf("events = %v, %v; want the old one and the update's", evs, err)
	}
	if !jsonEq(evs[0].Before, `{"title": "Pay"}`) || !jsonEq(evs[0].After, `{"title": "Payments"}`) {
		t.Errorf("old event's documents = %s, %s; want them as stored", evs[0].Before, evs[0].After)
	}
	var doc struct{ Title string }
	if err := json.Unmarshal(evs[1].After, &doc); err != nil || doc.Title != "Billing" {
		t.Errorf("update event's after = %s (%v); want the new version's document", evs[1].After, err)
	}
	in, err = s.EdgeListIncoming(ctx, &store.EdgeListIncomingParams{To: []model.EntityKey{{Blueprint: "service", Identifier: "ledger"}}})
	if err != nil || len(in) != 1 || in[0].From != pay {
		t.Errorf("incoming edges of ledger after the update = %v, %v; want pay's", in, err)
	}
}

// jsonEq reports whether raw holds the same JSON value as want.
func jsonEq(raw json.RawMessage, want string) bool {
	var a, b any
	return json.Unmarshal(raw, &a) == nil && json.Unmarshal([]byte(want), &b) == nil && reflect.DeepEqual(a, b)
}
