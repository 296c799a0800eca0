package examples_test

import (
	"testing"

	"github.com/atrium-idp/atrium/examples"
	"github.com/atrium-idp/atrium/internal/manifest"
	"github.com/atrium-idp/atrium/internal/model"
)

// load reads dirs from the embedded examples and checks the result is
// self-consistent: no duplicates, every entity of a known blueprint, every
// relation target present.
func load(t *testing.T, dirs ...string) *manifest.Set {
	t.Helper()
	set := &manifest.Set{}
	for _, d := range dirs {
		one, err := manifest.LoadFS(examples.FS(), d)
		if err != nil {
			t.Fatalf("LoadFS(%s): %v", d, err)
		}
		set.Add(one)
	}
	check(t, set)
	return set
}

// check fails t unless set is self-consistent.
func check(t *testing.T, set *manifest.Set) {
	t.Helper()
	if err := set.Check(); err != nil {
		t.Fatal(err)
	}
	bps := map[string]*manifest.Blueprint{}
	for _, bp := range set.Blueprints {
		bps[bp.Identifier] = bp
	}
	ents := map[model.EntityKey]bool{}
	for _, e := range set.Entities {
		ents[e.Key()] = true
	}
	for _, e := range set.Entities {
		if model.IsSystemBlueprint(e.Blueprint) {
			continue
		}
		bp, ok := bps[e.Blueprint]
		if !ok {
			t.Errorf("%s: unknown blueprint %q", e.Source, e.Blueprint)
			continue
		}
		for _, req := range bp.Schema.Required {
			if _, ok := e.Properties[req]; !ok {
				if bp.Schema.Properties[req].Default == nil {
					t.Errorf("%s: %s misses required property %s", e.Source, e.Identifier, req)
				}
			}
		}
		for rel := range e.Relations {
			r, ok := bp.Relations[rel]
			if !ok {
				t.Errorf("%s: %s: unknown relation %q", e.Source, e.Identifier, rel)
				continue
			}
			for _, id := range e.RelationTargets(rel) {
				if !ents[model.EntityKey{Blueprint: r.Target, Identifier: id}] {
					t.Errorf("%s: %s: relation %s points at missing %s/%s", e.Source, e.Identifier, rel, r.Target, id)
				}
			}
		}
		for _, tm := range e.Team {
			if !ents[model.EntityKey{Blueprint: model.TeamBlueprint, Identifier: tm}] {
				t.Errorf("%s: %s: unknown team %q", e.Source, e.Identifier, tm)
			}
		}
	}
}

func count(set *manifest.Set, bp string) int {
	n := 0
	for _, e := range set.Entities {
		if e.Blueprint == bp {
			n++
		}
	}
	return n
}

func TestExamples(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"c4", "sdlc"} {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			set := load(t, dir)
			if len(set.Blueprints) == 0 || len(set.Entities) == 0 {
				t.Errorf("%s: %d blueprints, %d entities", dir, len(set.Blueprints), len(set.Entities))
			}
		})
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	sdlc, err := manifest.LoadFS(examples.FS(), "sdlc/blueprints.yaml")
	if err != nil {
		t.Fatal(err)
	}
	demo, err := manifest.LoadFS(examples.FS(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	set := &manifest.Set{Blueprints: sdlc.Blueprints, Entities: demo.Entities}
	check(t, set)
	mins := map[string]int{"service": 50, "environment": 4, "_team": 8, "_user": 30, "runningService": 150, "deployment": 300}
	for bp, want := range mins {
		if got := count(set, bp); got < want {
			t.Errorf("demo has %d %s entities, want at least %d", got, bp, want)
		}
	}
	for _, e := range set.Entities {
		if e.Blueprint == "service" && len(e.Team) == 0 {
			t.Errorf("service %s has no owning team", e.Identifier)
		}
	}
	if err := set.Check(); err != nil {
		t.Fatal(err)
	}
	p := set.NewPlan(0)
	n := 0
	for _, b := range p.Batches {
		if b.Partial {
			t.Errorf("demo has a relation cycle at %s", b.Blueprint)
		}
		n += len(b.Entities)
	}
	if n != len(set.Entities) {
		t.Errorf("plan holds %d entities, want %d", n, len(set.Entities))
	}
}
