package catalog_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
)

// schemaBlueprint has one property of every type and format.
const schemaBlueprint = `{"identifier":"service","title":"Service","schema":{"properties":{
	"name":{"type":"string","minLength":2,"maxLength":5,"pattern":"^[a-z]+$"},
	"tier":{"type":"number","minimum":1,"maximum":3},
	"ratio":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1},
	"on":{"type":"boolean"},
	"meta":{"type":"object"},
	"slo":{"type":"object","properties":{"target":{"type":"number","maximum":100}}},
	"tags":{"type":"array","items":{"type":"string","enum":["a","b"]},"uniqueItems":true,"maxItems":3},
	"links":{"type":"array","items":{"type":"string","format":"url"}},
	"lang":{"type":"string","enum":["go","python"]},
	"dt":{"type":"string","format":"date-time"},
	"url":{"type":"string","format":"url"},
	"email":{"type":"string","format":"email"},
	"user":{"type":"string","format":"user"},
	"team":{"type":"string","format":"team"},
	"timer":{"type":"string","format":"timer"},
	"yaml":{"type":"string","format":"yaml"},
	"md":{"type":"string","format":"markdown"},
	"proto":{"type":"string","format":"proto"},
	"lurl":{"type":"object","format":"labeled-url"},
	"ip4":{"type":"string","format":"ipv4"},
	"ip6":{"type":"string","format":"ipv6"},
	"owner":{"type":"string"}
},"required":["owner"]}}`

// entityCases are property objects validated against schemaBlueprint;
// wantFields lists every field the error must name (nil: valid).
var entityCases = []struct {
	name       string
	props      string
	wantFields []string
}{
	{"only required", `{"owner":"x"}`, nil},
	{"every format valid", `{"owner":"x","name":"abc","tier":2,"ratio":0.5,"on":true,"meta":{"a":[1]},"slo":{"target":99.9},
		"tags":["a","b"],"links":["https://a.io/x"],"lang":"go","dt":"2026-01-02T03:04:05Z","url":"https://example.com",
		"email":"a@b.io","user":"jane@corp.io","team":"payments","timer":"2026-02-01T00:00:00Z","yaml":"a: 1\nb: [2]",
		"md":"# hi","proto":"syntax = \"proto3\";","lurl":{"url":"https://x.io","displayText":"X"},"ip4":"10.0.0.1","ip6":"::1"}`, nil},
	{"missing required", `{}`, []string{"properties.owner"}},
	{"unknown property", `{"owner":"x","nope":1}`, []string{"properties.nope"}},
	{"wrong type", `{"owner":"x","tier":"high"}`, []string{"properties.tier"}},
	{"maximum", `{"owner":"x","tier":7}`, []string{"properties.tier"}},
	{"exclusive", `{"owner":"x","ratio":1}`, []string{"properties.ratio"}},
	{"minLength", `{"owner":"x","name":"a"}`, []string{"properties.name"}},
	{"pattern", `{"owner":"x","name":"AB"}`, []string{"properties.name"}},
	{"enum", `{"owner":"x","lang":"rust"}`, []string{"properties.lang"}},
	{"array item enum", `{"owner":"x","tags":["a","z"]}`, []string{"properties.tags[1]"}},
	{"array unique", `{"owner":"x","tags":["a","a"]}`, []string{"properties.tags"}},
	{"array item url", `{"owner":"x","links":["https://ok.io","nope"]}`, []string{"properties.links[1]"}},
	{"nested object", `{"owner":"x","slo":{"target":120}}`, []string{"properties.slo.target"}},
	{"date-time", `{"owner":"x","dt":"yesterday"}`, []string{"properties.dt"}},
	{"url relative", `{"owner":"x","url":"/a/b"}`, []string{"properties.url"}},
	{"email", `{"owner":"x","email":"nope"}`, []string{"properties.email"}},
	{"user", `{"owner":"x","user":"jane"}`, []string{"properties.user"}},
	{"team", `{"owner":"x","team":"a b"}`, []string{"properties.team"}},
	{"timer", `{"owner":"x","timer":"soon"}`, []string{"properties.timer"}},
	{"yaml", `{"owner":"x","yaml":"a: [1"}`, []string{"properties.yaml"}},
	{"labeled url no url", `{"owner":"x","lurl":{"displayText":"X"}}`, []string{"properties.lurl"}},
	{"labeled url extra key", `{"owner":"x","lurl":{"url":"https://x.io","x":1}}`, []string{"properties.lurl"}},
	{"labeled url string", `{"owner":"x","lurl":"https://x.io"}`, []string{"properties.lurl"}},
	{"ipv4", `{"owner":"x","ip4":"300.1.1.1"}`, []string{"properties.ip4"}},
	{"ipv6", `{"owner":"x","ip6":"10.0.0.1"}`, []string{"properties.ip6"}},
	{"several", `{"tier":9,"lang":"rust"}`, []string{"properties.lang", "properties.owner", "properties.tier"}},
}

func compileSchemaBlueprint(t testing.TB) *catalog.EntitySchema {
	t.Helper()
	bp := decodeBlueprint(t, schemaBlueprint)
	if err := catalog.ValidateBlueprint(bp, nil); err != nil {
		t.Fatalf("ValidateBlueprint(schemaBlueprint) = %v", err)
	}
	sch, err := catalog.CompileEntitySchema(bp)
	if err != nil {
		t.Fatalf("CompileEntitySchema() = %v", err)
	}
	return sch
}

func TestEntitySchemaValidate(t *testing.T) {
	t.Parallel()
	sch := compileSchemaBlueprint(t)
	for _, tc := range entityCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var props map[string]any
			if err := json.Unmarshal([]byte(tc.props), &props); err != nil {
				t.Fatal(err)
			}
			err := sch.Validate(props)
			if tc.wantFields == nil {
				if err != nil {
					t.Fatalf("Validate(%s) = %v, want nil", tc.props, err)
				}
				return
			}
			var ve *model.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate(%s) = %v, want a *model.ValidationError", tc.props, err)
			}
			var got []string
			for _, f := range ve.Fields {
				if f.Reason == "" {
					t.Errorf("field %s has no reason", f.Field)
				}
				got = append(got, f.Field)
			}
			if diff := cmp.Diff(tc.wantFields, got); diff != "" {
				t.Errorf("Validate(%s) fields (-want +got):\n%s\nerror: %v", tc.props, diff, err)
			}
		})
	}
}

func TestEntitySchemaMessages(t *testing.T) {
	t.Parallel()
	sch := compileSchemaBlueprint(t)
	tests := []struct {
		props string
		want  string
	}{
		{`{"owner":"x","nope":1}`, "properties.nope: unknown property"},
		{`{}`, "properties.owner: is required"},
		{`{"owner":"x","tier":7}`, "properties.tier: must be at most 3"},
		{`{"owner":"x","tier":"a"}`, "properties.tier: must be a number, not string"},
		{`{"owner":"x","lang":"rust"}`, `properties.lang: must be one of "go", "python"`},
		{`{"owner":"x","name":"a"}`, "properties.name: must be at least 2 characters long"},
	}
	for _, tc := range tests {
		var props map[string]any
		if err := json.Unmarshal([]byte(tc.props), &props); err != nil {
			t.Fatal(err)
		}
		err := sch.Validate(props)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Validate(%s) = %v, want %q", tc.props, err, tc.want)
		}
	}
}

func BenchmarkEntitySchemaValidate(b *testing.B) {
	sch := compileSchemaBlueprint(b)
	var props map[string]any
	if err := json.Unmarshal([]byte(`{"owner":"x","name":"abc","tier":2,"lang":"go","tags":["a"],"url":"https://x.io","dt":"2026-01-02T03:04:05Z"}`), &props); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := sch.Validate(props); err != nil {
			b.Fatal(err)
		}
	}
}
