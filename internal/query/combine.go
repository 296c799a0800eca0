package query

// And returns a bound query matching the entities every one of qs matches.
// The catalog uses it to AND a caller's read condition into a bound search,
// keeping each part's paths for error messages. Every q must be bound.
func And(qs ...*Query) (*Query, error) { return combine(false, qs) }

// Or returns a bound query matching the entities any of qs matches (none
// when qs is empty). Every q must be bound.
func Or(qs ...*Query) (*Query, error) { return combine(true, qs) }

func combine(or bool, qs []*Query) (*Query, error) {
	g := &Group{Or: or}
	for _, q := range qs {
		if q == nil || !q.bound {
			return nil, ErrUnbound
		}
		g.Rules = append(g.Rules, q.Root)
	}
	return &Query{Root: g, bound: true}, nil
}

// Nothing returns a bound query matching no entity.
func Nothing() *Query { return &Query{Root: &Group{Or: true}, bound: true} }
