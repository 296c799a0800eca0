package catalog

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
)

// Entity decisions (port.md §2.1 leaves these open):
//   - title defaults to the identifier when not sent (or sent as null);
//   - team is allowed only on blueprints with Direct ownership, and every team
//     must exist as a _team entity (checked in the same transaction);
//   - _user identifiers must be email addresses;
//   - team is kept as given, without duplicates; it is a field, not an edge, so
//     deleting a team is not blocked by the entities it owns;
//   - properties and relations the blueprint no longer declares are not
//     returned and are dropped on the entity's next write;
//   - only PATCH renames an entity (identifier in the body); PUT refuses a
//     different identifier.

// relValue is one parsed relation (or team) value of an input.
type relValue struct {
	null  bool      // JSON null: clear
	ids   []string  // identifiers sent
	query *mapQuery // or a search query
	raw   json.RawMessage
}

// parsedInput is an EntityInput decoded against its blueprint. set* flags
// tell a field sent as null from one not sent.
type parsedInput struct {
	titleSet bool
	title    *string
	iconSet  bool
	icon     *string
	teamSet  bool
	team     relValue
	props    map[string]any // nil value: clear (PATCH/merge)
	rels     map[string]relValue
}

// parseInput decodes in's fields (not the identifier) for blueprint bp,
// recording problems in ve.
func parseInput(ve *model.ValidationError, bp *model.Blueprint, teamBP *model.Blueprint, in *model.EntityInput) *parsedInput {
	p := &parsedInput{}
	if in.Blueprint != "" && in.Blueprint != bp.Identifier {
		ve.Add("blueprint", "must be %q (the blueprint in the URL)", bp.Identifier)
	}
	if in.Title != nil {
		p.titleSet = true
		if !isNull(in.Title) {
			var t string
			if json.Unmarshal(in.Title, &t) != nil {
				ve.Add("title", "must be a string or null")
			} else {
				p.title = &t
			}
		}
	}
	if in.Icon != nil {
		p.iconSet = true
		if !isNull(in.Icon) {
			var t string
			if json.Unmarshal(in.Icon, &t) != nil {
				ve.Add("icon", "must be a string or null")
			} else {
				p.icon = &t
			}
		}
	}
	if in.Team != nil {
		p.teamSet = true
		if teamBP == nil && isQueryValue(in.Team) {
			ve.Add("team", "teams cannot be searched: the %s blueprint does not exist", model.TeamBlueprint)
		}
		p.team = parseRelValue(ve, "", in.Team, true, teamBP)
		direct := bp.Ownership != nil && bp.Ownership.Type == model.OwnershipDirect
		if !direct && (len(p.team.ids) > 0 || p.team.query != nil) {
			ve.Add("team", "blueprint %q has no Direct ownership, so its entities cannot name teams", bp.Identifier)
		}
	}
	p.props = make(map[string]any, len(in.Properties))
	for _, k := range sortedKeys(in.Properties) {
		v, err := decodeValue(in.Properties[k])
		if err != nil {
			ve.Add("properties."+k, "is not valid JSON")
			continue
		}
		p.props[k] = v
	}
	p.rels = make(map[string]relValue, len(in.Relations))
	for _, k := range sortedKeys(in.Relations) {
		r, ok := bp.Relations[k]
		if !ok {
			ve.Add("relations."+k, "unknown relation")
			continue
		}
		p.rels[k] = parseRelValue(ve, k, in.Relations[k], r.Many, nil)
	}
	return p
}

// decodeValue decodes one JSON value as json.Unmarshal into an any does,
// with a short cut for a string without escapes — most property values —
// which json.Unmarshal decodes by reflection (~0.5 µs a value).
func decodeValue(raw json.RawMessage) (any, error) {
	if s, ok := plainString(raw); ok {
		return s, nil
	}
	var v any
	err := json.Unmarshal(raw, &v)
	return v, err
}

// plainString returns the string raw encodes when it is one without
// escapes, which needs no decoding; ok is false otherwise.
func plainString(raw json.RawMessage) (s string, ok bool) {
	n := len(raw)
	if n < 2 || raw[0] != '"' || raw[n-1] != '"' {
		return "", false
	}
	body := raw[1 : n-1]
	if bytes.IndexFunc(body, func(r rune) bool { return r == '"' || r == '\\' || r < 0x20 || r == utf8.RuneError }) >= 0 {
		return "", false
	}
	return string(body), true
}

// targetField names the input field of relation rel, or the team when rel
// is "", in errors; built only for an error, as most values have none.
func targetField(rel string) string {
	if rel == "" {
		return "team"
	}
	return "relations." + rel
}

// parseRelValue decodes the value of relation rel (the team when rel is
// ""): null, an identifier, a list of identifiers or a search query.
// target, when known, is the blueprint a query runs against (queries are
// parsed later otherwise).
func parseRelValue(ve *model.ValidationError, rel string, raw json.RawMessage, many bool, target *model.Blueprint) relValue {
	rv := relValue{raw: raw}
	if s, ok := plainString(raw); ok && s != "" {
		rv.ids = []string{s} // the common case, without reflection
		if r := checkEntityID(s); r != "" {
			ve.Add(targetField(rel), "identifier %q %s", s, r)
		}
		return rv
	}
	switch {
	case isNull(raw):
		rv.null = true
	case isQueryValue(raw):
		if target != nil {
			q, reason := parseMapQuery(raw, target)
			if reason != "" {
				ve.Add(targetField(rel), "%s", reason)
			}
			rv.query = q
		}
	default:
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if s == "" {
				rv.null = true // "" clears, like null
				break
			}
			rv.ids = []string{s}
			break
		}
		var l []string
		if json.Unmarshal(raw, &l) != nil {
			if many {
				ve.Add(targetField(rel), "must be a list of identifiers, null or a search query")
			} else {
				ve.Add(targetField(rel), "must be an identifier, null or a search query")
			}
			return rv
		}
		if !many {
			ve.Add(targetField(rel), "must be a single identifier (the relation is not many), null or a search query")
			return rv
		}
		rv.ids = dedupe(l)
	}
	for _, id := range rv.ids {
		if r := checkEntityID(id); r != "" {
			ve.Add(targetField(rel), "identifier %q %s", id, r)
		}
	}
	return rv
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func dedupe(l []string) []string {
	seen := make(map[string]bool, len(l))
	out := make([]string, 0, len(l))
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// normaliseEntity shapes e for bp (port.md §1.4): every declared relation is
// present (single: string or nil; many: []string), undeclared properties and
// relations are dropped, and nil maps and lists become empty ones.
func normaliseEntity(bp *model.Blueprint, e *model.Entity) {
	if e.Team == nil {
		e.Team = []string{}
	}
	props := make(map[string]any, len(e.Properties))
	for k, v := range e.Properties {
		if _, ok := bp.Schema.Properties[k]; (ok || isComputedID(bp, k)) && v != nil {
			props[k] = v
		}
	}
	e.Properties = props
	rels := make(map[string]any, len(bp.Relations))
	for k, r := range bp.Relations {
		targets := model.RelationValueTargets(e.Relations[k])
		if r.Many {
			l := make([]string, len(targets))
			copy(l, targets)
			rels[k] = l
		} else if len(targets) > 0 {
			rels[k] = targets[0]
		} else {
			rels[k] = nil
		}
	}
	e.Relations = rels
}

// cloneEntity copies e's top-level maps and lists, so a changed copy can be
// written while e stays the "before" state. Property values are shared and
// must not be mutated.
func cloneEntity(e *model.Entity) *model.Entity {
	c := *e
	c.Team = append([]string{}, e.Team...)
	c.Properties = make(map[string]any, len(e.Properties))
	for k, v := range e.Properties {
		c.Properties[k] = v
	}
	c.Relations = make(map[string]any, len(e.Relations))
	for k, v := range e.Relations {
		if l, ok := v.([]string); ok {
			v = append([]string{}, l...)
		}
		c.Relations[k] = v
	}
	return &c
}

// edgesOf lists e's outgoing relation instances.
func edgesOf(bp *model.Blueprint, e *model.Entity) []model.Edge {
	return edgesAlong(bp, sortedKeys(bp.Relations), e)
}

// edgesAlong is edgesOf with bp's relation identifiers sorted by the
// caller, who writes many entities of bp.
func edgesAlong(bp *model.Blueprint, rels []string, e *model.Entity) []model.Edge {
	n := 0
	for _, rel := range rels {
		switch v := e.Relations[rel].(type) {
		case string:
			n++
		case []string:
			n += len(v)
		case []any:
			n += len(v)
		}
	}
	if n == 0 {
		return nil
	}
	edges := make([]model.Edge, 0, n)
	from := e.Key()
	for _, rel := range rels {
		v := e.Relations[rel]
		r := bp.Relations[rel]
		if t, ok := v.(string); ok { // a single relation: no list to build
			edges = append(edges, model.Edge{From: from, Relation: rel, To: model.EntityKey{Blueprint: r.Target, Identifier: t}})
			continue
		}
		for _, t := range model.RelationValueTargets(v) {
			edges = append(edges, model.Edge{From: from, Relation: rel, To: model.EntityKey{Blueprint: r.Target, Identifier: t}})
		}
	}
	return edges
}

// ---- reads ----

// EntityGet returns one entity, with every declared relation present
// (null or [] when unset).
func (s *Service) EntityGet(ctx context.Context, blueprint, id string) (*model.Entity, error) {
	bp, err := getBlueprint(ctx, s.opts.Store, blueprint)
	if err != nil {
		return nil, err
	}
	e, err := s.opts.Store.EntityGet(ctx, &store.EntityGetParams{Blueprint: blueprint, Identifier: id})
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.NotFoundf("entity %q of blueprint %q not found", id, blueprint)
	}
	if err != nil {
		return nil, fmt.Errorf("get entity %s/%s: %w", blueprint, id, err)
	}
	// An unreadable entity answers as a missing one: existence must not leak.
	if ok, err := s.newReadAccess(ctx, s.opts.Store, nil).readable(ctx, e.Key()); err != nil {
		return nil, err
	} else if !ok {
		return nil, model.NotFoundf("entity %q of blueprint %q not found", id, blueprint)
	}
	normaliseEntity(bp, e)
	return e, nil
}

// ListOptions page through a blueprint's entities.
type ListOptions struct {
	// Limit is 1..1000; 0 means 200.
	Limit int
	// Cursor is the Next of the previous page.
	Cursor string
}

// EntityPage is one page of entities; Next is empty on the last page.
type EntityPage struct {
	Entities []*model.Entity
	Next     string
}

// Page size limits of EntityList.
const (
	defaultPageSize = 200
	maxPageSize     = 1000
)

// EntityList returns one page of a blueprint's entities in identifier order.
// The cursor is opaque to clients: URL-safe base64 of the last identifier.
func (s *Service) EntityList(ctx context.Context, blueprint string, opts ListOptions) (*EntityPage, error) {
	limit := opts.Limit
	switch {
	case limit == 0:
		limit = defaultPageSize
	case limit < 0 || limit > maxPageSize:
		return nil, &model.ValidationError{Fields: []model.FieldError{{Field: "limit", Reason: fmt.Sprintf("must be between 1 and %d", maxPageSize)}}}
	}
	after := ""
	if opts.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(opts.Cursor)
		if err != nil || len(b) == 0 {
			return nil, &model.ValidationError{Fields: []model.FieldError{{Field: "cursor", Reason: "is not a cursor returned by this API"}}}
		}
		after = string(b)
	}
	bp, err := getBlueprint(ctx, s.opts.Store, blueprint)
	if err != nil {
		return nil, err
	}
	f, err := s.newReadAccess(ctx, s.opts.Store, nil).filter(ctx, []string{blueprint})
	if err != nil {
		return nil, err
	}
	var es []*model.Entity
	if f == nil {
		es, err = s.opts.Store.EntityList(ctx, &store.EntityListParams{Blueprint: blueprint, After: after, Limit: limit + 1})
	} else {
		es, err = s.listWhere(ctx, blueprint, f, after, limit+1)
	}
	if err != nil {
		return nil, fmt.Errorf("list entities of %s: %w", blueprint, err)
	}
	page := &EntityPage{Entities: es}
	if len(es) > limit {
		page.Entities = es[:limit]
		page.Next = base64.RawURLEncoding.EncodeToString([]byte(es[limit-1].Identifier))
	}
	for _, e := range page.Entities {
		normaliseEntity(bp, e)
	}
	if page.Entities == nil {
		page.Entities = []*model.Entity{}
	}
	return page, nil
}

// EntityCount counts a blueprint's entities.
func (s *Service) EntityCount(ctx context.Context, blueprint string) (int64, error) {
	if _, err := getBlueprint(ctx, s.opts.Store, blueprint); err != nil {
		return 0, err
	}
	if f, err := s.newReadAccess(ctx, s.opts.Store, nil).filter(ctx, []string{blueprint}); err != nil {
		return 0, err
	} else if f != nil {
		return s.EntityCountQuery(ctx, blueprint, nil)
	}
	n, err := s.opts.Store.EntityCount(ctx, &store.EntityCountParams{Blueprint: blueprint})
	if err != nil {
		return 0, fmt.Errorf("count entities of %s: %w", blueprint, err)
	}
	return n, nil
}

// EntityHistory returns an entity's versions, oldest first (including the
// deletion, if any). An entity that never existed is an ErrNotFound.
func (s *Service) EntityHistory(ctx context.Context, blueprint, id string) ([]*model.EntityVersion, error) {
	if _, err := getBlueprint(ctx, s.opts.Store, blueprint); err != nil {
		return nil, err
	}
	vs, err := s.opts.Store.EntityVersionList(ctx, &store.EntityVersionListParams{Blueprint: blueprint, Identifier: id})
	if err != nil {
		return nil, fmt.Errorf("list versions of %s/%s: %w", blueprint, id, err)
	}
	if len(vs) == 0 {
		return nil, model.NotFoundf("entity %q of blueprint %q has no history", id, blueprint)
	}
	if ok, err := s.historyReadable(ctx, model.EntityKey{Blueprint: blueprint, Identifier: id}, vs); err != nil {
		return nil, err
	} else if !ok {
		return nil, model.NotFoundf("entity %q of blueprint %q has no history", id, blueprint)
	}
	return vs, nil
}

// historyReadable reports whether ctx's caller may read k's history: when
// k exists, whether it may read the entity now; once deleted, whether it
// could read its last version (evaluated in memory).
func (s *Service) historyReadable(ctx context.Context, k model.EntityKey, vs []*model.EntityVersion) (bool, error) {
	a := s.newReadAccess(ctx, s.opts.Store, nil)
	if a.full() {
		return true, nil
	}
	if last := vs[len(vs)-1]; !last.Deleted {
		return a.readable(ctx, k)
	}
	for i := len(vs) - 1; i >= 0; i-- {
		if e := vs[i].Entity; e != nil && !vs[i].Deleted {
			return a.readableDoc(ctx, e)
		}
	}
	return false, nil
}

// listWhere pages bp's entities in identifier order after after, keeping
// those matching the bound read condition f.
func (s *Service) listWhere(ctx context.Context, bp string, f *query.Query, after string, limit int) ([]*model.Entity, error) {
	c, err := s.compileRead(ctx, f)
	if err != nil {
		return nil, err
	}
	defer c.Release()
	p := &store.EntitySearchParams{Blueprint: bp, Where: c.Where, WhereArgs: c.Args, RangeKeys: c.RangeKeys, Limit: limit}
	if after != "" {
		p.After = &store.SearchCursor{Blueprint: bp, Identifier: after}
	}
	return s.opts.Store.EntitySearch(ctx, p)
}
