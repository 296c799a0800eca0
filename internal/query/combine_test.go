package query_test

import (
	"errors"
	"testing"

	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
)

func TestCombine(t *testing.T) {
	t.Parallel()
	bind := func(rule string) *query.Query {
		t.Helper()
		q, err := query.Parse([]byte(`{"combinator":"and","rules":[` + rule + `]}`))
		if err != nil {
			t.Fatal(err)
		}
		b, err := query.Bind(q, query.Env{Schema: testSchema(), Clock: clocktest.New(testNow)})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	goLang := bind(`{"property":"language","operator":"=","value":"Go"}`)
	core := bind(`{"property":"$team","operator":"containsAny","value":["core"]}`)
	ops := bind(`{"property":"$team","operator":"containsAny","value":["ops"]}`)
	e := &model.Entity{Identifier: "api", Blueprint: "service", Team: []string{"core"},
		Properties: map[string]any{"language": "Go"}, Relations: map[string]any{}}
	must := func(q *query.Query, err error) *query.Query {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	tests := []struct {
		name string
		q    *query.Query
		want bool
	}{
		{"and both", must(query.And(goLang, core)), true},
		{"and one", must(query.And(goLang, ops)), false},
		{"and none", must(query.And()), true},
		{"or one", must(query.Or(ops, core)), true},
		{"or neither", must(query.Or(ops, ops)), false},
		{"or none", must(query.Or()), false},
		{"nothing", query.Nothing(), false},
		{"nested", must(query.And(goLang, must(query.Or(ops, core)))), true},
	}
	for _, tc := range tests {
		got, err := query.Eval(tc.q, e, nil)
		if err != nil || got != tc.want {
			t.Errorf("%s: Eval = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	unbound, err := query.Parse([]byte(`{"combinator":"and","rules":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := query.And(goLang, unbound); !errors.Is(err, query.ErrUnbound) {
		t.Errorf("And(unbound) = %v, want ErrUnbound", err)
	}
}
