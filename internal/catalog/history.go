package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // properties-history takes IANA zones; the binary must not depend on the host's zoneinfo

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// History and time travel (issue 3 §6): an entity's versions with the diff of
// each against the previous one, an entity as it was at an instant, the
// entities that changed between two instants, and Port's properties-history
// time series. Everything is answered from entity_versions, whose intervals
// are half-open: a version is valid from its validFrom (inclusive) to its
// validTo (exclusive).

// Diff operations of a FieldChange.
const (
	OpAdd     = "add"
	OpRemove  = "remove"
	OpReplace = "replace"
)

// FieldChange is one difference between two versions of an entity. Path is
// "title", "icon", "team", "properties.<name>" or "relations.<name>"; From is
// absent on add and To on remove.
type FieldChange struct {
	Path string `json:"path"`
	Op   string `json:"op" enum:"add,remove,replace"`
	From any    `json:"from,omitempty"`
	To   any    `json:"to,omitempty"`
}

// DiffEntities lists the field changes from a to b, ordered by path. A nil
// entity has no fields, so a creation is all adds and a deletion all removes.
// Empty strings, empty teams and null values count as absent.
func DiffEntities(a, b *model.Entity) []FieldChange {
	fa, fb := entityFields(a), entityFields(b)
	paths := slices.Sorted(maps.Keys(fa))
	for p := range fb {
		if _, ok := fa[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	out := []FieldChange{}
	for _, p := range paths {
		from, inA := fa[p]
		to, inB := fb[p]
		switch {
		case !inA:
			out = append(out, FieldChange{Path: p, Op: OpAdd, To: to})
		case !inB:
			out = append(out, FieldChange{Path: p, Op: OpRemove, From: from})
		case !jsonEqual(from, to):
			out = append(out, FieldChange{Path: p, Op: OpReplace, From: from, To: to})
		}
	}
	return out
}

// entityFields flattens the diffed fields of e; absent values are left out.
func entityFields(e *model.Entity) map[string]any {
	f := map[string]any{}
	if e == nil {
		return f
	}
	if e.Title != "" {
		f["title"] = e.Title
	}
	if e.Icon != "" {
		f["icon"] = e.Icon
	}
	if len(e.Team) > 0 {
		f["team"] = e.Team
	}
	for k, v := range e.Properties {
		if v != nil {
			f["properties."+k] = v
		}
	}
	for k, v := range e.Relations {
		if v != nil && !isEmptyList(v) {
			f["relations."+k] = v
		}
	}
	return f
}

func isEmptyList(v any) bool {
	switch l := v.(type) {
	case []any:
		return len(l) == 0
	case []string:
		return len(l) == 0
	}
	return false
}

// jsonEqual compares two decoded JSON values by their encoding, so that
// []string and []any holding the same strings are equal.
func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// HistoryVersion is one version of an entity with its diff against the
// previous version (against nothing for the first).
type HistoryVersion struct {
	model.EntityVersion
	Changes []FieldChange `json:"changes" doc:"Field changes from the previous version: add, remove or replace of title, icon, team, properties.* and relations.*."`
}

// EntityHistoryDiff returns every version of an entity, oldest first, each
// with who made it, when, through what, and what it changed. It works after
// the entity was deleted; an entity that never existed is an ErrNotFound.
func (s *Service) EntityHistoryDiff(ctx context.Context, blueprint, id string) ([]*HistoryVersion, error) {
	vs, err := s.EntityHistory(ctx, blueprint, id)
	if err != nil {
		return nil, err
	}
	out := make([]*HistoryVersion, len(vs))
	var prev *model.Entity
	for i, v := range vs {
		out[i] = &HistoryVersion{EntityVersion: *v, Changes: DiffEntities(prev, v.Entity)}
		prev = v.Entity
	}
	return out, nil
}

// EntityGetAsOf returns an entity as it was at instant at, from its version
// valid then. It is an ErrNotFound when the entity did not exist at that
// instant (not yet created, or deleted).
func (s *Service) EntityGetAsOf(ctx context.Context, blueprint, id string, at time.Time) (*model.Entity, error) {
	bp, err := getBlueprint(ctx, s.opts.Store, blueprint)
	if err != nil {
		return nil, err
	}
	v, err := s.versionAt(ctx, model.EntityKey{Blueprint: blueprint, Identifier: id}, at)
	if err != nil {
		return nil, err
	}
	if v != nil {
		// Judged on the document as it was then (its own relations only).
		if ok, err := s.newReadAccess(ctx, s.opts.Store, nil).readableDoc(ctx, v.Entity); err != nil {
			return nil, err
		} else if !ok {
			v = nil
		}
	}
	if v == nil {
		return nil, model.NotFoundf("entity %q of blueprint %q did not exist at %s", id, blueprint, at.UTC().Format(time.RFC3339Nano))
	}
	normaliseEntity(bp, v.Entity)
	return v.Entity, nil
}

// versionAt returns the live version of k at instant at, or nil when k did
// not exist then.
func (s *Service) versionAt(ctx context.Context, k model.EntityKey, at time.Time) (*model.EntityVersion, error) {
	v, err := s.opts.Store.EntityVersionAt(ctx, &store.EntityVersionAtParams{Blueprint: k.Blueprint, Identifier: k.Identifier, At: at})
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("version of %s/%s at %s: %w", k.Blueprint, k.Identifier, at.Format(time.RFC3339Nano), err)
	}
	if v.Deleted {
		return nil, nil
	}
	return v, nil
}

// versionsAt returns the live version of each of keys at instant at; keys
// that did not exist then are absent.
func (s *Service) versionsAt(ctx context.Context, keys []model.EntityKey, at time.Time) (map[model.EntityKey]*model.EntityVersion, error) {
	vs, err := s.opts.Store.EntityVersionAtMany(ctx, &store.EntityVersionAtManyParams{Keys: keys, At: at})
	if err != nil {
		return nil, fmt.Errorf("versions at %s: %w", at.Format(time.RFC3339Nano), err)
	}
	out := make(map[model.EntityKey]*model.EntityVersion, len(vs))
	for _, v := range vs {
		if !v.Deleted {
			out[model.EntityKey{Blueprint: v.Blueprint, Identifier: v.Identifier}] = v
		}
	}
	return out, nil
}

// DiffOptions select a catalog diff.
type DiffOptions struct {
	// From and To are the two instants; From must not be after To. A zero
	// To means now.
	From, To time.Time
	// Blueprint restricts the diff to one blueprint; empty means all.
	Blueprint string
	// Limit is the number of changed entities examined per page, 1..1000;
	// 0 means 100.
	Limit int
	// Cursor is the Next of the previous page.
	Cursor string
}

// DiffEntity is one entity in a catalog diff. Changes is set for changed
// entities only.
type DiffEntity struct {
	Blueprint  string        `json:"blueprint"`
	Identifier string        `json:"identifier"`
	Changes    []FieldChange `json:"changes,omitempty"`
}

// DiffPage is one page of a catalog diff.
type DiffPage struct {
	Added   []DiffEntity
	Removed []DiffEntity
	Changed []DiffEntity
	// Next is the cursor of the next page; empty on the last one.
	Next string
}

// CatalogDiff lists the entities added, removed and changed between From and
// To: it compares each entity's version valid at From with the one valid at
// To. An entity created and deleted in between, or changed and changed back,
// is in no list. A page examines up to Limit entities that have a version
// starting in (From, To], in the order of their first change there, so it
// may hold fewer entries than Limit while Next is set. Entities the caller
// could read neither at From nor at To are left out.
func (s *Service) CatalogDiff(ctx context.Context, opts DiffOptions) (*DiffPage, error) {
	ve := &model.ValidationError{Subject: "catalog diff"}
	if opts.To.IsZero() {
		opts.To = s.opts.Clock.Now()
	}
	if opts.From.After(opts.To) {
		ve.Add("from", "must not be after to")
	}
	limit := opts.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		ve.Add("limit", "must be between 1 and 1000")
	}
	after, err := decodeDiffCursor(opts.Cursor)
	if err != nil {
		ve.Add("cursor", "is not a cursor returned by this route")
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	if opts.Blueprint != "" {
		if _, err := getBlueprint(ctx, s.opts.Store, opts.Blueprint); err != nil {
			return nil, err
		}
	}
	changed, err := s.opts.Store.EntityVersionChanges(ctx, &store.EntityVersionChangesParams{
		Blueprint: opts.Blueprint, From: opts.From, To: opts.To, After: after, Limit: limit + 1})
	if err != nil {
		return nil, fmt.Errorf("list changed entities: %w", err)
	}
	page := &DiffPage{Added: []DiffEntity{}, Removed: []DiffEntity{}, Changed: []DiffEntity{}}
	if len(changed) > limit {
		changed = changed[:limit]
		page.Next = encodeDiffCursor(changed[limit-1])
	}
	keys := make([]model.EntityKey, len(changed))
	for i, c := range changed {
		keys[i] = c.Key
	}
	befores, err := s.versionsAt(ctx, keys, opts.From)
	if err != nil {
		return nil, err
	}
	afters, err := s.versionsAt(ctx, keys, opts.To)
	if err != nil {
		return nil, err
	}
	a := s.newReadAccess(ctx, s.opts.Store, nil)
	for _, k := range keys {
		before, after := befores[k], afters[k]
		if ok, err := s.diffReadable(ctx, a, before, after); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		d := DiffEntity{Blueprint: k.Blueprint, Identifier: k.Identifier}
		switch {
		case before == nil && after == nil:
		case before == nil:
			page.Added = append(page.Added, d)
		case after == nil:
			page.Removed = append(page.Removed, d)
		default:
			if d.Changes = DiffEntities(before.Entity, after.Entity); len(d.Changes) > 0 {
				page.Changed = append(page.Changed, d)
			}
		}
	}
	return page, nil
}

// diffReadable reports whether a catalog diff shows an entity to the
// caller: when it may read the entity's document at From or at To
// (evaluated in memory on those versions).
func (s *Service) diffReadable(ctx context.Context, a *readAccess, before, after *model.EntityVersion) (bool, error) {
	if a.full() {
		return true, nil
	}
	for _, v := range []*model.EntityVersion{before, after} {
		if v == nil {
			continue
		}
		if ok, err := a.readableDoc(ctx, v.Entity); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// encodeDiffCursor encodes the last entity of a diff page: the start of its
// first change, its blueprint and its identifier.
func encodeDiffCursor(c store.EntityVersionChange) string {
	raw := c.At.UTC().Format(time.RFC3339Nano) + "\x00" + c.Key.Blueprint + "\x00" + c.Key.Identifier
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// decodeDiffCursor is encodeDiffCursor's inverse; "" is the first page.
func decodeDiffCursor(s string) (*store.EntityVersionChange, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	parts := strings.SplitN(string(raw), "\x00", 3)
	if len(parts) != 3 {
		return nil, errors.New("malformed cursor")
	}
	at, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return nil, err
	}
	return &store.EntityVersionChange{At: at, Key: model.EntityKey{Blueprint: parts[1], Identifier: parts[2]}}, nil
}
