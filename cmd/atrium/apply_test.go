package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const applyManifest = `
identifier: service
title: Service
ownership: {type: Direct}
schema:
  properties:
    language: {type: string}
relations:
  system: {target: system}
---
identifier: system
title: System
schema: {properties: {}}
relations:
  lead: {target: service}
---
entities:
  - {blueprint: _team, identifier: pay}
  - {blueprint: service, identifier: payments, team: pay, properties: {language: Go}, relations: {system: billing}}
  - {blueprint: system, identifier: billing, relations: {lead: payments}}
`

func writeManifest(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "m.yaml"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Tests in this file set ATRIUM_URL with t.Setenv, so they do not run in
// parallel.

func TestApplyCreatesThenIsIdempotent(t *testing.T) {
	f, _ := newFakeAPI(t)
	dir := writeManifest(t, applyManifest)

	out, err := run(t, "apply", "-f", dir)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	wantOut := `blueprint system created
blueprint service created
entity _team/pay created
entity system/billing created
entity service/payments created
blueprints: 2 created, 0 updated, 0 unchanged; entities: 3 created, 0 updated, 0 unchanged
`
	if diff := cmp.Diff(wantOut, out); diff != "" {
		t.Errorf("first apply output (-want +got):\n%s", diff)
	}
	// Skeletons first (no relations), then complete blueprints; the cycle
	// payments→billing→payments is cut: payments is written without its
	// system first and completed last.
	wantWrites := []string{
		"POST /v1/blueprints",
		"POST /v1/blueprints",
		"PUT /v1/blueprints/system",
		"PUT /v1/blueprints/service",
		"POST /v1/blueprints/_team/entities/bulk?upsert=true",
		"POST /v1/blueprints/service/entities/bulk?upsert=true",
		"POST /v1/blueprints/system/entities/bulk?upsert=true",
		"POST /v1/blueprints/service/entities/bulk?upsert=true",
	}
	if diff := cmp.Diff(wantWrites, f.writes()); diff != "" {
		t.Errorf("first apply requests (-want +got):\n%s", diff)
	}
	if got := f.ents["service"]["payments"].Relations["system"]; got != "billing" {
		t.Errorf("payments.system = %v, want billing", got)
	}

	f.reset()
	out, err = run(t, "apply", "-f", dir)
	if err != nil {
		t.Fatalf("second apply: %v\n%s", err, out)
	}
	if !strings.HasSuffix(out, "blueprints: 0 created, 0 updated, 2 unchanged; entities: 0 created, 0 updated, 3 unchanged\n") {
		t.Errorf("second apply output:\n%s", out)
	}
	if w := f.writes(); len(w) != 0 {
		t.Errorf("second apply wrote: %v", w)
	}

	// A changed property updates just that entity; --quiet hides the rest.
	f.reset()
	dir2 := writeManifest(t, strings.Replace(applyManifest, "language: Go", "language: Rust", 1))
	out, err = run(t, "apply", "-q", "-f", dir2)
	if err != nil {
		t.Fatalf("third apply: %v\n%s", err, out)
	}
	wantOut = "entity service/payments updated\nblueprints: 0 created, 0 updated, 2 unchanged; entities: 0 created, 1 updated, 2 unchanged\n"
	if diff := cmp.Diff(wantOut, out); diff != "" {
		t.Errorf("third apply output (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"POST /v1/blueprints/service/entities/bulk?upsert=true"}, f.writes()); diff != "" {
		t.Errorf("third apply requests (-want +got):\n%s", diff)
	}
}

func TestApplyDryRunWritesNothing(t *testing.T) {
	f, _ := newFakeAPI(t)
	out, err := run(t, "apply", "--dry-run", "-f", writeManifest(t, applyManifest))
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "blueprint service created (dry run)") || !strings.Contains(out, "nothing written") {
		t.Errorf("output:\n%s", out)
	}
	if w := f.writes(); len(w) != 0 {
		t.Errorf("dry run wrote: %v", w)
	}
}

func TestApplyReportsFailures(t *testing.T) {
	f, _ := newFakeAPI(t)
	f.failEntity = "payments"
	out, err := run(t, "apply", "-f", writeManifest(t, applyManifest))
	if err == nil || !strings.Contains(err.Error(), "1 entities failed") {
		t.Errorf("apply error = %v", err)
	}
	if !strings.Contains(out, "entity service/payments failed: properties.language: value must be one of the enum") {
		t.Errorf("output lacks the API message:\n%s", out)
	}
}

func TestApplyErrors(t *testing.T) {
	newFakeAPI(t)
	tests := []struct {
		name, manifest, wantErr string
	}{
		{"parse error names file", "blueprint: x\nidentifier: a\nbogus: 1\n", `m.yaml: document 0: entity a: unknown field "bogus"`},
		{"API error message", "identifier: x\ntitle: X\nschema: {}\nrelations: {r: {target: nowhere}}\n", `relations.r.target: blueprint "nowhere" does not exist [422 invalid_request]`},
		{"unknown blueprint", "blueprint: nope\nidentifier: a\n", `list nope entities: blueprint "nope" not found [404 not_found]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(t, "apply", "-f", writeManifest(t, tc.manifest))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("apply error = %v, want it to contain %q\n%s", err, tc.wantErr, out)
			}
		})
	}
	if _, err := run(t, "apply"); err == nil {
		t.Errorf("apply without -f succeeded")
	}
}

func TestApplyExamples(t *testing.T) {
	f, _ := newFakeAPI(t)
	for _, dir := range []string{"../../examples/sdlc", "../../examples/c4"} {
		out, err := run(t, "apply", "-f", dir)
		if err != nil {
			t.Fatalf("apply %s: %v\n%s", dir, err, out)
		}
		f.reset()
		out, err = run(t, "apply", "-q", "-f", dir)
		if err != nil || strings.Contains(out, "entity ") || strings.Contains(out, "blueprint ") {
			t.Errorf("re-apply %s = %v:\n%s", dir, err, out)
		}
		if w := f.writes(); len(w) != 0 {
			t.Errorf("re-apply %s wrote %v", dir, w)
		}
	}
}

func TestApplyStdin(t *testing.T) {
	f, _ := newFakeAPI(t)
	cmd := newRootCmd()
	var out strings.Builder
	cmd.SetOut(&out)
	cmd.SetIn(strings.NewReader(`[{"blueprint": "_team", "identifier": "pay"}]`))
	cmd.SetArgs([]string{"apply", "-f", "-"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("apply -f -: %v\n%s", err, out.String())
	}
	if f.ents["_team"]["pay"] == nil || !strings.Contains(out.String(), "entity _team/pay created") {
		t.Errorf("apply -f - output:\n%s", out.String())
	}
}
