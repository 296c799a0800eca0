package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
)

// Blueprint permissions (docs/access.md "Blueprint permissions", port.md
// §8.2): the document, its API, and the rules deciding each write. Read
// enforcement lives in readaccess.go.
//
// Caching: none. Every decision reads the blueprint's document with one
// point read (PermissionsGet) in the request's own store reader or
// transaction, so a change made through another replica applies on the next
// request, and a write is decided against the permissions of its own
// transaction.

// forbidden is the denial of one entity permission on a blueprint.
func forbidden(perm, blueprint string) error {
	return &model.KindError{Kind: model.ErrForbidden,
		Message: fmt.Sprintf("missing permission %q on blueprint %q", perm, blueprint)}
}

// requireModerator refuses a caller that is neither an Admin nor a
// moderator of blueprint (nil p is a trusted in-process caller).
func requireModerator(p *model.Principal, blueprint, what string) error {
	if p == nil || p.Moderates(blueprint) {
		return nil
	}
	return &model.KindError{Kind: model.ErrForbidden,
		Message: fmt.Sprintf("%s needs the Admin role or the %q role", what, model.ModeratorRole(blueprint))}
}

// requireAdmin refuses a caller without the Admin role.
func requireAdmin(p *model.Principal, what string) error {
	if p == nil || p.IsAdmin() {
		return nil
	}
	return &model.KindError{Kind: model.ErrForbidden, Message: what + " needs the Admin role"}
}

// permissions returns bp's permissions: the stored document, or the defaults
// when it was never set.
func (s *Service) permissions(ctx context.Context, rd store.Reader, bp *model.Blueprint) (*model.BlueprintPermissions, error) {
	p, err := rd.PermissionsGet(ctx, &store.PermissionsGetParams{Blueprint: bp.Identifier})
	if errors.Is(err, model.ErrNotFound) {
		return model.DefaultBlueprintPermissions(bp), nil
	}
	if err != nil {
		return nil, fmt.Errorf("get permissions of %s: %w", bp.Identifier, err)
	}
	normalisePermissions(p)
	return p, nil
}

// normalisePermissions turns absent lists and maps into empty ones, so the
// document always has Port's full shape.
func normalisePermissions(p *model.BlueprintPermissions) {
	fix := func(g *model.PermissionGrant) {
		if g.Roles == nil {
			g.Roles = []string{}
		}
		if g.Users == nil {
			g.Users = []string{}
		}
		if g.Teams == nil {
			g.Teams = []string{}
		}
	}
	e := &p.Entities
	fix(&e.Read.PermissionGrant)
	fix(&e.Register)
	fix(&e.Update)
	fix(&e.Unregister)
	if e.UpdateProperties == nil {
		e.UpdateProperties = map[string]model.PermissionGrant{}
	}
	if e.UpdateRelations == nil {
		e.UpdateRelations = map[string]model.PermissionGrant{}
	}
	for k, g := range e.UpdateProperties {
		fix(&g)
		e.UpdateProperties[k] = g
	}
	for k, g := range e.UpdateRelations {
		fix(&g)
		e.UpdateRelations[k] = g
	}
	if isNull(e.Read.Policy) {
		e.Read.Policy = nil
	}
}

// BlueprintPermissions returns a blueprint's permissions (the defaults,
// model.DefaultBlueprintPermissions, when never set). Only Admins and the
// blueprint's moderators may read them.
func (s *Service) BlueprintPermissions(ctx context.Context, actor model.Actor, blueprint string) (*model.BlueprintPermissions, error) {
	if err := requireModerator(actor.Principal, blueprint, "reading the permissions of blueprint "+fmt.Sprintf("%q", blueprint)); err != nil {
		return nil, err
	}
	bp, err := getBlueprint(ctx, s.opts.Store, blueprint)
	if err != nil {
		return nil, err
	}
	return s.permissions(ctx, s.opts.Store, bp)
}

// BlueprintPermissionsPatch applies a JSON merge patch (RFC 7396) to a
// blueprint's permissions and stores the result, returning the document
// before and after. The result is validated: updateProperties and
// updateRelations keys must be the blueprint's properties and relations,
// roles must be Admin, Member or an existing blueprint's moderator role, and
// read.policy must be a rule tree valid against the blueprint; each error
// names its field (e.g. "entities.updateProperties.nope"). Only Admins and
// the blueprint's moderators may change permissions. An unchanged document
// is not rewritten.
func (s *Service) BlueprintPermissionsPatch(ctx context.Context, actor model.Actor, blueprint string, patch json.RawMessage) (before, after *model.BlueprintPermissions, err error) {
	if err := requireModerator(actor.Principal, blueprint, "changing the permissions of blueprint "+fmt.Sprintf("%q", blueprint)); err != nil {
		return nil, nil, err
	}
	var p any
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, nil, model.Invalidf("permissions patch is not valid JSON: %v", err)
	}
	if _, ok := p.(map[string]any); !ok {
		return nil, nil, model.Invalidf("permissions patch must be a JSON object")
	}
	err = s.inTx(ctx, func(tx store.Tx) (bool, error) {
		bp, err := getBlueprint(ctx, tx, blueprint)
		if err != nil {
			return false, err
		}
		cur, err := s.permissions(ctx, tx, bp)
		if err != nil {
			return false, err
		}
		raw, err := json.Marshal(cur)
		if err != nil {
			return false, fmt.Errorf("encode permissions of %s: %w", blueprint, err)
		}
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			return false, fmt.Errorf("decode permissions of %s: %w", blueprint, err)
		}
		if raw, err = json.Marshal(mergePatch(doc, p)); err != nil {
			return false, fmt.Errorf("encode patched permissions of %s: %w", blueprint, err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		nu := &model.BlueprintPermissions{}
		if err := dec.Decode(nu); err != nil {
			return false, model.Invalidf("permissions of blueprint %q: %s", blueprint, strings.TrimPrefix(err.Error(), "json: "))
		}
		normalisePermissions(nu)
		bps, err := blueprintMap(ctx, tx)
		if err != nil {
			return false, err
		}
		if err := s.validatePermissions(nu, bps[blueprint], bps); err != nil {
			return false, err
		}
		before, after = cur, nu
		if reflect.DeepEqual(cur, nu) {
			return false, nil
		}
		if err := tx.PermissionsPut(ctx, &store.PermissionsPutParams{Blueprint: blueprint, Permissions: nu, Time: s.now(), Actor: actor.ID}); err != nil {
			return false, fmt.Errorf("store permissions of %s: %w", blueprint, err)
		}
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return before, after, nil
}

// validatePermissions checks p against bp (and every blueprint, for roles
// and policy rules that name other blueprints).
func (s *Service) validatePermissions(p *model.BlueprintPermissions, bp *model.Blueprint, bps map[string]*model.Blueprint) error {
	ve := &model.ValidationError{Subject: fmt.Sprintf("permissions of blueprint %q", bp.Identifier)}
	grant := func(field string, g model.PermissionGrant) {
		for i, r := range g.Roles {
			if r == model.RoleAdmin || r == model.RoleMember {
				continue
			}
			if b, ok := strings.CutSuffix(r, model.ModeratorSuffix); ok && bps[b] != nil {
				continue
			}
			ve.Add(fmt.Sprintf("%s.roles[%d]", field, i), "unknown role %q (want Admin, Member or <blueprint>-moderator of an existing blueprint)", r)
		}
	}
	e := &p.Entities
	grant("entities.read", e.Read.PermissionGrant)
	grant("entities.register", e.Register)
	grant("entities.update", e.Update)
	grant("entities.unregister", e.Unregister)
	for _, k := range sortedKeys(e.UpdateProperties) {
		if _, ok := bp.Schema.Properties[k]; !ok {
			ve.Add("entities.updateProperties."+k, "blueprint %q has no property %q", bp.Identifier, k)
		}
		grant("entities.updateProperties."+k, e.UpdateProperties[k])
	}
	for _, k := range sortedKeys(e.UpdateRelations) {
		if _, ok := bp.Relations[k]; !ok {
			ve.Add("entities.updateRelations."+k, "blueprint %q has no relation %q", bp.Identifier, k)
		}
		grant("entities.updateRelations."+k, e.UpdateRelations[k])
	}
	if e.Read.Policy != nil {
		if _, err := parsePolicy(e.Read.Policy, bp, bps); err != nil {
			var pe *query.ParseError
			var qe *model.ValidationError
			switch {
			case errors.As(err, &pe):
				ve.Add(pe.Path, "%s", pe.Msg)
			case errors.As(err, &qe):
				ve.Fields = append(ve.Fields, qe.Fields...)
			default:
				return err
			}
		}
	}
	return ve.Err()
}

// policyPath names a read policy in error messages.
const policyPath = "entities.read.policy"

// parsePolicy parses a read policy and checks it against bp.
func parsePolicy(raw json.RawMessage, bp *model.Blueprint, bps map[string]*model.Blueprint) (*query.Query, error) {
	q, err := query.ParseAt(raw, policyPath)
	if err != nil {
		return nil, err
	}
	if err := query.Check(q, schemaOf(bps, bp.Identifier)); err != nil {
		return nil, err
	}
	return q, nil
}

// schemaOf is the query schema of every blueprint, scoped to scope (all
// when empty).
func schemaOf(bps map[string]*model.Blueprint, scope ...string) query.Schema {
	s := query.Schema{Scope: scope}
	for _, id := range sortedKeys(bps) {
		s.Blueprints = append(s.Blueprints, bps[id])
	}
	return s
}

// admits reports whether g admits p for an entity owned by teams (nil on
// create-less checks): by role, user or team, or with OwnedByTeam by one of
// the entity's teams.
func admits(g model.PermissionGrant, p *model.Principal, teams []string) bool {
	return g.Grants(p) || (g.OwnedByTeam && p.InTeam(teams))
}

// canUpdate decides an update of before into after (both with computed
// values stripped) by p: the whole-entity update grant, or — when only
// properties and relations change — a per-property or per-relation grant
// for each one changed. rename is set when the identifier changes, which
// needs the whole-entity grant. An update that changes nothing needs at
// least one update grant.
func canUpdate(e *model.EntityPermissions, p *model.Principal, bp string, before, after *model.Entity, rename bool) error {
	teams := before.Team
	if admits(e.Update, p, teams) {
		return nil
	}
	if rename || before.Title != after.Title || before.Icon != after.Icon || !sameStrings(before.Team, after.Team) {
		return forbidden("update", bp)
	}
	props := changedKeys(before.Properties, after.Properties)
	rels := changedKeys(before.Relations, after.Relations)
	if len(props) == 0 && len(rels) == 0 {
		for _, g := range e.UpdateProperties {
			if admits(g, p, teams) {
				return nil
			}
		}
		for _, g := range e.UpdateRelations {
			if admits(g, p, teams) {
				return nil
			}
		}
		return forbidden("update", bp)
	}
	for _, k := range props {
		if g, ok := e.UpdateProperties[k]; !ok || !admits(g, p, teams) {
			return forbidden("updateProperties."+k, bp)
		}
	}
	for _, k := range rels {
		if g, ok := e.UpdateRelations[k]; !ok || !admits(g, p, teams) {
			return forbidden("updateRelations."+k, bp)
		}
	}
	return nil
}

// sameStrings compares two lists, nil equal to empty.
func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// changedKeys lists, sorted, the keys whose values differ between a and b
// (absent, null and an empty list are the same).
func changedKeys(a, b map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range []map[string]any{a, b} {
		for k := range m {
			if seen[k] {
				continue
			}
			seen[k] = true
			x, y := a[k], b[k]
			if isAbsent(x) && isAbsent(y) {
				continue
			}
			if !jsonEqual(x, y) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

func isAbsent(v any) bool { return v == nil || isEmptyList(v) }

// writeAccess decides one write transaction's entity permissions for one
// caller, reading each blueprint's document once.
type writeAccess struct {
	s     *Service
	ctx   context.Context
	rd    store.Reader
	p     *model.Principal
	perms map[string]*model.BlueprintPermissions
	read  *readAccess
}

// reads returns the caller's read access inside the write's transaction.
func (a *writeAccess) reads() *readAccess {
	if a.read == nil {
		a.read = a.s.readAccessOf(a.rd, a.p, nil)
	}
	return a.read
}

func (s *Service) newWriteAccess(ctx context.Context, rd store.Reader, actor model.Actor) *writeAccess {
	return &writeAccess{s: s, ctx: ctx, rd: rd, p: actor.Principal, perms: map[string]*model.BlueprintPermissions{}}
}

// unrestricted reports whether the caller may do everything to bp's
// entities (trusted, Admin or moderator).
func (a *writeAccess) unrestricted(bp string) bool { return a.p == nil || a.p.Moderates(bp) }

// of returns bp's entity permissions.
func (a *writeAccess) of(bp *model.Blueprint) (*model.EntityPermissions, error) {
	if p, ok := a.perms[bp.Identifier]; ok {
		return &p.Entities, nil
	}
	p, err := a.s.permissions(a.ctx, a.rd, bp)
	if err != nil {
		return nil, err
	}
	a.perms[bp.Identifier] = p
	return &p.Entities, nil
}

// register decides creating e (of bp).
func (a *writeAccess) register(bp *model.Blueprint, e *model.Entity) error {
	if a.unrestricted(bp.Identifier) {
		return nil
	}
	perms, err := a.of(bp)
	if err != nil {
		return err
	}
	if !admits(perms.Register, a.p, e.Team) {
		return forbidden("register", bp.Identifier)
	}
	return nil
}

// unregister decides deleting e (of bp). A requested entity (not a
// cascaded dependent) the caller cannot read is answered as missing.
func (a *writeAccess) unregister(bp *model.Blueprint, e *model.Entity, requested bool) error {
	if a.unrestricted(bp.Identifier) {
		return nil
	}
	perms, err := a.of(bp)
	if err != nil {
		return err
	}
	if !admits(perms.Unregister, a.p, e.Team) {
		if !requested {
			return forbidden("unregister", bp.Identifier)
		}
		return a.conceal(forbidden("unregister", bp.Identifier), e)
	}
	return nil
}

// conceal turns the denial of a write to e into the answer for a missing
// entity when the caller cannot read e either, so that a write does not
// reveal what a read hides.
func (a *writeAccess) conceal(denial error, e *model.Entity) error {
	ok, err := a.reads().readable(a.ctx, e.Key())
	if err != nil {
		return err
	}
	if !ok {
		return model.NotFoundf("entity %q of blueprint %q not found", e.Identifier, e.Blueprint)
	}
	return denial
}

// update decides changing before into after (of bp).
func (a *writeAccess) update(bp *model.Blueprint, before, after *model.Entity, rename bool) error {
	if a.unrestricted(bp.Identifier) {
		return nil
	}
	perms, err := a.of(bp)
	if err != nil {
		return err
	}
	b := cloneEntity(before)
	stripComputed(bp, b.Properties)
	aft := cloneEntity(after)
	stripComputed(bp, aft.Properties)
	if err := canUpdate(perms, a.p, bp.Identifier, b, aft, rename); err != nil {
		return a.conceal(err, before)
	}
	return nil
}

// rewritePermissions applies fn to bp's stored permissions in tx and stores
// them when fn changed them; never-set permissions are the defaults, which
// follow the blueprint by themselves.
func (s *Service) rewritePermissions(ctx context.Context, tx store.Tx, bp *model.Blueprint, o store.Origin, fn func(p *model.EntityPermissions) bool) error {
	p, err := tx.PermissionsGet(ctx, &store.PermissionsGetParams{Blueprint: bp.Identifier})
	if errors.Is(err, model.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get permissions of %s: %w", bp.Identifier, err)
	}
	normalisePermissions(p)
	if !fn(&p.Entities) {
		return nil
	}
	if err := tx.PermissionsPut(ctx, &store.PermissionsPutParams{Blueprint: bp.Identifier, Permissions: p, Time: o.Time, Actor: o.Actor}); err != nil {
		return fmt.Errorf("store permissions of %s: %w", bp.Identifier, err)
	}
	return nil
}

// moveGrant renames key from to to in m, reporting whether it was there.
func moveGrant(m map[string]model.PermissionGrant, from, to string) bool {
	g, ok := m[from]
	if !ok {
		return false
	}
	delete(m, from)
	m[to] = g
	return true
}
