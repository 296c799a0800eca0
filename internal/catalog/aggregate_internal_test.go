package catalog

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/query"
)

func TestBlueprintScope(t *testing.T) {
	t.Parallel()
	bp := func(op, v string) string {
		return `{"property":"$blueprint","operator":"` + op + `","value":` + v + `}`
	}
	lang := `{"property":"language","operator":"=","value":"Go"}`
	tests := []struct {
		name string
		q    string
		want []string
	}{
		{"none", `{"combinator":"and","rules":[` + lang + `]}`, nil},
		{"equal", `{"combinator":"and","rules":[` + bp("=", `"service"`) + `,` + lang + `]}`, []string{"service"}},
		{"in", `{"combinator":"and","rules":[` + bp("in", `["service","db"]`) + `]}`, []string{"service", "db"}},
		{"nested and", `{"combinator":"and","rules":[{"combinator":"and","rules":[` + bp("=", `"db"`) + `]}]}`, []string{"db"}},
		{"intersected", `{"combinator":"and","rules":[` + bp("in", `["service","db"]`) + `,` + bp("=", `"db"`) + `]}`, []string{"db"}},
		{"contradiction", `{"combinator":"and","rules":[` + bp("=", `"service"`) + `,` + bp("=", `"db"`) + `]}`, []string{}},
		{"or does not narrow", `{"combinator":"or","rules":[` + bp("=", `"service"`) + `]}`, nil},
		{"nested or does not narrow", `{"combinator":"and","rules":[{"combinator":"or","rules":[` + bp("=", `"service"`) + `,` + lang + `]}]}`, nil},
		{"negation does not narrow", `{"combinator":"and","rules":[` + bp("!=", `"service"`) + `]}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := query.Parse([]byte(tc.q))
			if err != nil {
				t.Fatalf("Parse(%s): %v", tc.q, err)
			}
			if d := cmp.Diff(tc.want, blueprintScope(q.Root)); d != "" {
				t.Errorf("blueprintScope(%s) (-want +got):\n%s", tc.q, d)
			}
		})
	}
}
