package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

var actor = model.Actor{ID: "tester", Origin: model.OriginAPI}

type fixture struct {
	svc   *catalog.Service
	st    store.Store
	clock *clocktest.Fake
	ctx   context.Context
}

// setup returns a service over a fresh store with the system blueprints and
// a small model: domain (Direct ownership) ← service (domain single,
// deps many → service, owner single → _user).
func setup(t *testing.T, open func(testing.TB) store.Store) *fixture {
	t.Helper()
	st := open(t)
	clk := clocktest.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	svc, err := catalog.New(catalog.Options{Store: st, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := svc.Init(ctx); err != nil {
		t.Fatalf("Init() = %v", err)
	}
	f := &fixture{svc: svc, st: st, clock: clk, ctx: ctx}
	f.blueprint(t, `{"identifier":"domain","title":"Domain","ownership":{"type":"Direct"},
		"schema":{"properties":{"pd":{"type":"string"}}}}`)
	f.blueprint(t, `{"identifier":"service","title":"Service",
		"schema":{"properties":{
			"lang":{"type":"string","enum":["go","python"]},
			"tier":{"type":"number","maximum":3,"default":1},
			"pagerduty":{"type":"string"},
			"tags":{"type":"array","items":{"type":"string"}}}},
		"relations":{"domain":{"target":"domain"},"deps":{"target":"service","many":true},"owner":{"target":"_user"}}}`)
	return f
}

func (f *fixture) blueprint(t *testing.T, body string) *model.Blueprint {
	t.Helper()
	bp, err := f.svc.BlueprintCreate(f.ctx, actor, decodeBlueprint(t, body))
	if err != nil {
		t.Fatalf("BlueprintCreate(%s) = %v", body, err)
	}
	return bp
}

func input(t testing.TB, body string) *model.EntityInput {
	t.Helper()
	var in model.EntityInput
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return &in
}

func (f *fixture) create(t *testing.T, bp, body string, opts catalog.WriteOptions) *model.Entity {
	t.Helper()
	res, err := f.svc.EntityCreate(f.ctx, actor, bp, input(t, body), opts)
	if err != nil {
		t.Fatalf("EntityCreate(%s, %s) = %v", bp, body, err)
	}
	return res.Entity
}

func (f *fixture) get(t *testing.T, bp, id string) *model.Entity {
	t.Helper()
	e, err := f.svc.EntityGet(f.ctx, bp, id)
	if err != nil {
		t.Fatalf("EntityGet(%s, %s) = %v", bp, id, err)
	}
	return e
}

func (f *fixture) lastSeq(t *testing.T) int64 {
	t.Helper()
	n, err := f.st.EventLastSeq(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantField asserts err is a ValidationError naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var ve *model.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v, want a ValidationError naming %q", err, field)
	}
	for _, fe := range ve.Fields {
		if fe.Field == field {
			return
		}
	}
	t.Fatalf("error = %v, want a problem with field %q", err, field)
}

func wantKind(t *testing.T, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error = %v, want kind %v", err, kind)
	}
}

func TestEntityWrites(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Run("create get conflict", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			e := f.create(t, "service", `{"identifier":"pay","properties":{"lang":"go"}}`, catalog.WriteOptions{})
			want := &model.Entity{Identifier: "pay", Title: "pay", Blueprint: "service", Team: []string{},
				Properties: map[string]any{"lang": "go", "tier": float64(1)},
				Relations:  map[string]any{"domain": nil, "deps": []string{}, "owner": nil},
				CreatedAt:  f.clock.Now(), CreatedBy: "tester", UpdatedAt: f.clock.Now(), UpdatedBy: "tester"}
			if diff := cmp.Diff(want, e); diff != "" {
				t.Errorf("EntityCreate (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, f.get(t, "service", "pay")); diff != "" {
				t.Errorf("EntityGet (-want +got):\n%s", diff)
			}
			_, err := f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":"pay"}`), catalog.WriteOptions{})
			wantKind(t, err, model.ErrConflict)
			_, err = f.svc.EntityCreate(f.ctx, actor, "nope", input(t, `{"identifier":"pay"}`), catalog.WriteOptions{})
			wantKind(t, err, model.ErrNotFound)
			_, err = f.svc.EntityGet(f.ctx, "service", "nope")
			wantKind(t, err, model.ErrNotFound)
		})
		t.Run("validation errors name the field", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			tests := []struct{ body, field string }{
				{`{"properties":{}}`, "identifier"},
				{`{"identifier":"a b"}`, "identifier"},
				{`{"identifier":"x","properties":{"tier":9}}`, "properties.tier"},
				{`{"identifier":"x","properties":{"nope":1}}`, "properties.nope"},
				{`{"identifier":"x","properties":{"tags":["a",1]}}`, "properties.tags[1]"},
				{`{"identifier":"x","relations":{"nope":"a"}}`, "relations.nope"},
				{`{"identifier":"x","relations":{"domain":["a","b"]}}`, "relations.domain"},
				{`{"identifier":"x","relations":{"domain":"missing"}}`, "relations.domain"},
				{`{"identifier":"x","team":"t"}`, "team"},
				{`{"identifier":"x","title":5}`, "title"},
			}
			for _, tc := range tests {
				_, err := f.svc.EntityCreate(f.ctx, actor, "service", input(t, tc.body), catalog.WriteOptions{})
				wantField(t, err, tc.field)
			}
			_, err := f.svc.EntityCreate(f.ctx, actor, "domain", input(t, `{"identifier":"d","team":["ghost"]}`), catalog.WriteOptions{})
			wantField(t, err, "team")
			_, err = f.svc.EntityCreate(f.ctx, actor, model.UserBlueprint, input(t, `{"identifier":"jane"}`), catalog.WriteOptions{})
			wantField(t, err, "identifier")
			f.blueprint(t, `{"identifier":"env","title":"Env","relations":{"domain":{"target":"domain","required":true}}}`)
			_, err = f.svc.EntityCreate(f.ctx, actor, "env", input(t, `{"identifier":"prod"}`), catalog.WriteOptions{})
			wantField(t, err, "relations.domain")
			_, err = f.svc.EntityCreate(f.ctx, actor, "env", input(t, `{"identifier":"prod","relations":{"domain":""}}`), catalog.WriteOptions{})
			wantField(t, err, "relations.domain")
		})
		t.Run("upsert replaces and keeps created", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			first := f.create(t, "service", `{"identifier":"pay","title":"Pay","properties":{"lang":"go","pagerduty":"P1"},"relations":{"deps":["pay"]}}`, catalog.WriteOptions{})
			f.clock.Advance(time.Minute)
			res, err := f.svc.EntityCreate(f.ctx, model.Actor{ID: "other"}, "service", input(t, `{"identifier":"pay","properties":{"lang":"python"}}`), catalog.WriteOptions{Upsert: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Created {
				t.Errorf("Created = true on replace")
			}
			e := res.Entity
			if e.Title != "pay" || e.Properties["pagerduty"] != nil || e.Properties["lang"] != "python" || len(e.Relations["deps"].([]string)) != 0 {
				t.Errorf("upsert kept unsent fields: %+v", e)
			}
			if !e.CreatedAt.Equal(first.CreatedAt) || e.CreatedBy != "tester" || e.UpdatedBy != "other" || !e.UpdatedAt.Equal(f.clock.Now()) {
				t.Errorf("meta = %v %s %v %s", e.CreatedAt, e.CreatedBy, e.UpdatedAt, e.UpdatedBy)
			}
			res, err = f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":"new"}`), catalog.WriteOptions{Upsert: true})
			if err != nil || !res.Created {
				t.Fatalf("upsert of a new entity = %+v, %v", res, err)
			}
		})
		t.Run("upsert merge patches", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			f.create(t, "service", `{"identifier":"pay","title":"Pay","properties":{"lang":"go","pagerduty":"P1"},"relations":{"deps":["pay"]}}`, catalog.WriteOptions{})
			res, err := f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":"pay","properties":{"lang":"python","pagerduty":null}}`), catalog.WriteOptions{Upsert: true, Merge: true})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"lang": "python", "tier": float64(1)}
			if diff := cmp.Diff(want, res.Entity.Properties); diff != "" {
				t.Errorf("properties (-want +got):\n%s", diff)
			}
			if res.Entity.Title != "Pay" || !cmp.Equal(res.Entity.Relations["deps"], []string{"pay"}) {
				t.Errorf("merge dropped unsent fields: %+v", res.Entity)
			}
		})
		t.Run("put and patch", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			_, err := f.svc.EntityReplace(f.ctx, actor, "service", "pay", input(t, `{"title":"x"}`), catalog.WriteOptions{})
			wantKind(t, err, model.ErrNotFound)
			_, err = f.svc.EntityPatch(f.ctx, actor, "service", "pay", input(t, `{"title":"x"}`), catalog.WriteOptions{})
			wantKind(t, err, model.ErrNotFound)
			f.create(t, "service", `{"identifier":"pay","title":"Pay","icon":"Go","properties":{"lang":"go","tier":2}}`, catalog.WriteOptions{})
			res, err := f.svc.EntityPatch(f.ctx, actor, "service", "pay", input(t, `{"icon":null,"properties":{"tier":null,"pagerduty":"P9"}}`), catalog.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string]any{"lang": "go", "pagerduty": "P9"}, res.Entity.Properties); diff != "" || res.Entity.Icon != "" || res.Entity.Title != "Pay" {
				t.Errorf("patch: %+v (-want +got):\n%s", res.Entity, diff)
			}
			res, err = f.svc.EntityReplace(f.ctx, actor, "service", "pay", input(t, `{"properties":{"lang":"python"}}`), catalog.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string]any{"lang": "python", "tier": float64(1)}, res.Entity.Properties); diff != "" || res.Entity.Title != "pay" {
				t.Errorf("put: %+v (-want +got):\n%s", res.Entity, diff)
			}
			_, err = f.svc.EntityReplace(f.ctx, actor, "service", "pay", input(t, `{"identifier":"other"}`), catalog.WriteOptions{})
			wantField(t, err, "identifier")
		})
		t.Run("patch renames", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			f.create(t, "service", `{"identifier":"old","properties":{"lang":"go"},"relations":{"deps":["old"]}}`, catalog.WriteOptions{})
			f.create(t, "service", `{"identifier":"user","relations":{"deps":["old"]}}`, catalog.WriteOptions{})
			f.create(t, "service", `{"identifier":"taken"}`, catalog.WriteOptions{})
			_, err := f.svc.EntityPatch(f.ctx, actor, "service", "old", input(t, `{"identifier":"taken"}`), catalog.WriteOptions{})
			wantKind(t, err, model.ErrConflict)
			res, err := f.svc.EntityPatch(f.ctx, actor, "service", "old", input(t, `{"identifier":"new"}`), catalog.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Entity.Identifier != "new" || res.Entity.Title != "new" || res.Entity.Properties["lang"] != "go" || !cmp.Equal(res.Entity.Relations["deps"], []string{"new"}) {
				t.Errorf("renamed entity = %+v", res.Entity)
			}
			if _, err := f.svc.EntityGet(f.ctx, "service", "old"); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("old identifier still there: %v", err)
			}
			if u := f.get(t, "service", "user"); !cmp.Equal(u.Relations["deps"], []string{"new"}) {
				t.Errorf("dependent still points at %v", u.Relations["deps"])
			}
			wantKind(t, f.svc.EntityDelete(f.ctx, actor, "service", "new", catalog.DeleteOptions{}), model.ErrConflict)
			_, err = f.svc.EntityReplace(f.ctx, actor, "service", "new", input(t, `{"identifier":"newer"}`), catalog.WriteOptions{})
			wantField(t, err, "identifier")
		})
		t.Run("validation only writes nothing", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			seq := f.lastSeq(t)
			res, err := f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":"pay","relations":{"domain":"d1"}}`), catalog.WriteOptions{ValidationOnly: true, CreateMissingRelatedEntities: true})
			if err != nil || res.Entity.Identifier != "pay" {
				t.Fatalf("validation only = %+v, %v", res, err)
			}
			_, err = f.svc.EntityGet(f.ctx, "service", "pay")
			wantKind(t, err, model.ErrNotFound)
			_, err = f.svc.EntityGet(f.ctx, "domain", "d1")
			wantKind(t, err, model.ErrNotFound)
			if got := f.lastSeq(t); got != seq {
				t.Errorf("EventLastSeq = %d, want %d", got, seq)
			}
			_, err = f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":"pay","relations":{"domain":"d1"}}`), catalog.WriteOptions{ValidationOnly: true})
			wantField(t, err, "relations.domain")
		})
		t.Run("relations teams and create missing", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			f.create(t, model.TeamBlueprint, `{"identifier":"payments"}`, catalog.WriteOptions{})
			d := f.create(t, "domain", `{"identifier":"billing","team":"payments"}`, catalog.WriteOptions{})
			if !cmp.Equal(d.Team, []string{"payments"}) {
				t.Errorf("team = %v", d.Team)
			}
			e := f.create(t, "service", `{"identifier":"pay","relations":{"domain":"billing","deps":["ledger","auth"]}}`, catalog.WriteOptions{CreateMissingRelatedEntities: true})
			if !cmp.Equal(e.Relations["deps"], []string{"ledger", "auth"}) || e.Relations["domain"] != "billing" {
				t.Errorf("relations = %v", e.Relations)
			}
			stub := f.get(t, "service", "ledger")
			if stub.Title != "ledger" {
				t.Errorf("stub title = %q", stub.Title)
			}
			_, err := f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":"x","relations":{"owner":"ghost@x.io"}}`), catalog.WriteOptions{CreateMissingRelatedEntities: true})
			wantField(t, err, "relations.owner")
		})
		t.Run("map by property", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			f.create(t, "service", `{"identifier":"a","properties":{"pagerduty":"P1","lang":"go"}}`, catalog.WriteOptions{})
			f.create(t, "service", `{"identifier":"b","properties":{"pagerduty":"P2","lang":"go"}}`, catalog.WriteOptions{})
			res, err := f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":{"combinator":"and","rules":[
				{"property":"$blueprint","operator":"=","value":"service"},{"property":"pagerduty","operator":"=","value":"P2"}]},
				"properties":{"lang":"python"}}`), catalog.WriteOptions{Upsert: true, Merge: true})
			if err != nil || res.Entity.Identifier != "b" || res.Entity.Properties["lang"] != "python" {
				t.Fatalf("identifier query = %+v, %v", res, err)
			}
			_, err = f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":{"combinator":"and","rules":[{"property":"pagerduty","operator":"=","value":"P9"}]}}`), catalog.WriteOptions{Upsert: true})
			wantKind(t, err, model.ErrNotFound)
			_, err = f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":{"combinator":"and","rules":[{"property":"pagerduty","operator":"in","value":["P1","P2"]}]}}`), catalog.WriteOptions{Upsert: true})
			wantKind(t, err, model.ErrInvalid)
			_, err = f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":{"combinator":"and","rules":[{"property":"$blueprint","operator":"=","value":"domain"},{"property":"$identifier","operator":"=","value":"a"}]}}`), catalog.WriteOptions{Upsert: true})
			wantField(t, err, "identifier")
			e := f.create(t, "service", `{"identifier":"c","relations":{"deps":{"combinator":"or","rules":[{"property":"$identifier","operator":"=","value":"a"},{"property":"pagerduty","operator":"=","value":"P2"}]}}}`, catalog.WriteOptions{})
			if !cmp.Equal(e.Relations["deps"], []string{"a", "b"}) {
				t.Errorf("relation query deps = %v", e.Relations["deps"])
			}
		})
		t.Run("list count history", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			for i := range 5 {
				f.create(t, "service", fmt.Sprintf(`{"identifier":"s%d"}`, i), catalog.WriteOptions{RunID: "run-1"})
			}
			var got []string
			cursor := ""
			for {
				page, err := f.svc.EntityList(f.ctx, "service", catalog.ListOptions{Limit: 2, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range page.Entities {
					got = append(got, e.Identifier)
				}
				if page.Next == "" {
					break
				}
				cursor = page.Next
			}
			if diff := cmp.Diff([]string{"s0", "s1", "s2", "s3", "s4"}, got); diff != "" {
				t.Errorf("EntityList pages (-want +got):\n%s", diff)
			}
			if n, err := f.svc.EntityCount(f.ctx, "service"); err != nil || n != 5 {
				t.Errorf("EntityCount = %d, %v", n, err)
			}
			vs, err := f.svc.EntityHistory(f.ctx, "service", "s1")
			if err != nil || len(vs) != 1 || vs[0].RunID != "run-1" {
				t.Errorf("EntityHistory = %+v, %v", vs, err)
			}
		})
		t.Run("delete and dependents", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			f.create(t, "service", `{"identifier":"a"}`, catalog.WriteOptions{})
			f.create(t, "service", `{"identifier":"b","relations":{"deps":["a"]}}`, catalog.WriteOptions{})
			f.create(t, "service", `{"identifier":"c","relations":{"deps":["b"]}}`, catalog.WriteOptions{})
			err := f.svc.EntityDelete(f.ctx, actor, "service", "a", catalog.DeleteOptions{})
			wantKind(t, err, model.ErrConflict)
			err = f.svc.EntityDelete(f.ctx, actor, "service", "nope", catalog.DeleteOptions{})
			wantKind(t, err, model.ErrNotFound)
			if err := f.svc.EntityDelete(f.ctx, actor, "service", "a", catalog.DeleteOptions{DeleteDependents: true}); err != nil {
				t.Fatal(err)
			}
			if n, _ := f.svc.EntityCount(f.ctx, "service"); n != 0 {
				t.Errorf("after cascade EntityCount = %d, want 0", n)
			}
		})
		t.Run("bulk", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			ins := []*model.EntityInput{
				input(t, `{"identifier":"a","relations":{"deps":["b"]}}`),
				input(t, `{"identifier":"b"}`),
				input(t, `{"identifier":"c","properties":{"tier":9}}`),
				input(t, `{"identifier":"d","relations":{"deps":["c"]}}`),
				input(t, `{"identifier":"a"}`),
			}
			res, err := f.svc.EntityBulkCreate(f.ctx, actor, "service", ins, catalog.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var ok []string
			for _, r := range res {
				if r.Err == nil {
					ok = append(ok, r.Identifier)
				}
			}
			if diff := cmp.Diff([]string{"a", "b"}, ok); diff != "" {
				t.Errorf("bulk successes (-want +got):\n%s", diff)
			}
			wantField(t, res[2].Err, "properties.tier")
			wantField(t, res[3].Err, "relations.deps")
			wantField(t, res[4].Err, "identifier")
			if n, _ := f.svc.EntityCount(f.ctx, "service"); n != 2 {
				t.Errorf("EntityCount = %d, want 2", n)
			}
			small, _ := catalog.New(catalog.Options{Store: f.st, MaxBulk: 2})
			_, err = small.EntityBulkCreate(f.ctx, actor, "service", ins, catalog.WriteOptions{})
			wantKind(t, err, model.ErrTooLarge)

			seq := f.lastSeq(t)
			err = f.svc.EntityBulkDelete(f.ctx, actor, "service", []string{"b", "missing"}, catalog.DeleteOptions{DeleteDependents: true})
			wantKind(t, err, model.ErrNotFound)
			if n, _ := f.svc.EntityCount(f.ctx, "service"); n != 2 || f.lastSeq(t) != seq {
				t.Errorf("failed bulk delete changed something: count %d seq %d want %d", n, f.lastSeq(t), seq)
			}
			n, err := f.svc.EntityDeleteAll(f.ctx, actor, "service", catalog.DeleteAllOptions{})
			if err != nil || n != 2 {
				t.Errorf("EntityDeleteAll = %d, %v", n, err)
			}
		})
		t.Run("team query bulk validation only and on commit", func(t *testing.T) {
			t.Parallel()
			st := open(t)
			commits := 0
			var mu sync.Mutex
			svc, err := catalog.New(catalog.Options{Store: st, OnCommit: func() { mu.Lock(); commits++; mu.Unlock() }})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := svc.Init(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.BlueprintCreate(ctx, actor, decodeBlueprint(t, `{"identifier":"app","title":"App","ownership":{"type":"Direct"}}`)); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"red", "blue"} {
				if _, err := svc.EntityCreate(ctx, actor, model.TeamBlueprint, input(t, `{"identifier":"`+id+`","properties":{"size":3}}`), catalog.WriteOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			res, err := svc.EntityCreate(ctx, actor, "app", input(t, `{"identifier":"a1","team":{"combinator":"and","rules":[{"property":"size","operator":"=","value":3}]}}`), catalog.WriteOptions{})
			if err != nil || !cmp.Equal(res.Entity.Team, []string{"blue", "red"}) {
				t.Fatalf("team query = %+v, %v", res, err)
			}
			mu.Lock()
			before := commits
			mu.Unlock()
			if before != 6 { // _team, _user, app, red, blue, a1
				t.Errorf("OnCommit called %d times, want 6", before)
			}
			out, err := svc.EntityBulkCreate(ctx, actor, "app", []*model.EntityInput{input(t, `{"identifier":"a2"}`), input(t, `{"identifier":"a3","team":"green"}`)}, catalog.WriteOptions{ValidationOnly: true})
			if err != nil || out[0].Err != nil || out[1].Err == nil {
				t.Fatalf("bulk validation only = %+v, %v", out, err)
			}
			wantField(t, out[1].Err, "team")
			if _, err := svc.EntityGet(ctx, "app", "a2"); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("validation only wrote a2: %v", err)
			}
			mu.Lock()
			if commits != before {
				t.Errorf("OnCommit called %d times for a dry run", commits-before)
			}
			mu.Unlock()
			_, err = svc.EntityList(ctx, "app", catalog.ListOptions{Cursor: "%%%"})
			wantField(t, err, "cursor")
			n, err := svc.EntityDeleteAll(ctx, actor, "app", catalog.DeleteAllOptions{DeleteBlueprint: true})
			if err != nil || n != 1 {
				t.Fatalf("EntityDeleteAll = %d, %v", n, err)
			}
			if _, err := svc.BlueprintGet(ctx, "app"); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("blueprint survived delete_blueprint: %v", err)
			}
		})
		t.Run("failed write leaves nothing", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			seq := f.lastSeq(t)
			// Two stubs would be created, but the third target (a _user) may
			// not be: the whole write must leave nothing.
			_, err := f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":"pay",
				"relations":{"domain":"new-domain","deps":["new-dep"],"owner":"ghost@x.io"}}`), catalog.WriteOptions{CreateMissingRelatedEntities: true})
			wantField(t, err, "relations.owner")
			for _, k := range []model.EntityKey{{Blueprint: "service", Identifier: "pay"}, {Blueprint: "domain", Identifier: "new-domain"}, {Blueprint: "service", Identifier: "new-dep"}} {
				if _, err := f.svc.EntityGet(f.ctx, k.Blueprint, k.Identifier); !errors.Is(err, model.ErrNotFound) {
					t.Errorf("EntityGet(%v) = %v, want not found", k, err)
				}
				vs, err := f.st.EntityVersionList(f.ctx, &store.EntityVersionListParams{Blueprint: k.Blueprint, Identifier: k.Identifier})
				if err != nil || len(vs) != 0 {
					t.Errorf("versions of %v = %d, %v", k, len(vs), err)
				}
			}
			if got := f.lastSeq(t); got != seq {
				t.Errorf("EventLastSeq = %d, want %d", got, seq)
			}
		})
	})
}

func TestConcurrentMerge(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := setup(t, open)
		props := map[string]model.Property{}
		for i := range 50 {
			props[fmt.Sprintf("p%d", i)] = model.Property{Type: "number"}
		}
		if _, err := f.svc.BlueprintCreate(f.ctx, actor, &model.Blueprint{Identifier: "wide", Title: "Wide", Schema: model.BlueprintSchema{Properties: props}}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for i := range 50 {
			wg.Go(func() {
				in := input(t, fmt.Sprintf(`{"identifier":"one","properties":{"p%d":%d}}`, i, i))
				if _, err := f.svc.EntityCreate(f.ctx, actor, "wide", in, catalog.WriteOptions{Upsert: true, Merge: true}); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent merge: %v", err)
		}
		e := f.get(t, "wide", "one")
		if len(e.Properties) != 50 {
			t.Errorf("entity has %d properties, want 50: %v", len(e.Properties), e.Properties)
		}
		if n, _ := f.svc.EntityCount(f.ctx, "wide"); n != 1 {
			t.Errorf("EntityCount = %d, want 1", n)
		}
	})
}

func TestBlueprintLifecycle(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Run("system blueprints", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			u, err := f.svc.BlueprintGet(f.ctx, model.UserBlueprint)
			if err != nil || u.Relations["team"].Target != model.TeamBlueprint {
				t.Fatalf("BlueprintGet(_user) = %+v, %v", u, err)
			}
			if err := f.svc.Init(f.ctx); err != nil {
				t.Fatalf("second Init() = %v", err)
			}
			wantKind(t, f.svc.BlueprintDelete(f.ctx, actor, model.TeamBlueprint, catalog.BlueprintDeleteOptions{}), model.ErrConflict)
			_, err = f.svc.BlueprintPatch(f.ctx, actor, model.UserBlueprint, json.RawMessage(`{"schema":{"properties":{"status":null}}}`))
			wantField(t, err, "schema.properties.status")
			bp, err := f.svc.BlueprintPatch(f.ctx, actor, model.UserBlueprint, json.RawMessage(`{"schema":{"properties":{"slack":{"type":"string"}}}}`))
			if err != nil || bp.Schema.Properties["slack"].Type != "string" || len(bp.Schema.Properties) != 5 {
				t.Fatalf("extending _user = %+v, %v", bp, err)
			}
			_, err = f.svc.BlueprintCreate(f.ctx, actor, decodeBlueprint(t, `{"identifier":"_mine","title":"M"}`))
			wantField(t, err, "identifier")
		})
		t.Run("create replace patch", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			_, err := f.svc.BlueprintCreate(f.ctx, actor, decodeBlueprint(t, `{"identifier":"domain","title":"D"}`))
			wantKind(t, err, model.ErrConflict)
			_, err = f.svc.BlueprintCreate(f.ctx, actor, decodeBlueprint(t, `{"identifier":"x","title":"X","relations":{"r":{"target":"ghost"}}}`))
			wantField(t, err, "relations.r.target")
			f.create(t, "service", `{"identifier":"pay","properties":{"lang":"go","tier":2}}`, catalog.WriteOptions{})
			_, err = f.svc.BlueprintPatch(f.ctx, actor, "service", json.RawMessage(`{"schema":{"properties":{"tier":{"type":"string"}}}}`))
			wantField(t, err, "schema.properties.tier.type")
			if err != nil && !contains(err.Error(), "rename") {
				t.Errorf("type change error does not say what to do: %v", err)
			}
			_, err = f.svc.BlueprintPatch(f.ctx, actor, "service", json.RawMessage(`{"schema":{"properties":{"tags":{"type":"array","items":{"type":"number"}}}}}`))
			wantField(t, err, "schema.properties.tags.items.type")
			bp, err := f.svc.BlueprintPatch(f.ctx, actor, "service", json.RawMessage(`{"title":"Services","schema":{"properties":{"lang":{"enum":["go","python","rust"]}}}}`))
			if err != nil || bp.Title != "Services" || len(bp.Schema.Properties["lang"].Enum) != 3 || bp.Schema.Properties["tier"].Type != "number" {
				t.Fatalf("BlueprintPatch = %+v, %v", bp, err)
			}
			seq := f.lastSeq(t)
			same, err := f.svc.BlueprintReplace(f.ctx, actor, "service", bp)
			if err != nil || !same.UpdatedAt.Equal(bp.UpdatedAt) || f.lastSeq(t) != seq {
				t.Errorf("unchanged PUT wrote something: %v, seq %d want %d", err, f.lastSeq(t), seq)
			}
			// The schema cache must see the change.
			f.create(t, "service", `{"identifier":"rusty","properties":{"lang":"rust"}}`, catalog.WriteOptions{})
			// PUT drops the property and its data.
			nb := *bp
			nb.Schema.Properties = map[string]model.Property{"lang": bp.Schema.Properties["lang"]}
			if _, err := f.svc.BlueprintReplace(f.ctx, actor, "service", &nb); err != nil {
				t.Fatal(err)
			}
			if e := f.get(t, "service", "pay"); e.Properties["tier"] != nil {
				t.Errorf("dropped property still there: %v", e.Properties)
			}
		})
		t.Run("delete", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			wantKind(t, f.svc.BlueprintDelete(f.ctx, actor, "domain", catalog.BlueprintDeleteOptions{}), model.ErrConflict) // service relates to it
			f.blueprint(t, `{"identifier":"leaf","title":"Leaf"}`)
			f.create(t, "leaf", `{"identifier":"l1"}`, catalog.WriteOptions{})
			wantKind(t, f.svc.BlueprintDelete(f.ctx, actor, "leaf", catalog.BlueprintDeleteOptions{}), model.ErrConflict)
			if err := f.svc.BlueprintDelete(f.ctx, actor, "leaf", catalog.BlueprintDeleteOptions{DeleteEntities: true}); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.BlueprintGet(f.ctx, "leaf")
			wantKind(t, err, model.ErrNotFound)
		})
		t.Run("rename keeps data", func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			f.blueprint(t, `{"identifier":"deploy","title":"Deploy","relations":{"svc":{"target":"service"}},
				"mirrorProperties":{"svcLang":{"path":"svc.lang"},"svcDomain":{"path":"svc.domain.$title"}},
				"ownership":{"type":"Inherited","path":"svc.domain"}}`)
			f.create(t, "domain", `{"identifier":"billing"}`, catalog.WriteOptions{})
			f.create(t, "service", `{"identifier":"pay","properties":{"lang":"go"},"relations":{"domain":"billing"}}`, catalog.WriteOptions{})
			if _, err := f.svc.BlueprintRename(f.ctx, actor, "service", catalog.RenameProperty, "lang", "language"); err != nil {
				t.Fatal(err)
			}
			bp, err := f.svc.BlueprintRename(f.ctx, actor, "service", catalog.RenameRelation, "domain", "area")
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := bp.Relations["area"]; !ok {
				t.Errorf("relations = %v", bp.Relations)
			}
			dep, err := f.svc.BlueprintGet(f.ctx, "deploy")
			if err != nil {
				t.Fatal(err)
			}
			if got := []string{dep.MirrorProperties["svcLang"].Path, dep.MirrorProperties["svcDomain"].Path, dep.Ownership.Path}; !cmp.Equal(got, []string{"svc.language", "svc.area.$title", "svc.area"}) {
				t.Errorf("paths of the referring blueprint = %v", got)
			}
			e := f.get(t, "service", "pay")
			if e.Properties["language"] != "go" || e.Relations["area"] != "billing" {
				t.Errorf("after rename entity = %+v", e)
			}
			// The edge moved too: billing still has a dependent.
			wantKind(t, f.svc.EntityDelete(f.ctx, actor, "domain", "billing", catalog.DeleteOptions{}), model.ErrConflict)
			_, err = f.svc.BlueprintRename(f.ctx, actor, "service", catalog.RenameProperty, "nope", "x")
			wantKind(t, err, model.ErrNotFound)
			_, err = f.svc.BlueprintRename(f.ctx, actor, "service", catalog.RenameProperty, "language", "area")
			wantField(t, err, "newPropertyName")
		})
	})
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub)))
}

// BenchmarkBulkCreate measures bulk upserts of 1,000 deployments with three
// relations each through the service on SQLite (budget: DESIGN §9). The
// request decoding is part of the loop, as over HTTP.
func BenchmarkBulkCreate(b *testing.B) {
	d := dbtest.OpenSQLite(b)
	svc, _ := catalog.New(catalog.Options{Store: d})
	ctx := context.Background()
	if err := svc.Init(ctx); err != nil {
		b.Fatal(err)
	}
	for _, body := range []string{`{"identifier":"env","title":"E"}`, `{"identifier":"svc","title":"S"}`,
		`{"identifier":"dep","title":"D","schema":{"properties":{"version":{"type":"string"},"status":{"type":"string","enum":["ok","failed"]},"n":{"type":"number"}}},
		"relations":{"env":{"target":"env"},"svc":{"target":"svc"},"prev":{"target":"dep"}}}`} {
		var bp model.Blueprint
		if err := json.Unmarshal([]byte(body), &bp); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.BlueprintCreate(ctx, actor, &bp); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 10 {
		for _, bp := range []string{"env", "svc"} {
			if _, err := svc.EntityCreate(ctx, actor, bp, input(b, fmt.Sprintf(`{"identifier":"%s%d"}`, bp[:1], i)), catalog.WriteOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	n := 0
	b.ResetTimer()
	for b.Loop() {
		ins := make([]*model.EntityInput, 1000)
		for j := range ins {
			ins[j] = input(b, fmt.Sprintf(`{"identifier":"d%d","title":"Dep %d","properties":{"version":"1.%d","status":"ok","n":%d},"relations":{"env":"e%d","svc":"s%d","prev":"d%d"}}`, n+j, n+j, j, j, j%10, j%10, max(n+j-1, 0)))
		}
		res, err := svc.EntityBulkCreate(ctx, actor, "dep", ins, catalog.WriteOptions{Upsert: true})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		n += 1000
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entities/s")
}

// TestWriteVersusDeleteOfTarget races a write that points at an entity with
// a delete of that entity: whichever wins, no relation may be left pointing
// at a deleted entity.
func TestWriteVersusDeleteOfTarget(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := setup(t, open)
		for i := range 20 {
			d := fmt.Sprintf("d%d", i)
			f.create(t, "domain", `{"identifier":"`+d+`"}`, catalog.WriteOptions{})
			var wg sync.WaitGroup
			var writeErr, deleteErr error
			wg.Go(func() {
				_, writeErr = f.svc.EntityCreate(f.ctx, actor, "service", input(t, fmt.Sprintf(`{"identifier":"s%d","relations":{"domain":%q}}`, i, d)), catalog.WriteOptions{})
			})
			wg.Go(func() {
				deleteErr = f.svc.EntityDelete(f.ctx, actor, "domain", d, catalog.DeleteOptions{})
			})
			wg.Wait()
			_, getErr := f.svc.EntityGet(f.ctx, "domain", d)
			switch {
			case writeErr == nil && deleteErr == nil:
				t.Fatalf("round %d: both the write and the delete of its target succeeded", i)
			case writeErr == nil && getErr != nil:
				t.Fatalf("round %d: entity points at deleted %s", i, d)
			case writeErr != nil && !errors.Is(writeErr, model.ErrInvalid):
				t.Fatalf("round %d: write failed with %v", i, writeErr)
			case deleteErr != nil && !errors.Is(deleteErr, model.ErrConflict):
				t.Fatalf("round %d: delete failed with %v", i, deleteErr)
			}
		}
	})
}
