package sqlstore

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/atrium-idp/atrium/internal/model"
)

// TimeLayout is how SQLite stores times: fixed-width UTC text with
// microseconds, so text order is time order and round-trips are exact.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// timeScan scans a time column stored as a time.Time (PostgreSQL) or as
// TimeLayout text (SQLite), always returning UTC.
type timeScan struct{ t *time.Time }

func (s timeScan) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*s.t = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("cannot scan %T into a time", src)
	}
	return nil
}

func (s timeScan) parse(v string) error {
	t, err := time.Parse(TimeLayout, v)
	if err != nil {
		// Fall back to any RFC 3339 text, for rows written by hand.
		if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return fmt.Errorf("parse time %q: %w", v, err)
		}
	}
	*s.t = t.UTC()
	return nil
}

// nullTimeScan scans a nullable time column; NULL leaves *t nil.
type nullTimeScan struct{ t **time.Time }

func (s nullTimeScan) Scan(src any) error {
	if src == nil {
		*s.t = nil
		return nil
	}
	var t time.Time
	if err := (timeScan{&t}).Scan(src); err != nil {
		return err
	}
	*s.t = &t
	return nil
}

// jsonString appends s as a JSON string, as encoding/json would write it.
func jsonString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// jsonTime appends t as encoding/json writes a time.Time.
func jsonTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// entityJSON holds the encoded columns of one entity, as strings so one copy
// is bound everywhere it is stored (a []byte would bind as a BLOB).
type entityJSON struct {
	team, props, rels string
	// doc is the full entity document, as stored in versions and events.
	doc string
}

// encodeEntity encodes e's JSON columns and its full document once, so a
// batch write marshals each entity's maps a single time. The document matches
// json.Marshal(e) except that nil maps and Team are written empty, as they are
// read back. The columns are substrings of the document: one buffer, one
// string.
func encodeEntity(e *model.Entity) (entityJSON, error) {
	var out entityJSON
	// Room for a typical entity's document, so it rarely grows.
	b := make([]byte, 0, 640+len(e.Identifier)+len(e.Title))
	b = append(b, `{"identifier":`...)
	b = jsonString(b, e.Identifier)
	b = append(b, `,"title":`...)
	b = jsonString(b, e.Title)
	if e.Icon != "" {
		b = append(b, `,"icon":`...)
		b = jsonString(b, e.Icon)
	}
	b = append(b, `,"blueprint":`...)
	b = jsonString(b, e.Blueprint)
	// Each column's bounds in b; a nil Team or map is written empty.
	var team, props, rels [2]int
	var err error
	if b, team, err = appendColumn(b, `,"team":`, e.Team, e.Team == nil, "[]"); err != nil {
		return out, fmt.Errorf("encode team: %w", err)
	}
	if b, props, err = appendColumn(b, `,"properties":`, e.Properties, e.Properties == nil, "{}"); err != nil {
		return out, fmt.Errorf("encode properties: %w", err)
	}
	if b, rels, err = appendColumn(b, `,"relations":`, e.Relations, e.Relations == nil, "{}"); err != nil {
		return out, fmt.Errorf("encode relations: %w", err)
	}
	b = append(b, `,"createdAt":`...)
	b = jsonTime(b, e.CreatedAt)
	b = append(b, `,"createdBy":`...)
	b = jsonString(b, e.CreatedBy)
	b = append(b, `,"updatedAt":`...)
	b = jsonTime(b, e.UpdatedAt)
	b = append(b, `,"updatedBy":`...)
	b = jsonString(b, e.UpdatedBy)
	b = append(b, '}')
	out.doc = string(b)
	out.team, out.props, out.rels = out.doc[team[0]:team[1]], out.doc[props[0]:props[1]], out.doc[rels[0]:rels[1]]
	return out, nil
}

// appendColumn appends key, then v as JSON (empty when null), and returns
// where v's JSON starts and ends in b.
func appendColumn(b []byte, key string, v any, null bool, empty string) ([]byte, [2]int, error) {
	b = append(b, key...)
	start := len(b)
	if null {
		return append(b, empty...), [2]int{start, start + len(empty)}, nil
	}
	b, err := appendJSON(b, v)
	return b, [2]int{start, len(b)}, err
}

// decodeTeam decodes a team column; never nil.
func decodeTeam(b []byte) ([]string, error) {
	team := []string{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &team); err != nil {
			return nil, fmt.Errorf("decode team: %w", err)
		}
	}
	if team == nil {
		team = []string{}
	}
	return team, nil
}

// decodeObject decodes a properties or relations column; never nil.
func decodeObject(b []byte, what string) (map[string]any, error) {
	m := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("decode %s: %w", what, err)
		}
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// normaliseEntity makes decoded values identical whatever the driver: Team,
// Properties and Relations are never nil, relation lists are []string and
// times are UTC.
func normaliseEntity(e *model.Entity) {
	if e.Team == nil {
		e.Team = []string{}
	}
	if e.Properties == nil {
		e.Properties = map[string]any{}
	}
	if e.Relations == nil {
		e.Relations = map[string]any{}
	}
	normaliseRelations(e.Relations)
	e.CreatedAt = e.CreatedAt.UTC()
	e.UpdatedAt = e.UpdatedAt.UTC()
}

// normaliseRelations turns decoded relation lists ([]any) into []string.
func normaliseRelations(rels map[string]any) {
	for k, v := range rels {
		if l, ok := v.([]any); ok {
			s := make([]string, 0, len(l))
			for _, x := range l {
				switch x := x.(type) {
				case string:
					s = append(s, x)
				case float64:
					s = append(s, strconv.FormatFloat(x, 'f', -1, 64))
				}
			}
			rels[k] = s
		}
	}
}
