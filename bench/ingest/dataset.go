package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/atrium-idp/atrium/bench/benchkit"
	"github.com/atrium-idp/atrium/internal/model"
)

// The benchmark's data model: the SDLC model of examples/sdlc, reduced to the
// fields a deployment record carries. Deployments are the measured entities:
// each has 3 relations (service, environment, runningService).
const (
	numServices     = 200
	numEnvironments = 4
)

var envNames = [numEnvironments]string{"dev", "staging", "production", "sandbox"}

func blueprints() []*model.Blueprint {
	str := func(title string) model.Property { return model.Property{Type: "string", Title: title} }
	return []*model.Blueprint{
		{Identifier: "environment", Title: "Environment", Schema: model.BlueprintSchema{
			Properties: map[string]model.Property{"type": {Type: "string", Enum: []any{"development", "staging", "production"}}},
		}},
		{Identifier: "service", Title: "Service", Schema: model.BlueprintSchema{
			Properties: map[string]model.Property{"language": str("Language"), "tier": {Type: "number", Minimum: ptr(0.0), Maximum: ptr(3.0)}},
		}},
		{Identifier: "runningService", Title: "Running service", Schema: model.BlueprintSchema{
			Properties: map[string]model.Property{"imageTag": str("Image tag"), "status": {Type: "string", Enum: []any{"healthy", "degraded", "down"}}},
		}, Relations: map[string]model.Relation{
			"service":     {Target: "service", Required: true},
			"environment": {Target: "environment", Required: true},
		}},
		{Identifier: "deployment", Title: "Deployment", Schema: model.BlueprintSchema{
			Properties: map[string]model.Property{
				"version":    str("Version"),
				"commit":     {Type: "string", Pattern: "^[0-9a-f]{40}$"},
				"ciLink":     {Type: "string", Format: "url"},
				"actor":      {Type: "string", Format: "email"},
				"status":     {Type: "string", Enum: []any{"success", "failure", "rolled_back"}},
				"deployedAt": {Type: "string", Format: "date-time"},
				"durationS":  {Type: "number", Minimum: ptr(0.0)},
			},
			Required: []string{"version", "commit"},
		}, Relations: map[string]model.Relation{
			"service":        {Target: "service", Required: true},
			"environment":    {Target: "environment", Required: true},
			"runningService": {Target: "runningService"},
		}},
	}
}

func ptr[T any](v T) *T { return &v }

// targets returns the environments, services and running services the
// deployments point at, loaded before the timed part.
func targets() map[string][]*model.EntityInput {
	out := map[string][]*model.EntityInput{}
	for i, e := range envNames {
		out["environment"] = append(out["environment"], input3(e, "", map[string]any{"type": []string{"development", "staging", "production", "development"}[i]}, nil))
	}
	langs := []string{"Go", "Python", "Java", "TypeScript", "Rust"}
	for i := range numServices {
		id := fmt.Sprintf("svc-%03d", i)
		out["service"] = append(out["service"], input3(id, "", map[string]any{"language": langs[i%len(langs)], "tier": i % 4}, nil))
		for _, e := range envNames {
			out["runningService"] = append(out["runningService"], input3(id+"-"+e, "", map[string]any{"imageTag": "v1.0." + fmt.Sprint(i), "status": "healthy"},
				map[string]any{"service": id, "environment": e}))
		}
	}
	return out
}

// deployments returns n deployment inputs with 3 relations each, generated
// from a fixed seed so every run loads the same rows.
func deployments(n int) []*model.EntityInput {
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	statuses := []string{"success", "success", "success", "failure", "rolled_back"}
	out := make([]*model.EntityInput, n)
	for i := range n {
		svc := fmt.Sprintf("svc-%03d", r.IntN(numServices))
		env := envNames[r.IntN(numEnvironments)]
		commit := fmt.Sprintf("%016x%016x%08x", r.Uint64(), r.Uint64(), r.Uint32())
		out[i] = input3(fmt.Sprintf("dep-%07d", i), fmt.Sprintf("%s to %s #%d", svc, env, i), map[string]any{
			"version":    fmt.Sprintf("1.%d.%d", r.IntN(40), r.IntN(100)),
			"commit":     commit,
			"ciLink":     fmt.Sprintf("https://ci.example.com/%s/runs/%d", svc, i),
			"actor":      fmt.Sprintf("dev%d@example.com", r.IntN(30)),
			"status":     statuses[r.IntN(len(statuses))],
			"deployedAt": base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			"durationS":  r.IntN(900),
		}, map[string]any{"service": svc, "environment": env, "runningService": svc + "-" + env})
	}
	return out
}

// input3 is benchkit.Input without teams (deployments have inherited owners).
func input3(id, title string, props, rels map[string]any) *model.EntityInput {
	return benchkit.Input(id, title, nil, props, rels)
}
