package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// Full-text search page sizes.
const (
	DefaultTextSearchLimit = 20
	MaxTextSearchLimit     = 100
)

// TextSearchOptions narrow a full-text search.
type TextSearchOptions struct {
	// Blueprints restricts the search; empty means every blueprint. Each
	// must exist.
	Blueprints []string
	// Limit is 1..MaxTextSearchLimit; 0 means DefaultTextSearchLimit.
	Limit int
}

// TextHit is one full-text match, best first.
type TextHit struct {
	Blueprint  string `json:"blueprint"`
	Identifier string `json:"identifier"`
	Title      string `json:"title"`
	// Snippet is an excerpt of the best matching field, matched words
	// wrapped in <mark>…</mark>; the rest is stored text, not HTML-escaped.
	Snippet string `json:"snippet"`
}

// EntityTextSearch finds entities whose identifier, title or string property
// values contain every word of q (the last word as a prefix, so results
// follow typing), ranked across blueprints. q is plain text: quotes, stars,
// dashes and words like OR are never operators. A blank q is invalid
// (field "q"); a q of punctuation only matches nothing.
func (s *Service) EntityTextSearch(ctx context.Context, q string, opts TextSearchOptions) ([]TextHit, error) {
	verr := &model.ValidationError{Subject: "full-text search"}
	if strings.TrimSpace(q) == "" {
		verr.Add("q", "must not be empty")
	}
	limit := opts.Limit
	if limit == 0 {
		limit = DefaultTextSearchLimit
	}
	if limit < 1 || limit > MaxTextSearchLimit {
		verr.Add("limit", "must be between 1 and %d", MaxTextSearchLimit)
	}
	if err := verr.Err(); err != nil {
		return nil, err
	}
	for _, bp := range opts.Blueprints {
		if _, err := getBlueprint(ctx, s.opts.Store, bp); err != nil {
			return nil, err
		}
	}
	hits, err := s.readableTextHits(ctx, &store.EntityTextSearchParams{Query: q, Blueprints: opts.Blueprints, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]TextHit, len(hits))
	for i, h := range hits {
		out[i] = TextHit{Blueprint: h.Blueprint, Identifier: h.Identifier, Title: h.Title, Snippet: h.Snippet}
	}
	return out, nil
}

// maxTextScan bounds how many ranked hits a restricted caller's full-text
// search examines.
const maxTextScan = 4000

// readableTextHits returns the best p.Limit hits ctx's caller may read. The
// full-text index knows nothing of permissions, so for a restricted caller
// the hits are filtered after ranking (one store check per blueprint),
// asking for four times more hits each round until the page is full, the
// index has no more, or maxTextScan hits were examined — only then can a
// page come back short while more readable matches exist.
func (s *Service) readableTextHits(ctx context.Context, p *store.EntityTextSearchParams) ([]store.EntityTextHit, error) {
	a := s.newReadAccess(ctx, s.opts.Store, nil)
	limit := p.Limit
	ask := limit
	if !a.full() {
		ask = min(limit*4, maxTextScan)
	}
	for {
		q := *p
		q.Limit = ask
		hits, err := s.opts.Store.EntityTextSearch(ctx, &q)
		if err != nil {
			return nil, fmt.Errorf("full-text search: %w", err)
		}
		if a.full() {
			return hits, nil
		}
		keys := make([]model.EntityKey, len(hits))
		for i, h := range hits {
			keys[i] = model.EntityKey{Blueprint: h.Blueprint, Identifier: h.Identifier}
		}
		vis, err := a.visible(ctx, keys)
		if err != nil {
			return nil, err
		}
		out := make([]store.EntityTextHit, 0, limit)
		for i, h := range hits {
			if vis[keys[i]] && len(out) < limit {
				out = append(out, h)
			}
		}
		if len(out) == limit || len(hits) < ask || ask >= maxTextScan {
			return out, nil
		}
		ask = min(ask*4, maxTextScan)
	}
}
