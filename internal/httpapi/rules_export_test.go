package httpapi

import "slices"

// RulePatterns lists the patterns of the rule table, sorted, so the external
// tests can check that every rule names a registered route.
func RulePatterns() []string {
	out := make([]string, 0, len(rules))
	for p := range rules {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
