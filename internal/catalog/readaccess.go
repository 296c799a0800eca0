package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
)

// Read enforcement (docs/access.md "Blueprint permissions"). For a caller
// and a blueprint the read condition is one of:
//   - everything: a trusted caller, an Admin or moderator, the read grant or
//     any write grant ("write implies read") admitting the caller;
//   - an OR of `$team containsAny <caller's teams>` (when the read grant or
//     a write grant has ownedByTeam) and the read policy, bound to the
//     caller's _user and _team entities;
//   - nothing.
// The condition is a bound rule tree, ANDed into every read: compiled into
// the SQL of searches, lists, counts and aggregates; evaluated in memory on
// version documents (as-of search, history of deleted entities, catalog
// diff) and on live-stream events. Reading an unreadable entity by key is
// a 404 with the message of a missing one.
//
// Relations of a readable entity keep the identifiers of unreadable
// targets (as Port does), and mirror properties — values computed and
// stored on the readable entity — are shown as stored.

// principalOf returns the caller of a read: nil for a trusted in-process
// caller (no actor in ctx, or one without a principal).
func principalOf(ctx context.Context) *model.Principal {
	a, ok := model.ActorFrom(ctx)
	if !ok {
		return nil
	}
	return a.Principal
}

// readCond is one blueprint's read condition for one caller.
type readCond struct {
	all  bool         // every entity is readable
	none bool         // no entity is
	q    *query.Query // otherwise: the bound condition
}

// readAccess computes read conditions for one caller, reading each
// blueprint's permissions and the caller's user and teams at most once.
type readAccess struct {
	s      *Service
	rd     store.Reader
	p      *model.Principal
	bps    map[string]*model.Blueprint // every blueprint, loaded lazily
	one    map[string]*model.Blueprint // blueprints read one by one
	conds  map[string]*readCond
	caller *query.Caller
}

// newReadAccess returns the read access of ctx's caller; bps may be nil
// (loaded when needed).
func (s *Service) newReadAccess(ctx context.Context, rd store.Reader, bps map[string]*model.Blueprint) *readAccess {
	return s.readAccessOf(rd, principalOf(ctx), bps)
}

// readAccessOf returns the read access of p (a write's caller).
func (s *Service) readAccessOf(rd store.Reader, p *model.Principal, bps map[string]*model.Blueprint) *readAccess {
	return &readAccess{s: s, rd: rd, p: p, bps: bps, conds: map[string]*readCond{}}
}

// full reports whether the caller reads every entity of every blueprint.
func (a *readAccess) full() bool { return a.p == nil || a.p.IsAdmin() }

func (a *readAccess) blueprints(ctx context.Context) (map[string]*model.Blueprint, error) {
	if a.bps == nil {
		bps, err := blueprintMap(ctx, a.rd)
		if err != nil {
			return nil, err
		}
		a.bps = bps
	}
	return a.bps, nil
}

// blueprint returns blueprint id (nil when it does not exist) without
// reading every blueprint: a point read unless they were read already.
func (a *readAccess) blueprint(ctx context.Context, id string) (*model.Blueprint, error) {
	if bp := a.bps[id]; bp != nil {
		return bp, nil
	}
	if a.one == nil {
		a.one = map[string]*model.Blueprint{}
	}
	if bp, ok := a.one[id]; ok {
		return bp, nil
	}
	// Not in bps: not read yet, or created since (a live stream).
	bp, err := getBlueprint(ctx, a.rd, id)
	if errors.Is(err, model.ErrNotFound) {
		bp, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	a.one[id] = bp
	return bp, nil
}

// callerOf builds the query caller of p from its _user and _team entities
// (missing ones are left out).
func (s *Service) callerOf(ctx context.Context, rd store.Reader, p *model.Principal) (*query.Caller, error) {
	c := &query.Caller{}
	u, err := rd.EntityGet(ctx, &store.EntityGetParams{Blueprint: model.UserBlueprint, Identifier: p.UserID})
	switch {
	case err == nil:
		c.User = u
	case !errors.Is(err, model.ErrNotFound):
		return nil, fmt.Errorf("read the caller's user: %w", err)
	}
	if len(p.Teams) > 0 {
		keys := make([]model.EntityKey, len(p.Teams))
		for i, t := range p.Teams {
			keys[i] = model.EntityKey{Blueprint: model.TeamBlueprint, Identifier: t}
		}
		if c.Teams, err = getMany(ctx, rd, keys); err != nil {
			return nil, fmt.Errorf("read the caller's teams: %w", err)
		}
	}
	return c, nil
}

// defaultCaller is the caller a query's {"context": …} values resolve to
// when the options carry none: the ctx actor's principal, or nil.
func (s *Service) defaultCaller(ctx context.Context, given *query.Caller, raw json.RawMessage) (*query.Caller, error) {
	if given != nil {
		return given, nil
	}
	// Only queries naming the caller need its entities read.
	if !bytes.Contains(raw, []byte(`"context"`)) && !bytes.Contains(raw, []byte(query.MyTeams)) {
		return nil, nil
	}
	p := principalOf(ctx)
	if p == nil {
		return nil, nil
	}
	return s.callerOf(ctx, s.opts.Store, p)
}

// cond returns blueprint id's read condition.
func (a *readAccess) cond(ctx context.Context, id string) (*readCond, error) {
	if a.p == nil || a.p.Moderates(id) {
		return &readCond{all: true}, nil
	}
	if c, ok := a.conds[id]; ok {
		return c, nil
	}
	bp, err := a.blueprint(ctx, id)
	if err != nil {
		return nil, err
	}
	if bp == nil {
		return &readCond{none: true}, nil
	}
	c, err := a.build(ctx, bp)
	if err != nil {
		return nil, err
	}
	a.conds[id] = c
	return c, nil
}

func (a *readAccess) build(ctx context.Context, bp *model.Blueprint) (*readCond, error) {
	perms, err := a.s.permissions(ctx, a.rd, bp)
	if err != nil {
		return nil, err
	}
	e := &perms.Entities
	writes := []model.PermissionGrant{e.Read.PermissionGrant, e.Register, e.Update, e.Unregister}
	for _, k := range sortedKeys(e.UpdateProperties) {
		writes = append(writes, e.UpdateProperties[k])
	}
	for _, k := range sortedKeys(e.UpdateRelations) {
		writes = append(writes, e.UpdateRelations[k])
	}
	owned := false
	for _, g := range writes {
		if g.Grants(a.p) {
			return &readCond{all: true}, nil
		}
		owned = owned || g.OwnedByTeam
	}
	var parts []*query.Query
	if owned && len(a.p.Teams) > 0 {
		teams := make([]any, len(a.p.Teams))
		for i, t := range a.p.Teams {
			teams[i] = t
		}
		q, err := a.s.bindRules(map[string]any{"property": "$team", "operator": "containsAny", "value": teams})
		if err != nil {
			return nil, err
		}
		parts = append(parts, q)
	}
	if e.Read.Policy != nil {
		q, err := a.policy(ctx, bp, e.Read.Policy)
		if err != nil {
			return nil, err
		}
		if q != nil {
			parts = append(parts, q)
		}
	}
	if len(parts) == 0 {
		return &readCond{none: true}, nil
	}
	q, err := query.Or(parts...)
	if err != nil {
		return nil, err
	}
	return &readCond{q: q}, nil
}

// policy binds bp's read policy to the caller; nil when the stored policy
// no longer fits the blueprint (it then grants nothing, and is logged).
func (a *readAccess) policy(ctx context.Context, bp *model.Blueprint, raw json.RawMessage) (*query.Query, error) {
	bps, err := a.blueprints(ctx) // a policy may name any blueprint
	if err != nil {
		return nil, err
	}
	if bps[bp.Identifier] == nil { // created after bps was read (a live stream)
		bps[bp.Identifier] = bp
	}
	q, err := parsePolicy(raw, bp, bps)
	if err != nil {
		if errors.Is(err, model.ErrInvalid) {
			a.s.opts.Logger.Warn("read policy no longer valid; it grants nothing", "blueprint", bp.Identifier, "error", err)
			return nil, nil
		}
		return nil, err
	}
	if a.caller == nil {
		if a.caller, err = a.s.callerOf(ctx, a.rd, a.p); err != nil {
			return nil, err
		}
	}
	b, err := query.Bind(q, query.Env{Schema: schemaOf(bps, bp.Identifier), Clock: a.s.opts.Clock, Caller: a.caller})
	if err != nil {
		if errors.Is(err, model.ErrInvalid) {
			a.s.opts.Logger.Warn("read policy cannot be bound; it grants nothing", "blueprint", bp.Identifier, "error", err)
			return nil, nil
		}
		return nil, err
	}
	return b, nil
}

// bindRules returns the bound "and" of rules (rules that need no schema:
// meta-properties).
func (s *Service) bindRules(rules ...map[string]any) (*query.Query, error) {
	raw, err := json.Marshal(map[string]any{"combinator": "and", "rules": rules})
	if err != nil {
		return nil, fmt.Errorf("encode read condition: %w", err)
	}
	q, err := query.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("read condition: %w", err)
	}
	return query.Bind(q, query.Env{Clock: s.opts.Clock})
}

// filter returns the read condition over the blueprints of scope (every
// blueprint when empty), or nil when the caller reads all of them.
func (a *readAccess) filter(ctx context.Context, scope []string) (*query.Query, error) {
	if a.full() {
		return nil, nil
	}
	if len(scope) == 0 {
		bps, err := a.blueprints(ctx)
		if err != nil {
			return nil, err
		}
		scope = sortedKeys(bps)
	}
	var full []any
	var parts []*query.Query
	restricted := false
	for _, id := range scope {
		c, err := a.cond(ctx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case c.all:
			full = append(full, id)
			continue
		case c.none:
			restricted = true
			continue
		}
		restricted = true
		pin, err := a.s.bindRules(map[string]any{"property": "$blueprint", "operator": "=", "value": id})
		if err != nil {
			return nil, err
		}
		q, err := query.And(pin, c.q)
		if err != nil {
			return nil, err
		}
		parts = append(parts, q)
	}
	if !restricted {
		return nil, nil
	}
	if len(full) > 0 {
		q, err := a.s.bindRules(map[string]any{"property": "$blueprint", "operator": "in", "value": full})
		if err != nil {
			return nil, err
		}
		parts = append([]*query.Query{q}, parts...)
	}
	return query.Or(parts...)
}

// restrict ANDs the read condition f (nil: none) into the bound query q
// (nil: everything).
// bindReadable binds a checked query q (nil: none) for the caller — given,
// or the ctx actor when the query names the caller (raw is its JSON) — and
// ANDs the caller's read condition over schema.Scope into it, so that what
// runs it sees only readable entities. The result is nil when neither
// restricts anything.
func (s *Service) bindReadable(ctx context.Context, q *query.Query, schema query.Schema,
	bps map[string]*model.Blueprint, given *query.Caller, raw json.RawMessage) (*query.Query, error) {
	var bound *query.Query
	if q != nil {
		caller, err := s.defaultCaller(ctx, given, raw)
		if err != nil {
			return nil, err
		}
		if bound, err = query.Bind(q, query.Env{Schema: schema, Clock: s.opts.Clock, Caller: caller}); err != nil {
			return nil, err
		}
	}
	f, err := s.newReadAccess(ctx, s.opts.Store, bps).filter(ctx, schema.Scope)
	if err != nil {
		return nil, err
	}
	return restrict(bound, f)
}

func restrict(q, f *query.Query) (*query.Query, error) {
	switch {
	case f == nil:
		return q, nil
	case q == nil:
		return f, nil
	}
	return query.And(q, f)
}

// visible returns which of keys (of existing entities) the caller may read,
// asking the store with the read condition of each blueprint.
func (a *readAccess) visible(ctx context.Context, keys []model.EntityKey) (map[model.EntityKey]bool, error) {
	out := make(map[model.EntityKey]bool, len(keys))
	byBP := map[string][]any{}
	var order []string
	for _, k := range keys {
		if _, ok := byBP[k.Blueprint]; !ok {
			order = append(order, k.Blueprint)
		}
		byBP[k.Blueprint] = append(byBP[k.Blueprint], k.Identifier)
	}
	for _, bp := range order {
		c, err := a.cond(ctx, bp)
		if err != nil {
			return nil, err
		}
		ids := byBP[bp]
		if c.all {
			for _, id := range ids {
				out[model.EntityKey{Blueprint: bp, Identifier: id.(string)}] = true
			}
			continue
		}
		if c.none {
			continue
		}
		for start := 0; start < len(ids); start += keyChunk {
			chunk := ids[start:min(start+keyChunk, len(ids))]
			in, err := a.s.bindRules(map[string]any{"property": "$identifier", "operator": "in", "value": chunk})
			if err != nil {
				return nil, err
			}
			q, err := query.And(in, c.q)
			if err != nil {
				return nil, err
			}
			es, err := a.s.searchWhere(ctx, a.rd, bp, q)
			if err != nil {
				return nil, err
			}
			for _, e := range es {
				out[e.Key()] = true
			}
		}
	}
	return out, nil
}

// searchWhere returns bp's entities matching the bound q.
func (s *Service) searchWhere(ctx context.Context, rd store.Reader, bp string, q *query.Query) ([]*model.Entity, error) {
	c, err := query.Compile(q, s.opts.Store.Dialect(), store.EntityAlias)
	if err != nil {
		return nil, err
	}
	es, err := rd.EntitySearch(ctx, &store.EntitySearchParams{Blueprint: bp, Where: c.Where, WhereArgs: c.Args})
	if err != nil {
		return nil, fmt.Errorf("check read permission on %s: %w", bp, err)
	}
	return es, nil
}

// readableDoc reports whether e — a document not (or no longer) in the
// entities table: a past version, an event's before or after — is readable,
// evaluating the condition in memory. Relation rules of a policy see only
// e's own relations.
func (a *readAccess) readableDoc(ctx context.Context, e *model.Entity) (bool, error) {
	if e == nil {
		return false, nil
	}
	c, err := a.cond(ctx, e.Blueprint)
	if err != nil {
		return false, err
	}
	switch {
	case c.all:
		return true, nil
	case c.none:
		return false, nil
	}
	var edges []model.Edge
	bp, err := a.blueprint(ctx, e.Blueprint)
	if err != nil {
		return false, err
	}
	if bp != nil {
		edges = edgesOf(bp, e)
	}
	return query.Eval(c.q, e, query.NewMemGraph(edges))
}

// readable reports whether the caller may read the stored entity k; false
// for a missing one.
func (a *readAccess) readable(ctx context.Context, k model.EntityKey) (bool, error) {
	v, err := a.visible(ctx, []model.EntityKey{k})
	if err != nil {
		return false, err
	}
	return v[k], nil
}

// EntityReadable reports whether ctx's caller may read the entity now (for
// the audit log); false for a missing entity or blueprint.
func (s *Service) EntityReadable(ctx context.Context, blueprint, identifier string) (bool, error) {
	_, err := s.EntityGet(ctx, blueprint, identifier)
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// EventFilter returns the live-stream filter of ctx's caller: nil when the
// caller may read everything; otherwise a predicate admitting every
// blueprint event and the entity events whose before or after document the
// caller may read, evaluated in memory. Read conditions are built on first
// use per blueprint and kept for the life of the predicate (one stream), so
// a permission change applies to streams opened after it. A condition that
// cannot be decided (store failure) hides the event.
func (s *Service) EventFilter(ctx context.Context) (func(*model.Event) bool, error) {
	a := s.newReadAccess(ctx, s.opts.Store, nil)
	if a.full() {
		return nil, nil
	}
	var mu sync.Mutex
	return func(ev *model.Event) bool {
		switch ev.Type {
		case model.EventEntityCreated, model.EventEntityUpdated, model.EventEntityDeleted:
		default:
			return true
		}
		mu.Lock()
		defer mu.Unlock()
		for _, raw := range []json.RawMessage{ev.Before, ev.After} {
			if len(raw) == 0 || isNull(raw) {
				continue
			}
			var e model.Entity
			if json.Unmarshal(raw, &e) != nil {
				continue
			}
			if e.Blueprint == "" {
				e.Blueprint = ev.Blueprint
			}
			if ok, err := a.readableDoc(ctx, &e); err == nil && ok {
				return true
			}
		}
		return false
	}, nil
}
