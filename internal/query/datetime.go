package query

import (
	"strings"
	"time"
)

// Date-times in properties (docs/data-model.md, "Date-times"). A property
// of format date-time or timer is stored in one canonical text form,
// DateTimeText: RFC 3339 in UTC with whole seconds, "2006-01-02T15:04:05Z".
// Every value has the same shape, so byte order is time order, and the SQL
// executors compare and sort such values as plain text (indexable, no
// parsing per row) exactly as Eval does. The catalog writes values in this
// form; Bind brings a query's literals and range bounds to it, so "=" and
// the order operators agree with what was stored whatever offset or
// fraction either side was written with.

// DateTimeText formats t in the canonical date-time form: RFC 3339, UTC,
// truncated to whole seconds (a fraction would break text order: '.' sorts
// before 'Z', and fractions of different lengths misorder).
func DateTimeText(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// CanonicalDateTime returns s in the canonical date-time form when s is an
// RFC 3339 date-time (any offset, any fraction, 't' and 'z' in either
// case), and false when it is not one.
func CanonicalDateTime(s string) (string, bool) {
	t, err := ParseDateTime(s)
	if err != nil {
		return "", false
	}
	return DateTimeText(t), true
}

// ParseDateTime parses an RFC 3339 date-time; RFC 3339 allows lower-case
// 't' and 'z', which Go's layout does not.
func ParseDateTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, strings.Map(func(r rune) rune {
		switch r {
		case 't':
			return 'T'
		case 'z':
			return 'Z'
		}
		return r
	}, s))
}

// IsDateTimeFormat reports whether a string property of format f holds
// date-times (and so is stored canonically).
func IsDateTimeFormat(f string) bool { return f == "date-time" || f == "timer" }

// dateTimeProperty reports whether property name holds date-times (or
// lists of them) on every blueprint in scope that declares it, so a literal
// compared with it may be brought to the canonical form.
func (s Schema) dateTimeProperty(name string) bool {
	found := false
	for _, b := range s.scope() {
		p, ok := b.Schema.Properties[name]
		if !ok {
			continue
		}
		format := p.Format
		if p.Type == "array" {
			format = ""
			if p.Items != nil && p.Items.Type == "string" {
				format = p.Items.Format
			}
		} else if p.Type != "string" {
			return false
		}
		if !IsDateTimeFormat(format) {
			return false
		}
		found = true
	}
	return found
}

// scalarDateTimeProperty reports whether name is, in every blueprint of the
// scope that has it, a single date-time string (not an array, not a
// computed value): its stored value is then one JSON string or absent, and
// a range over it may use the dialect's indexable form (store.TextRanger).
func (s Schema) scalarDateTimeProperty(name string) bool {
	found := false
	for _, b := range s.scope() {
		_, mirror := b.MirrorProperties[name]
		_, calc := b.CalculationProperties[name]
		_, agg := b.AggregationProperties[name]
		if mirror || calc || agg {
			return false
		}
		p, ok := b.Schema.Properties[name]
		if !ok {
			continue
		}
		if p.Type != "string" || !IsDateTimeFormat(p.Format) {
			return false
		}
		found = true
	}
	return found
}
