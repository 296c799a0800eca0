package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
)

// History and time travel routes (issue 3 §6): an entity's versions with
// diffs, as_of on GET of an entity (see entity.go), the catalog diff between
// two instants and Port's properties-history.
//
// Decisions:
//   - Instants (as_of, from, to) are RFC 3339 with an offset; a bad one is a
//     422 naming the parameter. Versions are valid from validFrom
//     (inclusive) to validTo (exclusive).
//   - GET /v1/catalog/diff answers {ok, added, removed, changed, next}:
//     added and removed hold {blueprint, identifier}, changed also the field
//     changes between the version at from and the one at to. It is paged by
//     limit (1..1000, default 100) entities examined, in the order of their
//     first change after from, and cursor = the previous page's next; a page
//     may hold fewer entries than limit while next is set.
//   - POST /v1/entities/properties-history answers {ok, points: [{time,
//     properties}]}: one point per bucket, time its start in the requested
//     zone, properties the value each one had at the end of the bucket or of
//     the range, whichever comes first (now for the current bucket), null
//     when it did not exist then.

// HistoryCatalog is the history part of the catalog service the API calls;
// *catalog.Service satisfies it.
type HistoryCatalog interface {
	EntityHistoryDiff(ctx context.Context, blueprint, id string) ([]*catalog.HistoryVersion, error)
	EntityGetAsOf(ctx context.Context, blueprint, id string, at time.Time) (*model.Entity, error)
	CatalogDiff(ctx context.Context, opts catalog.DiffOptions) (*catalog.DiffPage, error)
	PropertiesHistory(ctx context.Context, req *catalog.PropertiesHistoryRequest) ([]catalog.HistoryPoint, error)
}

// parseInstant parses an RFC 3339 instant from query parameter name; a bad
// one is a validation error naming it.
func parseInstant(name, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		ve := &model.ValidationError{}
		ve.Add(name, "must be an RFC 3339 timestamp such as 2026-11-23T10:00:00Z, got %q", v)
		return time.Time{}, ve
	}
	return t.UTC(), nil
}

type entityHistoryDiffOutput struct {
	Body struct {
		OK       bool                      `json:"ok"`
		Versions []*catalog.HistoryVersion `json:"versions"`
	}
}

type catalogDiffInput struct {
	From      string `query:"from" required:"true" doc:"The earlier instant (RFC 3339)."`
	To        string `query:"to" doc:"The later instant (RFC 3339); default now."`
	Blueprint string `query:"blueprint" doc:"Only entities of this blueprint."`
	Limit     int    `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"Entities examined per page."`
	Cursor    string `query:"cursor" doc:"The next cursor of the previous page."`
}

type catalogDiffOutput struct {
	Body struct {
		OK      bool                 `json:"ok"`
		Added   []catalog.DiffEntity `json:"added" doc:"Entities that did not exist at from and exist at to."`
		Removed []catalog.DiffEntity `json:"removed" doc:"Entities that existed at from and not at to."`
		Changed []catalog.DiffEntity `json:"changed" doc:"Entities that exist at both with different fields; changes go from the version at from to the one at to."`
		Next    string               `json:"next,omitempty" doc:"Cursor of the next page; absent on the last page."`
	}
}

type propertiesHistoryInput struct {
	Body catalog.PropertiesHistoryRequest
}

type propertiesHistoryOutput struct {
	Body struct {
		OK     bool                   `json:"ok"`
		Points []catalog.HistoryPoint `json:"points" doc:"One point per bucket, oldest first."`
	}
}

func (s *Server) registerHistory() {
	cat := s.opts.Catalog

	register(s, huma.Operation{
		OperationID: "getEntityHistory", Method: http.MethodGet, Path: "/v1/blueprints/{blueprint}/entities/{entity}/history",
		Summary: "List an entity's versions with their diffs, oldest first (Atrium extension)", Tags: []string{"Entities"},
		Description: "Every version: who (actor), when (validFrom, validTo), through what (origin, runId), the entity " +
			"as it was (null for the deletion) and the changes from the previous version. Survives the entity's deletion.",
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *EntityParams) (*entityHistoryDiffOutput, error) {
		vs, err := cat.EntityHistoryDiff(ctx, in.Blueprint, in.Entity)
		if err != nil {
			return nil, err
		}
		out := &entityHistoryDiffOutput{}
		out.Body.OK = true
		out.Body.Versions = nonNil(vs)
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "getCatalogDiff", Method: http.MethodGet, Path: "/v1/catalog/diff",
		Summary: "Entities added, removed and changed between two instants (Atrium extension)", Tags: []string{"History"},
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *catalogDiffInput) (*catalogDiffOutput, error) {
		from, err := parseInstant("from", in.From)
		if err != nil {
			return nil, err
		}
		var to time.Time
		if in.To != "" {
			if to, err = parseInstant("to", in.To); err != nil {
				return nil, err
			}
		}
		page, err := cat.CatalogDiff(ctx, catalog.DiffOptions{From: from, To: to, Blueprint: in.Blueprint, Limit: in.Limit, Cursor: in.Cursor})
		if err != nil {
			return nil, err
		}
		out := &catalogDiffOutput{}
		out.Body.OK = true
		out.Body.Added, out.Body.Removed, out.Body.Changed = nonNil(page.Added), nonNil(page.Removed), nonNil(page.Changed)
		out.Body.Next = page.Next
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "getPropertiesHistory", Method: http.MethodPost, Path: "/v1/entities/properties-history",
		Summary: "Time series of an entity's properties", Tags: []string{"History"},
		Description: "Port's properties-history: the range (a preset, or from/to) is cut into buckets of timeInterval " +
			"aligned in timeZone (default UTC); each point holds the value each property had at the end of its bucket.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *propertiesHistoryInput) (*propertiesHistoryOutput, error) {
		pts, err := cat.PropertiesHistory(ctx, &in.Body)
		if err != nil {
			return nil, err
		}
		out := &propertiesHistoryOutput{}
		out.Body.OK = true
		out.Body.Points = nonNil(pts)
		return out, nil
	})
}

// getEntity answers GET of an entity, now or, with as_of, as it was then.
func (s *Server) getEntity(ctx context.Context, in *entityGetInput) (*model.Entity, error) {
	if in.AsOf == "" {
		return s.opts.Catalog.EntityGet(ctx, in.Blueprint, in.Entity)
	}
	at, err := parseInstant("as_of", in.AsOf)
	if err != nil {
		return nil, err
	}
	return s.opts.Catalog.EntityGetAsOf(ctx, in.Blueprint, in.Entity, at)
}
