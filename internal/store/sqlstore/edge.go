package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// EdgeListIncoming returns the edges pointing at any of To, ordered by
// source key, relation, then target key.
func (r *reader) EdgeListIncoming(ctx context.Context, p *store.EdgeListIncomingParams) ([]model.Edge, error) {
	out := []model.Edge{}
	if err := r.forKeyChunks(ctx, incomingSpec, nil, p.To, func(_ string, rows *sql.Rows) error {
		var e model.Edge
		if err := rows.Scan(&e.From.Blueprint, &e.From.Identifier, &e.Relation, &e.To.Blueprint, &e.To.Identifier); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	}); err != nil {
		return nil, r.wrap("list incoming edges", err)
	}
	slices.SortFunc(out, func(a, b model.Edge) int {
		return cmp.Or(compareKeys(a.From, b.From), strings.Compare(a.Relation, b.Relation), compareKeys(a.To, b.To))
	})
	return out, nil
}
