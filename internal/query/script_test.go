package query_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
)

// Query semantics as data (STYLE §7): testdata/*.txt scripts load a catalog
// and state what each query returns, checked on every executor. Commands,
// one per line ('#' starts a comment):
//
//	now RFC3339                     the clock (default 2026-11-23T12:00:00Z)
//	blueprint ID {json}             a blueprint (schema, relations)
//	entity BP ID {json}             an entity (title, team, properties, relations, createdAt)
//	caller-teams ID…                the caller's teams, for context values
//	query {json}                    a rule tree over every blueprint
//	want BP/ID…                     the matching entities (any order; none when empty)
//	error PATH                      Parse, Check or Bind refuses it, naming PATH
func TestScripts(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			runScript(t, f)
		})
	}
}

func runScript(t *testing.T, file string) {
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var bps []*model.Blueprint
	var c catalog
	caller := &query.Caller{}
	var stores []diffStore
	loaded := false
	var pending []byte
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		cmd, rest, _ := strings.Cut(text, " ")
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("%s:%d: %s: "+format, append([]any{file, line, text}, args...)...)
		}
		switch cmd {
		case "now":
			if now, err = time.Parse(time.RFC3339, rest); err != nil {
				fail("%v", err)
			}
		case "blueprint":
			id, doc, _ := strings.Cut(rest, " ")
			bp := &model.Blueprint{}
			if err := json.Unmarshal([]byte(doc), bp); err != nil {
				fail("%v", err)
			}
			bp.Identifier = id
			bps = append(bps, bp)
		case "entity":
			f := strings.SplitN(rest, " ", 3)
			e := &model.Entity{Blueprint: f[0], Identifier: f[1], Team: []string{}, Properties: map[string]any{},
				Relations: map[string]any{}, CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour)}
			if len(f) == 3 {
				if err := json.Unmarshal([]byte(f[2]), e); err != nil {
					fail("%v", err)
				}
				e.Blueprint, e.Identifier = f[0], f[1]
			}
			c.ents = append(c.ents, e)
		case "caller-teams":
			for _, id := range strings.Fields(rest) {
				caller.Teams = append(caller.Teams, &model.Entity{Blueprint: model.TeamBlueprint, Identifier: id})
			}
		case "query":
			pending = []byte(rest)
		case "want", "error":
			if pending == nil {
				fail("no query before it")
			}
			if !loaded {
				c.edges = scriptEdges(bps, c.ents)
				stores = openDiffStores(t)
				for _, ds := range stores {
					loadCatalog(t, ds.s, c)
				}
				loaded = true
			}
			schema := query.Schema{Blueprints: bps}
			env := query.Env{Schema: schema, Clock: clocktest.New(now), Caller: caller}
			got, err := scriptRun(stores, c, pending, env)
			if cmd == "error" {
				var pe *query.ParseError
				var ve *model.ValidationError
				switch {
				case err == nil:
					fail("no error; matched %v", got)
				case errors.As(err, &pe) && pe.Path == rest:
				case errors.As(err, &ve) && slices.ContainsFunc(ve.Fields, func(f model.FieldError) bool { return f.Field == rest }):
				default:
					fail("error %v does not name %s", err, rest)
				}
				continue
			}
			if err != nil {
				fail("%v", err)
			}
			want := strings.Fields(rest)
			slices.Sort(want)
			for name, keys := range got {
				if !slices.Equal(keys, want) {
					fail("%s returned %v, want %v", name, keys, want)
				}
			}
		default:
			t.Fatalf("%s:%d: unknown command %q", file, line, cmd)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// scriptEdges derives edges from the entities' relations and the blueprints.
func scriptEdges(bps []*model.Blueprint, ents []*model.Entity) []model.Edge {
	var out []model.Edge
	for _, e := range ents {
		i := slices.IndexFunc(bps, func(b *model.Blueprint) bool { return b.Identifier == e.Blueprint })
		if i < 0 {
			continue
		}
		for name, rel := range bps[i].Relations {
			for _, to := range e.RelationTargets(name) {
				out = append(out, model.Edge{From: e.Key(), Relation: name, To: model.EntityKey{Blueprint: rel.Target, Identifier: to}})
			}
		}
	}
	return out
}

// scriptRun runs raw on memory and every store, returning sorted keys per
// executor.
func scriptRun(stores []diffStore, c catalog, raw []byte, env query.Env) (map[string][]string, error) {
	q, err := query.Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := query.Check(q, env.Schema); err != nil {
		return nil, err
	}
	b, err := query.Bind(q, env)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	ev, err := query.NewEvaluator(b, query.NewMemGraph(c.edges))
	if err != nil {
		return nil, err
	}
	mem := []string{}
	for _, e := range c.ents {
		ok, err := ev.Match(e)
		if err != nil {
			return nil, err
		}
		if ok {
			mem = append(mem, e.Blueprint+"/"+e.Identifier)
		}
	}
	slices.Sort(mem)
	out["memory"] = mem
	for _, ds := range stores {
		comp, err := query.Compile(b, ds.s.Dialect(), store.EntityAlias)
		if err != nil {
			return nil, err
		}
		es, err := ds.s.EntitySearch(context.Background(), &store.EntitySearchParams{Where: comp.Where, WhereArgs: comp.Args})
		if err != nil {
			return nil, err
		}
		keys := []string{}
		for _, e := range es {
			keys = append(keys, e.Blueprint+"/"+e.Identifier)
		}
		slices.Sort(keys)
		out[ds.name] = keys
	}
	return out, nil
}
