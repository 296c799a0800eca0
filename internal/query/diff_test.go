package query_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

// The differential test: random catalogs and random queries must give the
// same entities in memory, on SQLite and on PostgreSQL (DESIGN §5).

var (
	diffNow  = time.Date(2026, 11, 23, 12, 30, 15, 0, time.UTC)
	strPool  = []any{"", "a", "A", "ab", "abc", "b", "Go", "go", "ü", "über", "日本語", "x y", "a%b", "a_b", `q"t`, "zz", "Ω"}
	numPool  = []any{0.0, -1.0, 1.0, 1.5, 3.0, 10.0, 1e10, 0.25, -2.5}
	boolPool = []any{true, false}
	teams    = []string{"core", "pay", "ops", "Core"}
)

// dateOffsets are the instants, relative to diffNow, dates are drawn from;
// the one-second and half-second neighbours meet fractions and offsets at
// the boundary where raw text order goes wrong ("…:15.5Z" < "…:15Z").
var dateOffsets = []time.Duration{-1100 * 24 * time.Hour, -400 * 24 * time.Hour, -100 * 24 * time.Hour, -20 * 24 * time.Hour,
	-5 * 24 * time.Hour, -30 * time.Hour, -13 * time.Hour, -time.Hour, -time.Second, 0, 500 * time.Millisecond, time.Second,
	time.Hour, 12 * time.Hour, 30 * time.Hour, 6 * 24 * time.Hour, 40 * 24 * time.Hour, 300 * 24 * time.Hour}

// datePool is what the catalog stores in date-time properties: the
// canonical form (query.DateTimeText).
func datePool() []any {
	out := []any{}
	for _, d := range dateOffsets {
		out = append(out, query.DateTimeText(diffNow.Add(d)))
	}
	return out
}

// literalDatePool is how callers write date-times in queries: canonical,
// with fractions of any length, with offsets, in lower case.
func literalDatePool() []any {
	east, west := time.FixedZone("", 2*3600+30*60), time.FixedZone("", -5*3600)
	out := datePool()
	for _, d := range dateOffsets {
		t := diffNow.Add(d)
		out = append(out,
			t.Format("2006-01-02T15:04:05.000Z07:00"),
			t.Add(250*time.Millisecond).Format(time.RFC3339Nano),
			t.Add(123456789).In(east).Format(time.RFC3339Nano),
			t.In(west).Format(time.RFC3339),
			strings.ToLower(t.Format(time.RFC3339)))
	}
	return out
}

// legacyDatePool is what rows written before canonical date-times may
// hold (docs/data-model.md): the executors must still agree on them.
func legacyDatePool() []any {
	out := []any{}
	for _, v := range literalDatePool() {
		if c, ok := query.CanonicalDateTime(v.(string)); !ok || c != v {
			out = append(out, v)
		}
	}
	return out
}

func diffBlueprints() []*model.Blueprint {
	arr := func(t string) model.Property { return model.Property{Type: "array", Items: &model.Property{Type: t}} }
	return []*model.Blueprint{
		{Identifier: "service", Schema: model.BlueprintSchema{Properties: map[string]model.Property{
			"s": {Type: "string"}, "n": {Type: "number"}, "b": {Type: "boolean"}, "tags": arr("string"), "nums": arr("number"),
			"dt": {Type: "string", Format: "date-time"}, "obj": {Type: "object"}, "u": {Type: "string", Format: "user"},
			// mixed is an array without items: elements of every JSON type,
			// nested arrays and objects included.
			"mixed": {Type: "array"},
		}}, Relations: map[string]model.Relation{
			"team": {Target: "team", Required: true}, "deps": {Target: "service", Many: true}, "node": {Target: "node"},
		}},
		// team reuses property names with other types, so cross-blueprint
		// queries meet type mismatches in stored data.
		{Identifier: "team", Schema: model.BlueprintSchema{Properties: map[string]model.Property{
			"s": {Type: "number"}, "n": {Type: "string"}, "tags": {Type: "string"}, "u": {Type: "string", Format: "user"},
		}}, Relations: map[string]model.Relation{"parent": {Target: "team"}}},
		{Identifier: "node", Schema: model.BlueprintSchema{Properties: map[string]model.Property{
			"s": {Type: "string"}, "dt": {Type: "string", Format: "date-time"},
		}}, Relations: map[string]model.Relation{"parent": {Target: "node"}, "owner": {Target: "team", Required: true}}},
	}
}

type catalog struct {
	ents  []*model.Entity
	edges []model.Edge
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func genValue(r *rand.Rand, p model.Property) any {
	switch r.IntN(8) {
	case 0:
		return nil // explicit null
	}
	switch p.Type {
	case "number":
		return pick(r, numPool)
	case "boolean":
		return pick(r, boolPool)
	case "object":
		if r.IntN(2) == 0 {
			return map[string]any{}
		}
		return map[string]any{"s": pick(r, strPool)}
	case "array":
		n := r.IntN(4)
		out := []any{}
		for range n {
			if p.Items == nil {
				out = append(out, pick(r, []any{nil, pick(r, strPool), pick(r, numPool), pick(r, boolPool),
					[]any{pick(r, strPool)}, map[string]any{"k": pick(r, strPool)}, map[string]any{}, []any{}}))
				continue
			}
			out = append(out, genValue(r, *p.Items))
		}
		return out
	}
	if p.Format == "date-time" {
		if r.IntN(6) == 0 {
			return pick(r, legacyDatePool())
		}
		return pick(r, datePool())
	}
	return pick(r, strPool)
}

func genCatalog(r *rand.Rand, n int) catalog {
	bps := diffBlueprints()
	var c catalog
	ids := map[string][]string{}
	for i := range n {
		bp := bps[r.IntN(len(bps))]
		id := fmt.Sprintf("%s%d", bp.Identifier[:1], i)
		if r.IntN(5) == 0 {
			id += pick(r, []string{"ü", "-x", "A", "日"})
		}
		e := &model.Entity{
			Identifier: id, Blueprint: bp.Identifier, Title: pick(r, strPool).(string),
			Properties: map[string]any{}, Relations: map[string]any{}, Team: []string{},
			CreatedAt: diffNow.Add(-time.Duration(r.IntN(2000))*time.Hour - time.Duration(r.IntN(3))*time.Second/2),
			CreatedBy: pick(r, []string{"alice", "bob", ""}),
		}
		e.UpdatedAt, e.UpdatedBy = e.CreatedAt.Add(time.Duration(r.IntN(100))*time.Hour), e.CreatedBy
		if r.IntN(3) == 0 {
			e.Icon = "icon"
		}
		for range r.IntN(3) {
			if t := pick(r, teams); !slices.Contains(e.Team, t) {
				e.Team = append(e.Team, t)
			}
		}
		// Sorted keys, not map order: a seed must give one catalog.
		for _, name := range slices.Sorted(maps.Keys(bp.Schema.Properties)) {
			p := bp.Schema.Properties[name]
			if r.IntN(4) > 0 {
				e.Properties[name] = genValue(r, p)
			}
		}
		c.ents = append(c.ents, e)
		ids[bp.Identifier] = append(ids[bp.Identifier], id)
	}
	for _, e := range c.ents {
		bp := bps[slices.IndexFunc(bps, func(b *model.Blueprint) bool { return b.Identifier == e.Blueprint })]
		for _, name := range slices.Sorted(maps.Keys(bp.Relations)) {
			rel := bp.Relations[name]
			targets := ids[rel.Target]
			if len(targets) == 0 || r.IntN(4) == 0 {
				continue
			}
			var tos []string
			if rel.Many {
				for range r.IntN(3) {
					if t := pick(r, targets); !slices.Contains(tos, t) {
						tos = append(tos, t)
					}
				}
				e.Relations[name] = tos
			} else {
				t := pick(r, targets)
				// Chains: mostly point at an earlier entity, sometimes a cycle.
				tos = []string{t}
				e.Relations[name] = t
			}
			for _, t := range tos {
				c.edges = append(c.edges, model.Edge{From: e.Key(), Relation: name, To: model.EntityKey{Blueprint: rel.Target, Identifier: t}})
			}
		}
	}
	return c
}

var fieldOps = []string{"=", "!=", ">", ">=", "<", "<=", "contains", "doesNotContains", "containsAny", "beginsWith",
	"doesNotBeginsWith", "endsWith", "doesNotEndsWith", "in", "notIn", "between", "notBetween", "isEmpty", "isNotEmpty",
	"isExpired", "isNotExpired"}

var presets = []string{"today", "tomorrow", "yesterday", "lastDay", "lastWeek", "last2Weeks", "lastMonth", "last3Months",
	"last6Months", "last12Months", "last2Years", "last3Years", "nextDay", "nextWeek", "next2Weeks", "nextMonth",
	"next3Months", "next6Months", "next12Months"}

func genScalar(r *rand.Rand) any {
	switch r.IntN(10) {
	case 0, 1:
		return pick(r, numPool)
	case 2:
		return pick(r, boolPool)
	case 3:
		return nil
	case 4, 5:
		return pick(r, literalDatePool())
	}
	return pick(r, strPool)
}

func genRule(r *rand.Rand, c catalog, depth int) map[string]any {
	if depth < 3 && r.IntN(5) == 0 {
		return genGroup(r, c, depth+1)
	}
	anyID := func() string {
		if len(c.ents) == 0 || r.IntN(8) == 0 {
			return "missing"
		}
		return pick(r, c.ents).Identifier
	}
	switch r.IntN(14) {
	case 0:
		rule := map[string]any{"operator": "relatedTo", "blueprint": pick(r, []string{"service", "team", "node"}), "value": anyID()}
		if r.IntN(2) == 0 {
			rule["value"] = []any{anyID(), anyID()}
		}
		if d := r.IntN(3); d > 0 {
			rule["direction"] = []string{"", "upstream", "downstream"}[d]
		}
		if r.IntN(3) == 0 {
			rule["required"] = r.IntN(2) == 0
		}
		return rule
	case 1:
		rels := []string{"team", "deps", "node", "parent", "owner"}
		var path []any
		for i := range 1 + r.IntN(3) {
			if i == 0 && r.IntN(3) == 0 {
				path = append(path, map[string]any{"relation": pick(r, rels), "maxHops": 1 + r.IntN(15)})
			} else {
				path = append(path, pick(r, rels))
			}
		}
		prop := map[string]any{"path": path}
		if r.IntN(3) == 0 {
			prop["fromBlueprint"] = pick(r, []string{"service", "team", "node"})
		}
		return map[string]any{"operator": "matchAny", "property": prop, "value": []any{anyID(), anyID()}}
	case 2:
		return map[string]any{"propertySchema": map[string]any{"type": "string", "format": pick(r, []string{"", "user", "date-time"})},
			"operator": pick(r, []string{"=", "!=", "contains"}), "value": pick(r, strPool)}
	}
	field := pick(r, []string{"s", "n", "b", "tags", "nums", "dt", "obj", "u", "mixed", "$identifier", "$title", "$icon", "$blueprint",
		"$team", "$createdAt", "$updatedAt", "$createdBy", "$updatedBy", "@team", "@deps", "@parent"})
	rule := map[string]any{"property": field}
	if strings.HasPrefix(field, "@") {
		delete(rule, "property")
		rule["relation"] = field[1:]
	}
	op := pick(r, fieldOps)
	rule["operator"] = op
	switch op {
	case "isEmpty", "isNotEmpty", "isExpired", "isNotExpired":
	case "between", "notBetween":
		if r.IntN(2) == 0 {
			rule["value"] = map[string]any{"preset": pick(r, presets)}
		} else {
			a, b := pick(r, literalDatePool()), pick(r, literalDatePool())
			rule["value"] = map[string]any{"from": a, "to": b}
		}
	case "in", "notIn", "containsAny":
		var vs []any
		for range r.IntN(4) {
			vs = append(vs, genScalar(r))
		}
		if vs == nil {
			vs = []any{}
		}
		rule["value"] = vs
	default:
		rule["value"] = genScalar(r)
		if r.IntN(6) == 0 && field == "$team" {
			rule["value"] = map[string]any{"context": "userTeams", "property": "$identifier"}
		}
	}
	return rule
}

func genGroup(r *rand.Rand, c catalog, depth int) map[string]any {
	var rules []any
	for range r.IntN(4) {
		rules = append(rules, genRule(r, c, depth))
	}
	if rules == nil {
		rules = []any{}
	}
	return map[string]any{"combinator": pick(r, []string{"and", "or"}), "rules": rules}
}

type diffStore struct {
	name string
	s    store.Store
}

func loadCatalog(t testing.TB, s store.Store, c catalog) {
	t.Helper()
	var changes []store.EntityChange
	for _, e := range c.ents {
		var edges []model.Edge
		for _, ed := range c.edges {
			if ed.From == e.Key() {
				edges = append(edges, ed)
			}
		}
		changes = append(changes, storetest.Create(e, edges...))
	}
	storetest.Apply(t, s, storetest.Origin(0), changes...)
}

// runDiff checks one query on every executor; it returns false when the
// query was refused by Check (not an executor disagreement).
func runDiff(t testing.TB, stores []diffStore, c catalog, raw []byte) bool {
	_, ok := runDiffN(t, stores, c, raw)
	return ok
}

// runDiffN is runDiff returning how many entities matched.
func runDiffN(t testing.TB, stores []diffStore, c catalog, raw []byte) (int, bool) {
	t.Helper()
	q, err := query.Parse(raw)
	if err != nil {
		t.Fatalf("Parse(%s): %v", raw, err)
	}
	schema := query.Schema{Blueprints: diffBlueprints()}
	if err := query.Check(q, schema); err != nil {
		return 0, false
	}
	caller := &query.Caller{Teams: []*model.Entity{{Identifier: "core", Blueprint: "_team"}, {Identifier: "ops", Blueprint: "_team"}}}
	b, err := query.Bind(q, query.Env{Schema: schema, Clock: clocktest.New(diffNow), Caller: caller})
	if err != nil {
		t.Fatalf("Bind(%s): %v", raw, err)
	}
	ev, err := query.NewEvaluator(b, query.NewMemGraph(c.edges))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{}
	for _, e := range c.ents {
		ok, err := ev.Match(e)
		if err != nil {
			t.Fatalf("Eval(%s): %v", raw, err)
		}
		if ok {
			want = append(want, e.Blueprint+"/"+e.Identifier)
		}
	}
	slices.Sort(want)
	for _, ds := range stores {
		comp, err := query.Compile(b, ds.s.Dialect(), store.EntityAlias)
		if err != nil {
			t.Fatalf("Compile(%s): %v", raw, err)
		}
		walk, err := query.CompileWalking(b, ds.s.Dialect(), store.EntityAlias)
		if err != nil {
			t.Fatalf("CompileWalking(%s): %v", raw, err)
		}
		// Every form of the condition: Where; the Wide form, which on these
		// small catalogs materialises each reach inside its CASE; and the
		// Wide form that walks from every candidate, as wide reaches do.
		type form struct {
			name, where string
			args        []any
		}
		forms := []form{{"", comp.Where, comp.Args}}
		if comp.Wide != nil {
			forms = append(forms, form{" (Wide form)", comp.Wide.Where, comp.Wide.Args},
				form{" (Wide form, walking)", walk.Wide.Where, walk.Wide.Args})
		}
		// Reaches answered by the store's in-memory graph (SQLite), listed
		// as ids and, forced, as a membership test.
		var release []func()
		if rc, ok := ds.s.(store.Reacher); ok {
			lister, _ := ds.s.(interface{ SetReachListMax(int) })
			for _, listMax := range []int{1 << 20, 0} {
				if lister != nil {
					lister.SetReachListMax(listMax)
				}
				idx, err := query.CompileReaching(b, ds.s.Dialect(), store.EntityAlias, func(r *query.Related, forward bool) (func(store.Binder, string) string, func(), bool, error) {
					start := make([]model.EntityKey, len(r.IDs))
					for i, id := range r.IDs {
						start[i] = model.EntityKey{Blueprint: r.Blueprint, Identifier: id}
					}
					cond, rel, ok, err := rc.Reach(context.Background(), start, forward)
					if ok {
						indexAnswers.Add(1)
					}
					return cond, rel, ok, err
				})
				if err != nil {
					t.Fatalf("CompileReaching(%s): %v", raw, err)
				}
				release = append(release, idx.Release)
				forms = append(forms, form{fmt.Sprintf(" (graph index, lists up to %d)", listMax), idx.Where, idx.Args})
			}
			if lister != nil {
				lister.SetReachListMax(20_000)
			}
		}
		defer func() {
			for _, r := range release {
				r()
			}
		}()
		for _, f := range forms {
			got, err := ds.s.EntitySearch(context.Background(), &store.EntitySearchParams{Where: f.where, WhereArgs: f.args})
			if err != nil {
				t.Fatalf("%s%s: EntitySearch(%s): %v\nSQL: %s", ds.name, f.name, raw, err, f.where)
			}
			keys := []string{}
			for _, e := range got {
				keys = append(keys, e.Blueprint+"/"+e.Identifier)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, want) {
				t.Fatalf("%s%s disagrees with memory on %s\nmemory: %v\n%s: %v\nSQL: %s\nargs: %v", ds.name, f.name, raw, want, ds.name, keys, f.where, f.args)
			}
		}
	}
	return len(want), true
}

// indexAnswers counts relatedTo reaches the stores' graph indexes answered,
// so a test can tell the index form was not vacuous.
var indexAnswers atomic.Int64

func openDiffStores(t testing.TB) []diffStore {
	stores := []diffStore{{"sqlite", dbtest.OpenSQLite(t)}}
	if os.Getenv(dbtest.PGURLEnv) == "" && os.Getenv("CI") == "" {
		t.Logf("%s not set: PostgreSQL is NOT compared", dbtest.PGURLEnv)
		return stores
	}
	return append(stores, diffStore{"postgres", dbtest.OpenPostgres(t)})
}

func TestDifferential(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 42))
			c := genCatalog(r, 80)
			stores := openDiffStores(t)
			for _, ds := range stores {
				loadCatalog(t, ds.s, c)
			}
			checked, some := 0, 0
			for range 150 {
				g := genGroup(r, c, 0)
				// Each rule alone too: selective single rules pin operators.
				queries := []map[string]any{g}
				for _, rule := range g["rules"].([]any) {
					queries = append(queries, map[string]any{"combinator": "and", "rules": []any{rule}})
				}
				for _, q := range queries {
					raw, _ := json.Marshal(q)
					n, ok := runDiffN(t, stores, c, raw)
					if ok {
						checked++
					}
					if n > 0 && n < len(c.ents) {
						some++
					}
				}
			}
			t.Logf("%d stores, %d queries checked, %d selective, %d reaches from a graph index so far", len(stores), checked, some, indexAnswers.Load())
			if checked < 150 || some < 40 {
				t.Fatalf("only %d random queries passed Check, %d selective; the generator drifted", checked, some)
			}
		})
	}
}

// TestDifferentialIndexAnswers checks the graph-index form ran: SQLite keeps
// one, and the generator makes relatedTo rules.
func TestDifferentialIndexAnswers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 42))
	c := genCatalog(r, 40)
	stores := []diffStore{{"sqlite", dbtest.OpenSQLite(t)}}
	loadCatalog(t, stores[0].s, c)
	before := indexAnswers.Load()
	for range 100 {
		raw, _ := json.Marshal(genGroup(r, c, 0))
		runDiff(t, stores, c, raw)
	}
	if indexAnswers.Load() == before {
		t.Fatal("no relatedTo reach was answered by SQLite's graph index in 100 random queries")
	}
}

func FuzzDifferential(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(7), uint64(99))
	r := rand.New(rand.NewPCG(1, 1))
	c := genCatalog(r, 80)
	stores := openDiffStores(f)
	for _, ds := range stores {
		loadCatalog(f, ds.s, c)
	}
	f.Fuzz(func(t *testing.T, a, b uint64) {
		r := rand.New(rand.NewPCG(a, b))
		raw, _ := json.Marshal(genGroup(r, c, 0))
		runDiff(t, stores, c, raw)
	})
}
