// Command gen writes the demo catalog (examples/demo/*.yaml): 8 teams, 30
// users, 4 environments, 54 services, their running services and deployments
// for the SDLC model of examples/sdlc. The output is deterministic (a fixed
// seed and a fixed "now"), so regenerating changes nothing unless this file
// does:
//
//	go run ./examples/demo/gen
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// now is the demo's fixed present: every date is before it.
var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

type entity struct {
	Blueprint  string         `yaml:"blueprint"`
	Identifier string         `yaml:"identifier"`
	Title      string         `yaml:"title,omitempty"`
	Team       []string       `yaml:"team,omitempty"`
	Properties map[string]any `yaml:"properties,omitempty"`
	Relations  map[string]any `yaml:"relations,omitempty"`
}

type team struct{ id, title, desc string }

var teams = []team{
	{"payments", "Payments", "Money in and out: payments, ledger, billing"},
	{"checkout", "Checkout", "From cart to order"},
	{"identity", "Identity & Access", "Accounts, login and sessions"},
	{"search", "Search & Discovery", "Search, catalog and recommendations"},
	{"data-platform", "Data Platform", "Events, warehouse and ML features"},
	{"infrastructure", "Infrastructure", "The platform every service runs on"},
	{"mobile", "Mobile", "iOS and Android apps and their backends"},
	{"growth", "Growth", "Notifications, loyalty and experiments"},
}

var people = []string{
	"Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra",
	"Barbara Liskov", "Donald Knuth", "Margaret Hamilton", "Ken Thompson", "Radia Perlman",
	"Dennis Ritchie", "Frances Allen", "John McCarthy", "Hedy Lamarr", "Leslie Lamport",
	"Shafi Goldwasser", "Tim Berners-Lee", "Adele Goldberg", "Niklaus Wirth", "Sophie Wilson",
	"Bjarne Stroustrup", "Lynn Conway", "Rob Pike", "Anita Borg", "Guido van Rossum",
	"Jean Sammet", "Robert Griesemer", "Mary Kenneth Keller", "James Gosling", "Evelyn Boyd Granville",
}

// services lists the demo services with their owning team.
var services = []struct{ id, team, desc string }{
	{"payments-api", "payments", "Takes card payments and refunds"},
	{"ledger", "payments", "Double-entry ledger of every money movement"},
	{"billing", "payments", "Subscriptions and recurring charges"},
	{"invoicing", "payments", "Renders and sends invoices"},
	{"tax-calculator", "payments", "Sales tax and VAT per order"},
	{"fraud-detection", "payments", "Scores payments for fraud in real time"},
	{"payouts", "payments", "Pays sellers out daily"},
	{"currency-rates", "payments", "Foreign exchange rates, refreshed hourly"},
	{"checkout-web", "checkout", "The checkout pages"},
	{"cart", "checkout", "Shopping carts"},
	{"pricing", "checkout", "Prices, discounts and bundles"},
	{"order-service", "checkout", "Order lifecycle from placement to delivery"},
	{"shipping", "checkout", "Carrier rates and labels"},
	{"returns", "checkout", "Returns and exchanges"},
	{"coupons", "checkout", "Coupon codes and their redemption"},
	{"inventory", "checkout", "Stock levels per warehouse"},
	{"auth", "identity", "Login, sessions and tokens"},
	{"user-profile", "identity", "Profiles and preferences"},
	{"session-service", "identity", "Session storage"},
	{"audit-log", "identity", "Who did what, when"},
	{"risk-scoring", "identity", "Account takeover detection"},
	{"search-api", "search", "Product search"},
	{"search-indexer", "search", "Keeps the search index fresh"},
	{"recommendations", "search", "You may also like"},
	{"catalog-api", "search", "Products and categories"},
	{"sitemap-generator", "search", "Sitemaps for crawlers"},
	{"seo-renderer", "search", "Server-side rendering for crawlers"},
	{"translation", "search", "Product text in 14 languages"},
	{"analytics-ingest", "data-platform", "Collects client and server events"},
	{"etl-scheduler", "data-platform", "Schedules warehouse loads"},
	{"data-export", "data-platform", "Exports for partners"},
	{"ml-feature-store", "data-platform", "Features for models, online and offline"},
	{"reporting", "data-platform", "Business reports"},
	{"event-bus-bridge", "data-platform", "Bridges the event bus to the warehouse"},
	{"api-gateway", "infrastructure", "Edge routing, TLS and auth checks"},
	{"rate-limiter", "infrastructure", "Global rate limits"},
	{"config-service", "infrastructure", "Dynamic configuration"},
	{"feature-flags", "infrastructure", "Feature flags and rollouts"},
	{"status-page", "infrastructure", "Public status page"},
	{"media-service", "infrastructure", "Uploads and media storage"},
	{"image-resizer", "infrastructure", "On-the-fly image resizing"},
	{"webhooks", "infrastructure", "Outbound webhooks for partners"},
	{"mobile-bff", "mobile", "Backend for the mobile apps"},
	{"push-service", "mobile", "Push notifications"},
	{"geo-service", "mobile", "Geocoding and store locator"},
	{"app-config", "mobile", "Remote config for the apps"},
	{"notifications", "growth", "Notification preferences and fan-out"},
	{"email-sender", "growth", "Transactional and marketing email"},
	{"sms-gateway", "growth", "SMS through two providers"},
	{"loyalty", "growth", "Points and tiers"},
	{"referrals", "growth", "Refer-a-friend"},
	{"experiments", "growth", "A/B test assignment"},
	{"web-bff", "growth", "Backend for the web shop"},
	{"support-desk", "growth", "Customer support tooling"},
}

type env struct {
	id, title, typ, region, cloud string
}

var envs = []env{
	{"development", "Development", "development", "eu-west-1", "aws"},
	{"staging", "Staging", "staging", "eu-west-1", "aws"},
	{"production-eu", "Production EU", "production", "eu-west-1", "aws"},
	{"production-us", "Production US", "production", "us-east-1", "aws"},
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// weighted picks xs[i] with probability ws[i]/sum(ws).
func weighted(r *rand.Rand, xs []string, ws []int) string {
	total := 0
	for _, w := range ws {
		total += w
	}
	n := r.IntN(total)
	for i, w := range ws {
		if n < w {
			return xs[i]
		}
		n -= w
	}
	return xs[len(xs)-1]
}

func email(name string) string {
	return strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(name, " ", "."), "-", "")) + "@example.com"
}

func sha(r *rand.Rand) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 12)
	for i := range b {
		b[i] = hex[r.IntN(16)]
	}
	return string(b)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func main() {
	out := flag.String("out", "examples/demo", "directory to write the YAML files to")
	flag.Parse()
	r := rand.New(rand.NewPCG(2026, 7780))

	files := map[string][]entity{}
	var order []string
	add := func(file string, e entity) {
		if _, ok := files[file]; !ok {
			order = append(order, file)
		}
		files[file] = append(files[file], e)
	}

	members := map[string][]string{}
	size := map[string]int{}
	for i := range people {
		size[teams[i%len(teams)].id]++
		if i%11 == 3 {
			size[teams[(i+3)%len(teams)].id]++
		}
	}
	for _, t := range teams {
		add("teams.yaml", entity{Blueprint: "_team", Identifier: t.id, Title: t.title,
			Properties: map[string]any{"description": t.desc, "size": size[t.id]}})
	}
	for i, name := range people {
		tm := teams[i%len(teams)].id
		rel := []string{tm}
		if i%11 == 3 { // a few people sit in two teams
			rel = append(rel, teams[(i+3)%len(teams)].id)
		}
		for _, t := range rel {
			members[t] = append(members[t], email(name))
		}
		role := "Member"
		if i < len(teams) {
			role = "Moderator" // the first person of each team
		}
		if i == 0 {
			role = "Admin"
		}
		add("users.yaml", entity{Blueprint: "_user", Identifier: email(name), Title: name,
			Properties: map[string]any{"status": "Active", "port_role": role, "port_type": "Standard"},
			Relations:  map[string]any{"team": rel}})
	}
	for _, e := range envs {
		add("environments.yaml", entity{Blueprint: "environment", Identifier: e.id, Title: e.title,
			Properties: map[string]any{"type": e.typ, "region": e.region, "cloud": e.cloud,
				"url": "https://console.aws.amazon.com/?region=" + e.region}})
	}

	languages := []string{"Go", "Java", "Kotlin", "Python", "TypeScript", "Rust", "Ruby", "C#"}
	langWeights := []int{30, 18, 8, 16, 18, 4, 4, 2}
	for i, s := range services {
		tier := weighted(r, []string{"tier-1", "tier-2", "tier-3"}, []int{3, 4, 3})
		lifecycle := weighted(r, []string{"production", "experimental", "deprecated"}, []int{16, 2, 1})
		props := map[string]any{
			"description":  s.desc,
			"language":     weighted(r, languages, langWeights),
			"tier":         tier,
			"lifecycle":    lifecycle,
			"repository":   "https://github.com/acme/" + s.id,
			"onCall":       pick(r, members[s.team]),
			"slackChannel": "#team-" + s.team,
		}
		rels := map[string]any{}
		if i > 0 {
			deps := map[string]bool{}
			for range r.IntN(4) {
				deps[services[r.IntN(i)].id] = true // only earlier services: no cycles
			}
			if len(deps) > 0 {
				var list []string
				for _, d := range services[:i] {
					if deps[d.id] {
						list = append(list, d.id)
					}
				}
				rels["dependsOn"] = list
			}
		}
		add("services.yaml", entity{Blueprint: "service", Identifier: s.id, Title: s.id,
			Team: []string{s.team}, Properties: props, Relations: rels})

		major := 1 + r.IntN(3)
		minor := r.IntN(40)
		for _, e := range envs {
			if lifecycle == "experimental" && e.typ == "production" {
				continue
			}
			if e.typ != "development" && i >= 8 && r.IntN(10) == 0 {
				continue // not every service runs everywhere (the payments team's do)
			}
			rsID := s.id + "-" + e.id
			// Deployments, oldest first; the newest decides the running state.
			n := 2 + r.IntN(4)
			at := now.Add(-time.Duration(24*(n+r.IntN(30))) * time.Hour)
			patch := 0
			var lastVersion string
			var lastAt time.Time
			status := "Healthy"
			for k := range n {
				patch += 1 + r.IntN(2)
				version := fmt.Sprintf("%d.%d.%d", major, minor, patch)
				dstatus := weighted(r, []string{"Success", "Failed", "RolledBack"}, []int{17, 2, 1})
				if k == n-1 && e.typ == "development" && r.IntN(8) == 0 {
					dstatus = "InProgress"
				}
				at = at.Add(time.Duration(6+r.IntN(60)) * time.Hour)
				if at.After(now) {
					at = now.Add(-time.Duration(n-k) * time.Hour)
				}
				actor := pick(r, members[s.team])
				add("deployments.yaml", entity{Blueprint: "deployment",
					Identifier: rsID + "-" + version, Title: s.id + " " + version + " to " + e.id,
					Properties: map[string]any{
						"version":         version,
						"commitSha":       sha(r),
						"ciLink":          fmt.Sprintf("https://ci.acme.dev/%s/runs/%d", s.id, 1000+i*97+k),
						"actor":           actor,
						"status":          dstatus,
						"startedAt":       stamp(at),
						"durationSeconds": 60 + r.IntN(900),
					},
					Relations: map[string]any{"service": s.id, "environment": e.id, "runningService": rsID}})
				if dstatus == "Success" || dstatus == "InProgress" {
					lastVersion, lastAt = version, at
				}
				if dstatus == "Failed" && k == n-1 {
					status = "Degraded"
				}
			}
			if lastVersion == "" {
				lastVersion = fmt.Sprintf("%d.%d.0", major, minor)
				lastAt = at
			}
			if r.IntN(25) == 0 {
				status = weighted(r, []string{"Down", "Unknown"}, []int{1, 1})
			}
			replicas := 1
			if e.typ == "production" {
				replicas = 2 + r.IntN(10)
			} else if e.typ == "staging" {
				replicas = 1 + r.IntN(2)
			}
			dash := fmt.Sprintf("https://grafana.acme.dev/d/%s?var-env=%s", s.id, e.id)
			add("running-services.yaml", entity{Blueprint: "runningService", Identifier: rsID,
				Title: s.id + " in " + e.id,
				Properties: map[string]any{
					"imageTag":       lastVersion,
					"status":         status,
					"replicas":       replicas,
					"lastDeployedAt": stamp(lastAt),
					"links": []string{dash,
						fmt.Sprintf("https://logs.acme.dev/?q=service:%s+env:%s", s.id, e.id)},
					"dashboard": map[string]any{"url": dash, "displayText": "Grafana"},
				},
				Relations: map[string]any{"service": s.id, "environment": e.id}})
		}
	}

	// running-services must precede deployments for readers; apply orders
	// by relations anyway.
	for _, name := range order {
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(map[string]any{"entities": files[name]}); err != nil {
			log.Fatal(err)
		}
		body := buf.Bytes()
		header := fmt.Sprintf("# Code generated by go run ./examples/demo/gen; DO NOT EDIT.\n# %d entities.\n", len(files[name]))
		if err := os.WriteFile(filepath.Join(*out, name), append([]byte(header), body...), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d entities\n", filepath.Join(*out, name), len(files[name]))
	}
}
