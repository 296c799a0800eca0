package manifest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/manifest"
	"github.com/atrium-idp/atrium/internal/model"
)

func TestWithoutComputedDropsWhatTheServerComputes(t *testing.T) {
	t.Parallel()
	bp := &model.Blueprint{Identifier: "rs",
		Ownership:             &model.Ownership{Type: model.OwnershipInherited, Path: "service"},
		MirrorProperties:      map[string]model.MirrorProperty{"lang": {Path: "service.lang"}},
		CalculationProperties: map[string]model.CalculationProperty{"label": {Type: "string", Calculation: ".identifier"}},
		AggregationProperties: map[string]model.AggregationProperty{"n": {Target: "x"}},
	}
	e := &manifest.Entity{Blueprint: "rs", Identifier: "a", Team: manifest.Teams{"payments"},
		Properties: map[string]any{"status": "ok", "lang": "go", "label": "a", "n": 2.0}}
	got := manifest.WithoutComputed(e, bp)
	want := &manifest.Entity{Blueprint: "rs", Identifier: "a", Properties: map[string]any{"status": "ok"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("WithoutComputed (-want +got):\n%s", diff)
	}
	if len(e.Properties) != 4 || len(e.Team) != 1 {
		t.Fatalf("WithoutComputed changed its input: %+v", e)
	}
	// Direct ownership keeps the team.
	direct := &model.Blueprint{Identifier: "svc", Ownership: &model.Ownership{Type: model.OwnershipDirect}}
	if got := manifest.WithoutComputed(e, direct); len(got.Team) != 1 || len(got.Properties) != 4 {
		t.Fatalf("WithoutComputed under Direct ownership = %+v, want the entity unchanged", got)
	}
}
