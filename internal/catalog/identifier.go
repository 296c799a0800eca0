package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
)

// Identifier rules of port.md §1.11. Go's RE2 has no look-ahead, so the
// "(?!\.{1,2}$)" part of Port's blueprint and entity regexes is checked by
// isDots instead.
var (
	blueprintIDRe = regexp.MustCompile(`^[\p{L}0-9@_.+:\\/-]+$`)
	propertyIDRe  = regexp.MustCompile(`^[A-Za-z0-9@_=\-]+$`)
	// userIDRe is what a _user identifier must look like: an email address.
	userIDRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

const (
	maxBlueprintIDLen = 100
	maxPropertyIDLen  = 100
	maxEntityIDLen    = 1000
	// maxQueryMatches caps how many entities a relation or team query may
	// return (port.md §2.3).
	maxQueryMatches = 100
)

func isDots(s string) bool { return s == "." || s == ".." }

// checkBlueprintID returns a reason when id is not a valid blueprint identifier.
func checkBlueprintID(id string) string {
	switch {
	case id == "":
		return "is required"
	case len(id) > maxBlueprintIDLen:
		return fmt.Sprintf("must be at most %d characters long", maxBlueprintIDLen)
	case isDots(id) || !blueprintIDRe.MatchString(id):
		return "may contain only letters, digits and @ _ . + : \\ / - (and not be . or ..)"
	}
	return ""
}

// checkPropertyID returns a reason when id is not a valid property, relation,
// mirror, calculation or aggregation property identifier.
func checkPropertyID(id string) string {
	switch {
	case id == "":
		return "identifier must not be empty"
	case len(id) > maxPropertyIDLen:
		return fmt.Sprintf("identifier must be at most %d characters long", maxPropertyIDLen)
	case !propertyIDRe.MatchString(id):
		return "identifier may contain only letters A-Z a-z, digits and @ _ = -"
	}
	return ""
}

// checkEntityID returns a reason when id is not a valid entity identifier.
func checkEntityID(id string) string {
	switch {
	case id == "":
		return "is required"
	case len(id) > maxEntityIDLen:
		return fmt.Sprintf("must be at most %d characters long", maxEntityIDLen)
	case isDots(id) || !entityIDChars(id):
		return "may contain only letters, digits and @ _ . + : \\ / = - (and not be . or ..)"
	}
	return ""
}

// entityIDChars reports whether id is made of letters, digits and
// @ _ . + : \ / = - (Port's ^[\p{L}0-9@_.+:\\/=-]+$) without a regular
// expression: every entity of a bulk write and each of its relation targets
// is checked, and the expression cost ~2.5 µs an entity.
func entityIDChars(id string) bool {
	for _, r := range id { // invalid UTF-8 reads as utf8.RuneError, not a letter
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case strings.ContainsRune(`@_.+:\/=-`, r):
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
		default:
			return false
		}
	}
	return id != ""
}

// mapQuery is a parsed "map by property" query (port.md §2.3). The common
// subset — a flat {combinator, rules} whose rules use "=" or "in" on a
// property, $identifier or $title, where a "$blueprint" rule must name the
// blueprint searched — runs through store.EntityFind; any other query runs
// with the full language of the query package (full).
type mapQuery struct {
	or      bool
	matches []store.Match
	// full is set when the query goes beyond that subset: it is then run
	// by the query package (Service.findMap), with the full language.
	full *query.Query
	raw  json.RawMessage
}

type mapRule struct {
	Property   string          `json:"property"`
	Operator   string          `json:"operator"`
	Value      json.RawMessage `json:"value"`
	Combinator string          `json:"combinator"`
	Rules      json.RawMessage `json:"rules"`
}

// isQueryValue reports whether raw is a JSON object (a search query rather
// than an identifier).
func isQueryValue(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// parseMapQuery parses raw as a map-by-property query over blueprint bp:
// the "=" / "in" subset directly, anything else with the full query
// language (checked when it runs). Problems are returned as a reason for
// the caller's field.
func parseMapQuery(raw json.RawMessage, bp *model.Blueprint) (*mapQuery, string) {
	q, reason := parseSimpleMapQuery(raw, bp)
	if reason == "" {
		return q, ""
	}
	// Only a query beyond the subset goes to the full language; a subset
	// query keeps the subset's reasons ($blueprint must name bp, …).
	if full, err := query.Parse(raw); err == nil && !inMapSubset(full) {
		return &mapQuery{full: full, raw: raw}, ""
	}
	return nil, reason
}

// inMapSubset reports whether q is a flat list of "=" / "in" rules.
func inMapSubset(q *query.Query) bool {
	for _, n := range q.Root.Rules {
		r, ok := n.(*query.Rule)
		if !ok || (r.Op != "=" && r.Op != "in") || r.Field.Kind == query.FieldRelation || r.Context != nil {
			return false
		}
	}
	return true
}

func parseSimpleMapQuery(raw json.RawMessage, bp *model.Blueprint) (*mapQuery, string) {
	var q model.Query
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return nil, "must be a search query {combinator, rules}"
	}
	out := &mapQuery{}
	switch q.Combinator {
	case "and", "":
	case "or":
		out.or = true
	default:
		return nil, fmt.Sprintf("combinator must be \"and\" or \"or\", not %q", q.Combinator)
	}
	if len(q.Rules) == 0 {
		return nil, "search query needs at least one rule"
	}
	for i, rr := range q.Rules {
		var r mapRule
		if err := json.Unmarshal(rr, &r); err != nil {
			return nil, fmt.Sprintf("rules[%d] must be an object", i)
		}
		if r.Combinator != "" || r.Rules != nil {
			return nil, fmt.Sprintf("rules[%d]: nested rule groups are not supported here", i)
		}
		var values []any
		switch r.Operator {
		case "=":
			var v any
			if err := json.Unmarshal(r.Value, &v); err != nil || !isScalar(v) {
				return nil, fmt.Sprintf("rules[%d].value must be a string, number or boolean for operator =", i)
			}
			values = []any{v}
		case "in":
			if err := json.Unmarshal(r.Value, &values); err != nil {
				return nil, fmt.Sprintf("rules[%d].value must be an array for operator in", i)
			}
			for _, v := range values {
				if !isScalar(v) {
					return nil, fmt.Sprintf("rules[%d].value must hold only strings, numbers or booleans", i)
				}
			}
		default:
			return nil, fmt.Sprintf("rules[%d].operator must be \"=\" or \"in\" (the full query language is not available here), not %q", i, r.Operator)
		}
		switch {
		case r.Property == "$blueprint":
			ok := false
			for _, v := range values {
				if v == bp.Identifier {
					ok = true
				}
			}
			if !ok {
				return nil, fmt.Sprintf("rules[%d]: $blueprint must be %q", i, bp.Identifier)
			}
			if !out.or {
				continue // always true for the searched blueprint
			}
			// In an "or" a matching $blueprint rule makes the query match
			// everything; keep it simple and refuse that.
			return nil, fmt.Sprintf("rules[%d]: a $blueprint rule is only allowed with combinator \"and\"", i)
		case r.Property == "$identifier" || r.Property == "$title":
		case r.Property == "":
			return nil, fmt.Sprintf("rules[%d].property is required", i)
		default:
			if _, ok := bp.Schema.Properties[r.Property]; !ok {
				return nil, fmt.Sprintf("rules[%d].property %q is not a property of blueprint %q", i, r.Property, bp.Identifier)
			}
		}
		out.matches = append(out.matches, store.Match{Field: r.Property, Values: values})
	}
	if len(out.matches) == 0 {
		return nil, "search query needs a rule other than $blueprint"
	}
	return out, ""
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, float64, bool:
		return true
	}
	return false
}

// find runs q against rd, returning at most limit identifiers in identifier
// order (limit 0: no limit).
func (q *mapQuery) find(ctx context.Context, rd store.Reader, blueprint string, limit int) ([]string, error) {
	groups := [][]store.Match{q.matches}
	if q.or {
		groups = groups[:0]
		for _, m := range q.matches {
			groups = append(groups, []store.Match{m})
		}
	}
	seen := map[string]bool{}
	var ids []string
	for _, g := range groups {
		es, err := rd.EntityFind(ctx, &store.EntityFindParams{Blueprint: blueprint, Match: g, Limit: limit})
		if err != nil {
			return nil, fmt.Errorf("find entities of %s: %w", blueprint, err)
		}
		for _, e := range es {
			if !seen[e.Identifier] {
				seen[e.Identifier] = true
				ids = append(ids, e.Identifier)
			}
		}
	}
	sort.Strings(ids)
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}

// describe renders q for error messages.
func (q *mapQuery) describe() string {
	if q.full != nil {
		var b bytes.Buffer
		if json.Compact(&b, q.raw) == nil {
			return b.String()
		}
		return string(q.raw)
	}
	parts := make([]string, len(q.matches))
	for i, m := range q.matches {
		if len(m.Values) == 1 {
			parts[i] = fmt.Sprintf("%s = %v", m.Field, m.Values[0])
		} else {
			parts[i] = fmt.Sprintf("%s in %v", m.Field, m.Values)
		}
	}
	sep := " and "
	if q.or {
		sep = " or "
	}
	return strings.Join(parts, sep)
}
