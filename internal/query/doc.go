// Package query owns Atrium's rule-tree query language (reference/port.md
// §2.5, DESIGN §5): the AST, Parse, Check against blueprints, Bind (date
// presets from an injected clock, caller context, property-schema
// expansion), an in-memory evaluator (Eval) and a SQL compiler (Compile)
// that asks store.Dialect for every database difference.
//
// It imports model, store (for Dialect only) and clock. Services
// (catalog, later scorecards and automations) import it; it imports no
// service and no driver.
//
// # Semantics (identical in every executor)
//
// A field is a stored or computed (mirror, calculation, aggregation —
// materialised in the entity's properties by the catalog) property, a meta-property ($identifier, $title, $icon,
// $blueprint, $team, $createdAt, $updatedAt, $createdBy, $updatedBy) or a
// relation ({"relation": r}). A field yields a list of atoms: a missing or
// null property yields none; an array yields its elements; any other value
// yields itself; a relation yields its target identifiers; $team yields each
// team; other meta-properties yield exactly one atom.
//
//   - Positive operators hold when ANY atom matches: "=", "in" and
//     "containsAny" (typed equality: a string never equals a number or a
//     boolean; numbers compare numerically, 1 = 1.0), "contains",
//     "beginsWith", "endsWith" (case-sensitive, on string atoms only),
//     ">", ">=", "<", "<=" (a number value compares number atoms
//     numerically, a string value compares string atoms byte-wise), and
//     "between" (inclusive; string atoms compared byte-wise with the bounds).
//   - Every negated operator (!=, notIn, doesNotContains, doesNotBeginsWith,
//     doesNotEndsWith, notBetween, isNotEmpty, isNotExpired) is exactly NOT
//     its positive form, so a missing property matches every negation.
//   - "= null" and "in" a list holding null also match an empty field.
//   - isEmpty holds for a missing property, null, "", [] and {}; for "" on
//     text meta-properties; for $team when it has no team.
//   - Values of the wrong type never match (no coercion): "replicas" = "3"
//     is false for the number 3. Check refuses such queries up front where
//     the blueprint says the type.
//   - Date-times stored in properties (format date-time or timer) are
//     compared as text, which is time order because the catalog stores them
//     in one canonical form: RFC 3339, UTC, whole seconds
//     ("2006-01-02T15:04:05Z", DateTimeText; datetime.go). Bind brings range
//     bounds, isExpired's now, and the values of "=", "!=", "in", "notIn",
//     "containsAny" and the order operators to that form when the property
//     is a date-time on every blueprint in scope — whatever offset, fraction
//     (dropped) or letter case they were written with; text operators take
//     values as written. $createdAt and $updatedAt compare as instants.
//   - isExpired holds when a string atom is earlier (as text) than now;
//     isNotExpired is its negation.
//   - Date presets resolve against Env.Clock at Bind: today, yesterday,
//     tomorrow are whole UTC days; lastDay/lastWeek/last2Weeks/lastMonth/
//     last3Months/last6Months/last12Months/last2Years/last3Years are
//     [now − 1, 7, 14, 30, 90, 180, 365, 730, 1095 days, now]; the next…
//     presets mirror them into the future. A whole-day preset ends at the
//     day's last instant (23:59:59Z as text).
//   - relatedTo {blueprint B, value ids, direction}: "upstream" matches the
//     entities the given ones reach following relations forward (what they
//     depend on), transitively; "downstream" the entities that reach them;
//     no direction matches either. The given entities match only when a
//     cycle leads back to them. "required" follows only relations whose
//     required flag equals it.
//   - matchAny {path:[r1, r2, {relation, maxHops}], fromBlueprint F}: without
//     F, an entity matches when following r1 then r2 … from it reaches an
//     entity whose identifier is in value; with F, when some entity of F whose
//     identifier is in value reaches it along the path. A {relation, maxHops}
//     step follows that relation 1 to maxHops (≤ 15) times.
//   - propertySchema {type, format} rules expand to an OR over every
//     property of that schema ("=", "contains"); "!=" is the negation of "=".
//   - {"context": "user"|"userTeams", "property": p} values are the atoms of
//     p on the caller's user entity, or on each of the caller's teams; "="
//     against several atoms behaves as "in".
//   - The $team value "My Teams" stands for the caller's team identifiers.
//   - An "and" of no rules is true; an "or" of no rules is false.
package query
