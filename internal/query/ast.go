package query

import "time"

// Query is a parsed rule tree. Parse returns it unbound; Bind returns a copy
// in which presets, caller context, property-schema rules and relation
// filters are resolved, ready for Eval and Compile.
type Query struct {
	Root  *Group
	bound bool
}

// Node is one element of a rule tree: *Group, *Rule, *Related, *MatchAny,
// *SchemaRule or Const.
type Node interface{ isNode() }

// Group combines rules with "and" (Or false) or "or".
type Group struct {
	Path  string // e.g. "query.rules[2]"
	Or    bool
	Rules []Node
}

// FieldKind says where a field's atoms come from.
type FieldKind int

// Field kinds.
const (
	FieldProperty FieldKind = iota + 1
	FieldMeta
	FieldRelation
)

// Field names what a rule tests.
type Field struct {
	Kind FieldKind
	Name string // property or relation identifier, or "$identifier" etc.
	// ScalarDateTime is set by Bind on a property that is a single
	// date-time string in every blueprint the query ranges over.
	ScalarDateTime bool
}

// Rule is a comparison of a field with a value.
type Rule struct {
	Path  string
	Field Field
	Op    string
	// Value is the JSON value as sent (nil, string, float64, bool, []any);
	// after Bind, Values holds the scalar list the operator compares with.
	Value    any
	HasValue bool
	Range    *Range
	Context  *Context
	Values   []any
	// Lo and Hi are bound range bounds (text), LoT and HiT the same instants.
	Lo, Hi   string
	LoT, HiT time.Time
}

// Range is a between/notBetween value: explicit bounds or a date preset.
type Range struct {
	From, To string
	Preset   string
}

// Context is a {"context": "user"|"userTeams", "property": p} value.
type Context struct {
	Kind     string
	Property string
}

// Related is a relatedTo rule.
type Related struct {
	Path      string
	Blueprint string
	IDs       []string
	Direction string // "", "upstream" or "downstream"
	Required  *bool
	// Allowed lists the relations followed after Bind when Required is set;
	// nil follows every relation.
	Allowed []RelationRef
}

// RelationRef names one relation of one blueprint.
type RelationRef struct {
	Blueprint string
	Relation  string
}

// MatchAny is a relation-path rule.
type MatchAny struct {
	Path          string
	Steps         []Step
	FromBlueprint string
	IDs           []string
	Context       *Context
}

// Step is one relation of a matchAny path, followed 1..MaxHops times.
type Step struct {
	Relation string
	MaxHops  int // 1 unless set
	// Targets lists, after Bind, the blueprints a relation named Relation
	// targets in the schema (SQL walks a path backward from them).
	Targets []string
}

// SchemaRule matches any property of a given schema.
type SchemaRule struct {
	Path   string
	Type   string
	Format string
	Items  string // items type, for arrays
	Op     string
	Value  any
}

// Const is a rule already decided (a bound rule that can never or always
// match).
type Const bool

func (*Group) isNode()      {}
func (*Rule) isNode()       {}
func (*Related) isNode()    {}
func (*MatchAny) isNode()   {}
func (*SchemaRule) isNode() {}
func (Const) isNode()       {}

// Meta-properties (reference/port.md §1.8).
var metaFields = map[string]bool{
	"$identifier": true, "$title": true, "$icon": true, "$blueprint": true, "$team": true,
	"$createdAt": true, "$updatedAt": true, "$createdBy": true, "$updatedBy": true,
}

// Operators of field rules, by family.
var (
	scalarOps = map[string]bool{"=": true, "!=": true}
	listOps   = map[string]bool{"in": true, "notIn": true, "containsAny": true}
	textOps   = map[string]bool{
		"contains": true, "doesNotContains": true, "beginsWith": true, "doesNotBeginsWith": true,
		"endsWith": true, "doesNotEndsWith": true,
	}
	orderOps = map[string]bool{">": true, ">=": true, "<": true, "<=": true}
	rangeOps = map[string]bool{"between": true, "notBetween": true}
	unaryOps = map[string]bool{"isEmpty": true, "isNotEmpty": true, "isExpired": true, "isNotExpired": true}
)

// negations maps each negated operator to its positive form.
var negations = map[string]string{
	"!=": "=", "notIn": "in", "doesNotContains": "contains", "doesNotBeginsWith": "beginsWith",
	"doesNotEndsWith": "endsWith", "notBetween": "between", "isNotEmpty": "isEmpty", "isNotExpired": "isExpired",
}

func isFieldOp(op string) bool {
	return scalarOps[op] || listOps[op] || textOps[op] || orderOps[op] || rangeOps[op] || unaryOps[op]
}

// presetNames lists every date preset.
var presetDays = map[string]int{
	"lastDay": 1, "lastWeek": 7, "last2Weeks": 14, "lastMonth": 30, "last3Months": 90, "last6Months": 180,
	"last12Months": 365, "last2Years": 730, "last3Years": 1095,
	"nextDay": 1, "nextWeek": 7, "next2Weeks": 14, "nextMonth": 30, "next3Months": 90, "next6Months": 180,
	"next12Months": 365,
}

func isPreset(p string) bool {
	return presetDays[p] > 0 || p == "today" || p == "tomorrow" || p == "yesterday"
}

// FollowsRelations reports whether q has a relatedTo or matchAny rule: one
// that reads other entities than the one tested.
func (q *Query) FollowsRelations() bool {
	if q == nil || q.Root == nil {
		return false
	}
	var follows func(n Node) bool
	follows = func(n Node) bool {
		switch n := n.(type) {
		case *Group:
			for _, r := range n.Rules {
				if follows(r) {
					return true
				}
			}
		case *Related, *MatchAny:
			return true
		}
		return false
	}
	return follows(q.Root)
}
