package model

import "encoding/json"

// Query is a rule tree (port.md §2.5): {combinator, rules}. Each rule is kept
// raw; the query package parses the full language. Until it lands, the catalog
// understands the simple "map by property" subset (= and in).
type Query struct {
	Combinator string            `json:"combinator"`
	Rules      []json.RawMessage `json:"rules"`
}
