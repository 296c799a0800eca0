package storetest

import (
	"context"
	"testing"

	"github.com/atrium-idp/atrium/internal/store"
)

func testTraverse(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	// web → api → {db, cache}; api → db twice over two relations; worker →
	// db; db ↔ replica (a cycle).
	seed := func(t *testing.T) store.Store {
		s := open(t)
		Apply(t, s, Origin(0),
			Create(NewEntity(EntityOpts{Blueprint: "db", Identifier: "db"}), Edge("db", "db", "replica", "db", "replica")),
			Create(NewEntity(EntityOpts{Blueprint: "db", Identifier: "replica"}), Edge("db", "replica", "primary", "db", "db")),
			Create(NewEntity(EntityOpts{Blueprint: "cache", Identifier: "cache"})),
			Create(NewEntity(EntityOpts{Identifier: "api"}),
				Edge("service", "api", "writes", "db", "db"), Edge("service", "api", "reads", "db", "db"),
				Edge("service", "api", "cache", "cache", "cache")),
			Create(NewEntity(EntityOpts{Identifier: "web"}), Edge("service", "web", "backend", "service", "api")),
			Create(NewEntity(EntityOpts{Identifier: "worker"}), Edge("service", "worker", "db", "db", "db")),
		)
		return s
	}
	node := func(bp, id string, hops int, pbp, pid, rel string) store.TraverseNode {
		return store.TraverseNode{Key: Key(bp, id), Hops: hops, Parent: Key(pbp, pid), Relation: rel}
	}
	walk := func(t *testing.T, s store.Store, p store.EdgeTraverseParams) *store.EdgeTraverseResult {
		t.Helper()
		got, err := s.EdgeTraverse(ctx, &p)
		if err != nil {
			t.Fatalf("EdgeTraverse(%+v): %v", p, err)
		}
		return got
	}

	t.Run("Walks", func(t *testing.T) {
		t.Parallel()
		s := seed(t)
		for _, tc := range []struct {
			name string
			p    store.EdgeTraverseParams
			want *store.EdgeTraverseResult
		}{
			{"Outgoing", store.EdgeTraverseParams{Start: Key("service", "web"), MaxHops: 5}, &store.EdgeTraverseResult{Nodes: []store.TraverseNode{
				node("service", "api", 1, "service", "web", "backend"),
				node("cache", "cache", 2, "service", "api", "cache"),
				node("db", "db", 2, "service", "api", "reads"), // smallest relation of two
				node("db", "replica", 3, "db", "db", "replica"),
			}}},
			{"OutgoingTwoHops", store.EdgeTraverseParams{Start: Key("service", "web"), MaxHops: 2}, &store.EdgeTraverseResult{Nodes: []store.TraverseNode{
				node("service", "api", 1, "service", "web", "backend"),
				node("cache", "cache", 2, "service", "api", "cache"),
				node("db", "db", 2, "service", "api", "reads"),
			}}},
			{"Incoming", store.EdgeTraverseParams{Start: Key("db", "db"), MaxHops: 5, Incoming: true}, &store.EdgeTraverseResult{Nodes: []store.TraverseNode{
				node("db", "replica", 1, "db", "db", "primary"),
				node("service", "api", 1, "db", "db", "reads"),
				node("service", "worker", 1, "db", "db", "db"),
				node("service", "web", 2, "service", "api", "backend"),
			}}},
			{"Truncated", store.EdgeTraverseParams{Start: Key("db", "db"), MaxHops: 5, Incoming: true, MaxNodes: 2}, &store.EdgeTraverseResult{Nodes: []store.TraverseNode{
				node("db", "replica", 1, "db", "db", "primary"),
				node("service", "api", 1, "db", "db", "reads"),
			}, Truncated: true}},
			{"Leaf", store.EdgeTraverseParams{Start: Key("cache", "cache"), MaxHops: 3}, &store.EdgeTraverseResult{Nodes: []store.TraverseNode{}}},
			{"Missing", store.EdgeTraverseParams{Start: Key("service", "nope"), MaxHops: 3, Incoming: true}, &store.EdgeTraverseResult{Nodes: []store.TraverseNode{}}},
		} {
			diff(t, tc.name, tc.want, walk(t, s, tc.p))
		}
		// Summaries: each node carries its own key, title and team.
		got := walk(t, s, store.EdgeTraverseParams{Start: Key("db", "db"), MaxHops: 5, Incoming: true, Summaries: true})
		if len(got.Nodes) != 4 {
			t.Fatalf("walk with summaries reached %d nodes, want 4", len(got.Nodes))
		}
		for _, n := range got.Nodes {
			if n.Summary == nil || n.Summary.Key() != n.Key || n.Summary.Title == "" || n.Summary.Team == nil {
				t.Errorf("node %v: summary %+v", n.Key, n.Summary)
			}
		}
	})

	t.Run("NoHops", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if _, err := s.EdgeTraverse(ctx, &store.EdgeTraverseParams{Start: Key("service", "x")}); err == nil {
			t.Error("EdgeTraverse with MaxHops 0: nil error, want one")
		}
	})
}
