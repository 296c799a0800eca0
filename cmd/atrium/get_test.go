package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/model"
)

func seedEntities(f *fakeAPI, n int) {
	f.bps["service"] = &model.Blueprint{Identifier: "service", Title: "Service",
		Relations: map[string]model.Relation{"dependsOn": {Target: "service", Many: true}}}
	f.ents["service"] = map[string]*model.Entity{}
	for i := range n {
		id := string(rune('a'+i)) + "-svc"
		f.ents["service"][id] = &model.Entity{Identifier: id, Title: strings.ToUpper(id), Blueprint: "service",
			Team: []string{"pay"}, Properties: map[string]any{"language": "Go"}, Relations: map[string]any{"dependsOn": []string{}}}
	}
}

func TestGetEntitiesPages(t *testing.T) {
	f, _ := newFakeAPI(t)
	seedEntities(f, 5)
	f.pageSize = 2
	out, err := run(t, "get", "entities", "service")
	if err != nil {
		t.Fatal(err)
	}
	want := `IDENTIFIER  TITLE  TEAM  UPDATED
a-svc       A-SVC  pay   -
b-svc       B-SVC  pay   -
c-svc       C-SVC  pay   -
d-svc       D-SVC  pay   -
e-svc       E-SVC  pay   -
`
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	wantReqs := []string{
		"GET /v1/blueprints/service/entities?limit=1000",
		"GET /v1/blueprints/service/entities?from=c-svc&limit=1000",
		"GET /v1/blueprints/service/entities?from=e-svc&limit=1000",
	}
	if diff := cmp.Diff(wantReqs, f.reqs); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestGetFormats(t *testing.T) {
	f, _ := newFakeAPI(t)
	seedEntities(f, 1)
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"get", "entities", "service", "a-svc"}, []string{"FIELD", "properties.language  Go", "relations.dependsOn  -"}},
		{[]string{"get", "entities", "service", "a-svc", "-o", "json"}, []string{`"identifier": "a-svc"`, `"language": "Go"`}},
		{[]string{"get", "entities", "service", "-o", "yaml"}, []string{"  identifier: a-svc", "    language: Go"}},
		{[]string{"get", "blueprints"}, []string{"IDENTIFIER  TITLE", "service     Service  0           dependsOn→service"}},
		{[]string{"get", "blueprints", "service", "-o", "json"}, []string{`"target": "service"`}},
	}
	for _, tc := range tests {
		out, err := run(t, tc.args...)
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v output lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
	if _, err := run(t, "get", "blueprints", "-o", "xml"); err == nil || !strings.Contains(err.Error(), "want table, json or yaml") {
		t.Errorf("-o xml error = %v", err)
	}
	_, err := run(t, "get", "entities", "service", "zzz")
	if err == nil || err.Error() != "entity not found [404 not_found]" {
		t.Errorf("missing entity error = %v", err)
	}
}

func TestDeleteEntity(t *testing.T) {
	f, _ := newFakeAPI(t)
	seedEntities(f, 2)
	out, err := run(t, "delete", "entity", "service", "a-svc", "--delete-dependents")
	if err != nil || out != "entity service/a-svc deleted\n" {
		t.Errorf("delete = %q, %v", out, err)
	}
	_, err = run(t, "delete", "entity", "service", "b-svc")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"DELETE /v1/blueprints/service/entities/a-svc?delete_dependents=true", "DELETE /v1/blueprints/service/entities/b-svc"}
	if diff := cmp.Diff(want, f.writes()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	_, err = run(t, "delete", "entity", "service", "a-svc")
	if err == nil || !strings.Contains(err.Error(), `entity "a-svc" of blueprint "service" not found [404 not_found]`) {
		t.Errorf("second delete error = %v", err)
	}
}

func TestClientUnreachable(t *testing.T) {
	t.Setenv(envURL, "http://127.0.0.1:1")
	_, err := run(t, "get", "blueprints")
	if err == nil || !strings.Contains(err.Error(), "is the server running?") {
		t.Errorf("error = %v", err)
	}
	t.Setenv(envURL, "not a url")
	if _, err := run(t, "get", "blueprints"); err == nil || !strings.Contains(err.Error(), "ATRIUM_URL") {
		t.Errorf("bad URL error = %v", err)
	}
}
