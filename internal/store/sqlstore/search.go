package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// sortColumns maps sortable meta-properties to entities columns.
var sortColumns = map[string]string{
	"$identifier": "identifier", "$title": "title", "$blueprint": "blueprint",
	"$createdAt": "created_at", "$updatedAt": "updated_at",
}

// EntitySearch runs a compiled query condition with keyset pagination on
// (sort values…, blueprint, identifier).
func (r *reader) EntitySearch(ctx context.Context, p *store.EntitySearchParams) ([]*model.Entity, error) {
	a := NewArgs(r.f)
	a.Vals = append(a.Vals, p.WhereArgs...)
	e := store.EntityAlias
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range strings.Split(entityCols, ", ") {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e + "." + c)
	}
	b.WriteString(" FROM entities " + e + " WHERE ")
	if p.Where != "" {
		b.WriteString("(" + p.Where + ")")
	} else {
		b.WriteString("1 = 1")
	}
	if p.Blueprint != "" {
		b.WriteString(" AND " + e + ".blueprint = " + a.Add(p.Blueprint))
	}
	type key struct {
		col  string
		desc bool
		val  any
	}
	keys := make([]key, 0, len(p.Sort)+2)
	for _, s := range p.Sort {
		col, ok := sortColumns[s.Field]
		if !ok {
			return nil, model.Invalidf("cannot sort by %q", s.Field)
		}
		keys = append(keys, key{col: e + "." + col, desc: s.Desc})
	}
	keys = append(keys, key{col: e + ".blueprint"}, key{col: e + ".identifier"})
	if c := p.After; c != nil {
		if len(c.Values) != len(p.Sort) {
			return nil, model.Invalidf("cursor does not match the sort")
		}
		for i, v := range c.Values {
			if t, ok := v.(time.Time); ok {
				v = r.f.TimeValue(t)
			}
			keys[i].val = v
		}
		keys[len(keys)-2].val, keys[len(keys)-1].val = c.Blueprint, c.Identifier
		// (k1 > v1) OR (k1 = v1 AND k2 > v2) OR … with > flipped for Desc.
		var ors []string
		for i := range keys {
			var ands []string
			for j := range i {
				ands = append(ands, keys[j].col+" = "+a.Add(keys[j].val))
			}
			op := " > "
			if keys[i].desc {
				op = " < "
			}
			ands = append(ands, keys[i].col+op+a.Add(keys[i].val))
			ors = append(ors, "("+strings.Join(ands, " AND ")+")")
		}
		b.WriteString(" AND (" + strings.Join(ors, " OR ") + ")")
	}
	b.WriteString(" ORDER BY ")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k.col)
		if k.desc {
			b.WriteString(" DESC")
		}
	}
	if p.Limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(p.Limit))
	}
	out, err := r.queryEntities(ctx, false, "search entities", b.String(), a.Vals)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return out, nil
}
