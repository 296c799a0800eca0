package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
)

// searchAsOf answers a search over the catalog as it was at *opts.AsOf, from
// entity_versions: every entity alive then, in the version valid then —
// with its relations and its computed values as they were, since computed
// values are materialised in each version. The rule tree runs on the
// in-memory executor, which the differential tests hold to the same meaning
// as the SQL executors; relatedTo and matchAny walk the relations of those
// versions. Blueprints are today's (a property removed since is not shown).
//
// Cost: it reads every entity version alive at the instant — of the one
// blueprint searched when the query follows no relation, of every blueprint
// otherwise (relation rules cross blueprints) — so it is meant for audits
// and diffs, not for hot paths; bench/query measures it.
func (s *Service) searchAsOf(ctx context.Context, opts SearchOptions, bps map[string]*model.Blueprint, bound *query.Query, cur *searchCursor, limit int) (*SearchPage, error) {
	p := &store.EntityVersionsAtParams{At: *opts.AsOf}
	if opts.Blueprint != "" && !bound.FollowsRelations() {
		p.Blueprints = []string{opts.Blueprint}
	}
	vs, err := s.opts.Store.EntityVersionsAt(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("read the catalog as of %s: %w", query.TimeText(*opts.AsOf), err)
	}
	var edges []model.Edge
	var es []*model.Entity
	for _, v := range vs {
		bp := bps[v.Blueprint]
		if bp == nil || v.Entity == nil {
			continue
		}
		e := v.Entity
		normaliseEntity(bp, e)
		edges = append(edges, edgesOf(bp, e)...)
		if opts.Blueprint == "" || e.Blueprint == opts.Blueprint {
			es = append(es, e)
		}
	}
	var ev *query.Evaluator
	if bound != nil {
		if ev, err = query.NewEvaluator(bound, query.NewMemGraph(edges)); err != nil {
			return nil, err
		}
	}
	page := &SearchPage{Entities: []*model.Entity{}, MatchingBlueprints: []string{}}
	for _, e := range es { // vs is in (blueprint, identifier) order
		if cur != nil && (e.Blueprint < cur.Blueprint || (e.Blueprint == cur.Blueprint && e.Identifier <= cur.Identifier)) {
			continue
		}
		if ev != nil {
			ok, err := ev.Match(e)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		if len(page.Entities) == limit {
			if !opts.Paginate {
				return nil, &model.KindError{Kind: model.ErrTooLarge,
					Message: fmt.Sprintf("more than %d entities match; narrow the query or search one blueprint (paginated)", maxUnpagedSearch)}
			}
			last := page.Entities[limit-1]
			b, err := json.Marshal(searchCursor{Blueprint: last.Blueprint, Identifier: last.Identifier})
			if err != nil {
				return nil, fmt.Errorf("encode cursor: %w", err)
			}
			page.Next = base64.RawURLEncoding.EncodeToString(b)
			break
		}
		page.Entities = append(page.Entities, e)
		if !slices.Contains(page.MatchingBlueprints, e.Blueprint) {
			page.MatchingBlueprints = append(page.MatchingBlueprints, e.Blueprint)
		}
	}
	slices.Sort(page.MatchingBlueprints)
	return page, nil
}
