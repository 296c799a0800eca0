package query_test

import (
	"testing"

	"github.com/atrium-idp/atrium/internal/query"
)

func TestFollowsRelations(t *testing.T) {
	for raw, want := range map[string]bool{
		`{"combinator": "and", "rules": [{"property": "tier", "operator": "=", "value": 1}]}`: false,
		`{"combinator": "or", "rules": [{"property": "tier", "operator": "=", "value": 1},
			{"combinator": "and", "rules": [{"operator": "relatedTo", "blueprint": "domain", "value": "d"}]}]}`: true,
		`{"combinator": "and", "rules": [{"operator": "matchAny", "property": {"path": ["system", "domain"]}, "value": "d"}]}`: true,
	} {
		q, err := query.Parse([]byte(raw))
		if err != nil {
			t.Fatalf("Parse(%s): %v", raw, err)
		}
		if got := q.FollowsRelations(); got != want {
			t.Errorf("FollowsRelations(%s) = %v, want %v", raw, got, want)
		}
	}
	var none *query.Query
	if none.FollowsRelations() {
		t.Error("a nil query follows relations")
	}
}
