package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/bench/benchkit"
	"github.com/atrium-idp/atrium/internal/model"
)

// The dataset: an SDLC + C4 catalog of n entities in total, generated from a
// fixed seed, blueprint by blueprint so every relation target exists before
// the entities that point at it:
//
//	_team, _user → team                          (system blueprints)
//	domain
//	system       → domain                        (C4 software system)
//	service      → system, dependsOn (2 services) (owned by a team)
//	component    → service, system, dependsOn     (C4 container/component)
//	environment
//	runningService → service, environment
//	deployment   → service, environment, runningService
//
// A deployment reaches its domain in 4 hops (runningService → service →
// system → domain), a running service in 3. Identifiers are <prefix>-<index>
// so the benchmark can pick random existing ids without keeping the dataset.
type plan struct {
	n      int
	counts map[string]int // per blueprint
	order  []string       // load order
}

var prefix = map[string]string{
	model.TeamBlueprint: "team", model.UserBlueprint: "user", "domain": "dom", "system": "sys", "service": "svc",
	"component": "cmp", "environment": "env", "runningService": "rs", "deployment": "dep",
}

func newPlan(n int) *plan {
	p := &plan{n: n, counts: map[string]int{}}
	p.counts[model.TeamBlueprint] = max(10, n/1000)
	p.counts[model.UserBlueprint] = max(20, n/200)
	p.counts["domain"] = max(5, n/10000)
	p.counts["system"] = max(10, n/500)
	p.counts["environment"] = max(4, n/20000)
	p.counts["service"] = max(20, n*4/100)
	p.counts["component"] = max(20, n*6/100)
	p.counts["runningService"] = max(20, n*20/100)
	p.order = []string{model.TeamBlueprint, model.UserBlueprint, "domain", "system", "service", "component", "environment", "runningService", "deployment"}
	used := 0
	for _, bp := range p.order[:len(p.order)-1] {
		used += p.counts[bp]
	}
	p.counts["deployment"] = max(20, n-used)
	return p
}

func (p *plan) total() int {
	t := 0
	for _, c := range p.counts {
		t += c
	}
	return t
}

func id(bp string, i int) string {
	if bp == model.UserBlueprint {
		return fmt.Sprintf("user%06d@example.com", i)
	}
	return fmt.Sprintf("%s-%07d", prefix[bp], i)
}

// pick maps a random index in [0, limit) of the load order to a blueprint
// and an identifier; limit 0 means every entity.
func (p *plan) pick(r *rand.Rand, limit int) (string, string) {
	if limit <= 0 || limit > p.total() {
		limit = p.total()
	}
	i := r.IntN(limit)
	for _, bp := range p.order {
		if i < p.counts[bp] {
			return bp, id(bp, i)
		}
		i -= p.counts[bp]
	}
	panic("unreachable")
}

var languages = []string{"Go", "Python", "TypeScript", "Java", "Kotlin", "Rust", "C#", "Ruby", "Scala", "C++", "PHP", "Elixir"}

func blueprints() []*model.Blueprint {
	str := func(title string) model.Property { return model.Property{Type: "string", Title: title} }
	enum := func(vals ...any) model.Property { return model.Property{Type: "string", Enum: vals} }
	date := model.Property{Type: "string", Format: "date-time"}
	num := model.Property{Type: "number"}
	desc := model.Property{Type: "string", Title: "Description"}
	direct := &model.Ownership{Type: model.OwnershipDirect}
	langs := make([]any, len(languages))
	for i, l := range languages {
		langs[i] = l
	}
	return []*model.Blueprint{
		{Identifier: "domain", Title: "Domain", Ownership: direct, Schema: model.BlueprintSchema{Properties: map[string]model.Property{
			"description": desc,
		}}},
		{Identifier: "system", Title: "System", Ownership: direct, Schema: model.BlueprintSchema{Properties: map[string]model.Property{
			"description": desc, "lifecycle": enum("production", "experimental", "deprecated"), "createdOn": date,
		}}, Relations: map[string]model.Relation{"domain": {Target: "domain", Required: true}}},
		{Identifier: "service", Title: "Service", Ownership: direct, Schema: model.BlueprintSchema{Properties: map[string]model.Property{
			"description": desc, "language": enum(langs...), "tier": num, "lifecycle": enum("production", "experimental", "deprecated"),
			"createdOn": date, "onCall": str("On call"),
		}}, Relations: map[string]model.Relation{
			"system":    {Target: "system", Required: true},
			"dependsOn": {Target: "service", Many: true},
		}},
		{Identifier: "component", Title: "Component", Ownership: direct, Schema: model.BlueprintSchema{Properties: map[string]model.Property{
			"description": desc, "language": enum(langs...), "type": enum("library", "api", "worker", "ui", "database"), "createdOn": date,
		}}, Relations: map[string]model.Relation{
			"service":   {Target: "service", Required: true},
			"system":    {Target: "system"},
			"dependsOn": {Target: "component"},
		}},
		{Identifier: "environment", Title: "Environment", Schema: model.BlueprintSchema{Properties: map[string]model.Property{
			"type": enum("development", "staging", "production"), "region": str("Region"),
		}}},
		{Identifier: "runningService", Title: "Running service", Schema: model.BlueprintSchema{Properties: map[string]model.Property{
			"replicas": num, "status": enum("healthy", "degraded", "down"), "imageTag": str("Image tag"), "deployedAt": date,
		}}, Relations: map[string]model.Relation{
			"service":     {Target: "service", Required: true},
			"environment": {Target: "environment", Required: true},
		}},
		{Identifier: "deployment", Title: "Deployment", Schema: model.BlueprintSchema{Properties: map[string]model.Property{
			"version": str("Version"), "status": enum("success", "failure", "rolled_back"), "deployedAt": date,
			"durationS": num, "actor": {Type: "string", Format: "email"}, "description": desc,
		}}, Relations: map[string]model.Relation{
			"service":        {Target: "service", Required: true},
			"environment":    {Target: "environment", Required: true},
			"runningService": {Target: "runningService"},
		}},
	}
}

// words feed the free-text descriptions (uniformly), so any one word is
// found in a few percent of the entities.
var words = strings.Fields(`
account action adapter agent alert analytics api archive audit auth backend balance batch billing blob
bridge broker budget buffer build bundle cache calendar campaign canary capacity cart catalog certificate
channel chart checkout cipher claim classifier client cluster cohort collector compliance config connector
consent console consumer container contract controller cookie coupon crawler credential cron currency cursor
customer dashboard database dataset debug delivery deploy device digest directory discount dispatcher document
domain driver email encoder endpoint engine enrichment entitlement event exchange experiment export feature
feed filter firewall fleet forecast fraud frontend funnel gateway geo grant graph gRPC handler health history
identity image import inbox incident index ingest inventory invoice job journal kafka kernel key label ledger
license limiter listing loader locale lock log loyalty mailer manifest map market media merchant message
metric migration mobile model monitor notification oauth onboarding order orchestrator outbox parser partner
payment payout permission pipeline planner platform policy portal pricing printer privacy profile promotion
proxy publisher queue quota rating reconciler recommendation redis refund region registry relay renderer
replica report repository request resolver retention review risk router rule runtime sandbox scheduler schema
scoring search secret segment sensor session settlement shipping signal signup sitemap snapshot socket
storage stream subscription supplier survey sync tax telemetry template tenant ticket token tracker transfer
translation trigger upload usage validator vault vendor video wallet warehouse webhook widget worker workflow
`)

type gen struct {
	p    *plan
	r    *rand.Rand
	zipf *rand.Zipf
	base time.Time
}

func newGen(p *plan) *gen {
	r := rand.New(rand.NewPCG(42, 7))
	return &gen{p: p, r: r, zipf: rand.NewZipf(r, 1.3, 1, uint64(len(languages)-1)), base: time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)}
}

// date is spread uniformly over the two years from base.
func (g *gen) date() string {
	return g.base.Add(time.Duration(g.r.Int64N(int64(2 * 365 * 24 * time.Hour)))).Truncate(time.Second).Format(time.RFC3339)
}

func (g *gen) text(minW, maxW int) string {
	k := minW + g.r.IntN(maxW-minW+1)
	ws := make([]string, k)
	for i := range ws {
		ws[i] = words[g.r.IntN(len(words))]
	}
	return strings.Join(ws, " ")
}

func (g *gen) oneOf(vals ...string) string { return vals[g.r.IntN(len(vals))] }

func (g *gen) ref(bp string) string { return id(bp, g.r.IntN(g.p.counts[bp])) }

// rsService and rsEnv fix each running service's service and environment as
// a function of its index, so deployments can name a consistent triple.
func (p *plan) rsService(j int) string { return id("service", (j*7919)%p.counts["service"]) }
func (p *plan) rsEnv(j int) string     { return id("environment", j%p.counts["environment"]) }

// entity returns entity i of blueprint bp.
func (g *gen) entity(bp string, i int) *model.EntityInput {
	me := id(bp, i)
	team := []string{g.ref(model.TeamBlueprint)}
	switch bp {
	case model.TeamBlueprint:
		return benchkit.Input(me, "Team "+g.text(1, 2), nil, map[string]any{"description": g.text(5, 12), "size": 3 + g.r.IntN(12)}, nil)
	case model.UserBlueprint:
		teams := []string{g.ref(model.TeamBlueprint)}
		if g.r.IntN(3) == 0 {
			teams = append(teams, g.ref(model.TeamBlueprint))
		}
		return benchkit.Input(me, fmt.Sprintf("User %d", i), nil, map[string]any{"status": "Active", "port_role": "Member", "port_type": "Standard"},
			map[string]any{"team": dedupe(teams)})
	case "domain":
		return benchkit.Input(me, "Domain "+g.text(1, 2), team, map[string]any{"description": g.text(8, 20)}, nil)
	case "system":
		return benchkit.Input(me, "System "+g.text(1, 3), team, map[string]any{
			"description": g.text(8, 20), "lifecycle": g.oneOf("production", "production", "production", "experimental", "deprecated"), "createdOn": g.date(),
		}, map[string]any{"domain": g.ref("domain")})
	case "service":
		var deps []string
		if i > 0 {
			for range 2 {
				deps = append(deps, id("service", g.r.IntN(i)))
			}
		}
		return benchkit.Input(me, g.text(2, 3)+" service", team, map[string]any{
			"description": g.text(8, 20), "language": languages[g.zipf.Uint64()], "tier": g.r.IntN(4),
			"lifecycle": g.oneOf("production", "production", "production", "experimental", "deprecated"), "createdOn": g.date(),
			"onCall": fmt.Sprintf("https://oncall.example.com/%d", g.r.IntN(500)),
		}, map[string]any{"system": g.ref("system"), "dependsOn": dedupe(deps)})
	case "component":
		rels := map[string]any{"service": g.ref("service"), "system": g.ref("system")}
		if i > 0 {
			rels["dependsOn"] = id("component", g.r.IntN(i))
		}
		return benchkit.Input(me, g.text(2, 3)+" component", team, map[string]any{
			"description": g.text(8, 20), "language": languages[g.zipf.Uint64()],
			"type": g.oneOf("library", "library", "api", "worker", "ui", "database"), "createdOn": g.date(),
		}, rels)
	case "environment":
		return benchkit.Input(me, fmt.Sprintf("Environment %d", i), nil, map[string]any{
			"type": []string{"development", "staging", "production"}[i%3], "region": g.oneOf("eu-west-1", "us-east-1", "ap-south-1"),
		}, nil)
	case "runningService":
		return benchkit.Input(me, "", nil, map[string]any{
			"replicas": 1 + int(g.r.ExpFloat64()*4), "status": g.oneOf("healthy", "healthy", "healthy", "healthy", "degraded", "down"),
			"imageTag": fmt.Sprintf("v%d.%d.%d", g.r.IntN(5), g.r.IntN(30), g.r.IntN(100)), "deployedAt": g.date(),
		}, map[string]any{"service": g.p.rsService(i), "environment": g.p.rsEnv(i)})
	case "deployment":
		j := g.r.IntN(g.p.counts["runningService"])
		return benchkit.Input(me, "", nil, map[string]any{
			"version": fmt.Sprintf("1.%d.%d", g.r.IntN(40), g.r.IntN(100)), "status": g.oneOf("success", "success", "success", "failure", "rolled_back"),
			"deployedAt": g.date(), "durationS": g.r.IntN(900), "actor": fmt.Sprintf("dev%d@example.com", g.r.IntN(300)),
			"description": g.text(4, 12),
		}, map[string]any{"service": g.p.rsService(j), "environment": g.p.rsEnv(j), "runningService": id("runningService", j)})
	}
	panic("unknown blueprint " + bp)
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
