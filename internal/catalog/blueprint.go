package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/itchyny/gojq"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
)

// metaProperties are the meta-properties every entity has (port.md §1.8);
// a mirror path may end in one.
var metaProperties = map[string]bool{
	"$identifier": true, "$title": true, "$team": true, "$icon": true, "$blueprint": true,
	"$createdAt": true, "$updatedAt": true, "$createdBy": true, "$updatedBy": true,
}

// normaliseBlueprint gives a blueprint's maps and lists their empty (not nil)
// values, so the stored and returned JSON always carries {} and [].
func normaliseBlueprint(bp *model.Blueprint) {
	if bp.Schema.Properties == nil {
		bp.Schema.Properties = map[string]model.Property{}
	}
	if bp.Schema.Required == nil {
		bp.Schema.Required = []string{}
	}
	if bp.MirrorProperties == nil {
		bp.MirrorProperties = map[string]model.MirrorProperty{}
	}
	if bp.CalculationProperties == nil {
		bp.CalculationProperties = map[string]model.CalculationProperty{}
	}
	if bp.AggregationProperties == nil {
		bp.AggregationProperties = map[string]model.AggregationProperty{}
	}
	if bp.Relations == nil {
		bp.Relations = map[string]model.Relation{}
	}
}

// ValidateBlueprint checks bp against port.md §1.1–1.11. others holds the
// blueprints bp may refer to (relation and aggregation targets, the
// blueprints on ownership and mirror paths), keyed by identifier; bp itself
// is looked up as bp whatever others holds. Every problem is reported in one
// *model.ValidationError whose fields are JSON paths from the top of the
// blueprint body ("schema.properties.tier.maximum", "relations.domain.target").
func ValidateBlueprint(bp *model.Blueprint, others map[string]*model.Blueprint) error {
	ve := &model.ValidationError{Subject: fmt.Sprintf("blueprint %q", bp.Identifier)}
	lookup := func(id string) *model.Blueprint {
		if id == bp.Identifier {
			return bp
		}
		return others[id]
	}
	if r := checkBlueprintID(bp.Identifier); r != "" {
		ve.Add("identifier", "%s", r)
	}
	switch {
	case bp.Title == "":
		ve.Add("title", "is required")
	case len(bp.Title) > maxTitleLen:
		ve.Add("title", "must be at most %d characters long", maxTitleLen)
	}
	if len(bp.Description) > maxDescriptionLen {
		ve.Add("description", "must be at most %d characters long", maxDescriptionLen)
	}

	// Identifiers are shared by properties, mirror, calculation and
	// aggregation properties and relations: an entity shows them side by side.
	owner := map[string]string{}
	claim := func(section, id string) {
		field := section + "." + id
		if r := checkPropertyID(id); r != "" {
			ve.Add(field, "%s", r)
		}
		if prev, ok := owner[id]; ok {
			ve.Add(field, "identifier %q is already used by %s", id, prev)
			return
		}
		owner[id] = field
	}
	for _, id := range sortedKeys(bp.Schema.Properties) {
		claim("schema.properties", id)
		p := bp.Schema.Properties[id]
		checkProperty(ve, "schema.properties."+id, &p, false)
	}
	for _, id := range sortedKeys(bp.Relations) {
		claim("relations", id)
	}
	for _, id := range sortedKeys(bp.MirrorProperties) {
		claim("mirrorProperties", id)
	}
	for _, id := range sortedKeys(bp.CalculationProperties) {
		claim("calculationProperties", id)
	}
	for _, id := range sortedKeys(bp.AggregationProperties) {
		claim("aggregationProperties", id)
	}

	seenReq := map[string]bool{}
	for i, r := range bp.Schema.Required {
		field := fmt.Sprintf("schema.required[%d]", i)
		if _, ok := bp.Schema.Properties[r]; !ok {
			ve.Add(field, "%q is not a property of this blueprint", r)
		}
		if seenReq[r] {
			ve.Add(field, "%q is listed twice", r)
		}
		seenReq[r] = true
	}

	// Defaults must themselves be valid values (checked only when the
	// property itself is sound, to report one problem once).
	if len(ve.Fields) == 0 {
		for _, id := range sortedKeys(bp.Schema.Properties) {
			p := bp.Schema.Properties[id]
			if _, err := compileSchema(propertySchema(&p)); err != nil {
				ve.Add("schema.properties."+id, "is not a valid property schema: %s", compileMessage(err))
				continue
			}
			if p.Default == nil {
				continue
			}
			if reason, ok := validateValue(&p, p.Default); !ok {
				ve.Add("schema.properties."+id+".default", "%s", reason)
			}
		}
	}

	for _, id := range sortedKeys(bp.Relations) {
		checkRelation(ve, "relations."+id, bp.Relations[id], lookup)
	}
	checkOwnership(ve, bp, lookup)
	for _, id := range sortedKeys(bp.MirrorProperties) {
		m := bp.MirrorProperties[id]
		field := "mirrorProperties." + id
		if len(m.Title) > maxTitleLen {
			ve.Add(field+".title", "must be at most %d characters long", maxTitleLen)
		}
		if reason := checkMirrorPath(bp, m.Path, lookup); reason != "" {
			ve.Add(field+".path", "%s", reason)
		}
	}
	for _, id := range sortedKeys(bp.CalculationProperties) {
		checkCalculation(ve, "calculationProperties."+id, bp.CalculationProperties[id])
	}
	if id := calcCycle(bp); id != "" {
		ve.Add("calculationProperties."+id+".calculation", "depends on itself through calculation properties (a cycle); a calculation may use others only when they do not use it back")
	}
	for _, id := range sortedKeys(bp.AggregationProperties) {
		checkAggregation(ve, "aggregationProperties."+id, bp.AggregationProperties[id], lookup)
	}
	return ve.Err()
}

func checkRelation(ve *model.ValidationError, field string, r model.Relation, lookup func(string) *model.Blueprint) {
	if len(r.Title) > maxTitleLen {
		ve.Add(field+".title", "must be at most %d characters long", maxTitleLen)
	}
	switch {
	case r.Target == "":
		ve.Add(field+".target", "is required")
	case lookup(r.Target) == nil:
		ve.Add(field+".target", "blueprint %q does not exist", r.Target)
	}
	if r.Many && r.Required {
		ve.Add(field+".required", "a relation cannot be both many and required")
	}
}

func checkOwnership(ve *model.ValidationError, bp *model.Blueprint, lookup func(string) *model.Blueprint) {
	o := bp.Ownership
	if o == nil {
		return
	}
	if len(o.Title) > maxTitleLen {
		ve.Add("ownership.title", "must be at most %d characters long", maxTitleLen)
	}
	switch o.Type {
	case model.OwnershipDirect:
		if o.Path != "" {
			ve.Add("ownership.path", "is only allowed with type Inherited")
		}
	case model.OwnershipInherited:
		if o.Path == "" {
			ve.Add("ownership.path", "is required with type Inherited (a dot-separated chain of relations)")
			return
		}
		cur := bp
		for i, rel := range strings.Split(o.Path, ".") {
			r, ok := cur.Relations[rel]
			if !ok {
				ve.Add("ownership.path", "step %d: %q is not a relation of blueprint %q", i+1, rel, cur.Identifier)
				return
			}
			if r.Many {
				ve.Add("ownership.path", "step %d: relation %q is many; ownership can only be inherited through single relations", i+1, rel)
				return
			}
			next := lookup(r.Target)
			if next == nil {
				ve.Add("ownership.path", "step %d: target blueprint %q of relation %q does not exist", i+1, r.Target, rel)
				return
			}
			cur = next
		}
		if cur.Ownership == nil || cur.Ownership.Type != model.OwnershipDirect {
			ve.Add("ownership.path", "must end at a blueprint with Direct ownership; %q has none", cur.Identifier)
		}
	default:
		ve.Add("ownership.type", "must be Direct or Inherited, not %q", o.Type)
	}
}

// checkMirrorPath checks a mirror path: one or more relations from bp, then a
// property (or mirror/calculation/aggregation property) or meta-property of
// the blueprint reached. It returns a reason, or "".
func checkMirrorPath(bp *model.Blueprint, path string, lookup func(string) *model.Blueprint) string {
	if path == "" {
		return "is required (relation.…property)"
	}
	steps := strings.Split(path, ".")
	if len(steps) < 2 {
		return "must be at least one relation followed by a property, e.g. \"domain.$title\""
	}
	cur := bp
	for i, rel := range steps[:len(steps)-1] {
		r, ok := cur.Relations[rel]
		if !ok {
			return fmt.Sprintf("step %d: %q is not a relation of blueprint %q", i+1, rel, cur.Identifier)
		}
		next := lookup(r.Target)
		if next == nil {
			return fmt.Sprintf("step %d: target blueprint %q of relation %q does not exist", i+1, r.Target, rel)
		}
		cur = next
	}
	last := steps[len(steps)-1]
	if metaProperties[last] {
		return ""
	}
	if _, ok := cur.Schema.Properties[last]; ok {
		return ""
	}
	if _, ok := cur.CalculationProperties[last]; ok {
		return ""
	}
	if _, ok := cur.AggregationProperties[last]; ok {
		return ""
	}
	if _, ok := cur.MirrorProperties[last]; ok && cur != bp {
		return ""
	}
	return fmt.Sprintf("%q is not a property or meta-property of blueprint %q", last, cur.Identifier)
}

func checkCalculation(ve *model.ValidationError, field string, c model.CalculationProperty) {
	if len(c.Title) > maxTitleLen {
		ve.Add(field+".title", "must be at most %d characters long", maxTitleLen)
	}
	if !propertyTypes[c.Type] {
		ve.Add(field+".type", "must be string, number, boolean, object or array, not %q", c.Type)
	} else if c.Format != "" && !(c.Type == "string" && stringFormats[c.Format]) && !(c.Type == "object" && objectFormats[c.Format]) {
		ve.Add(field+".format", "format %q is not allowed for type %q", c.Format, c.Type)
	}
	if c.Spec != "" && !specs[c.Spec] {
		ve.Add(field+".spec", "must be open-api, async-api or embedded-url, not %q", c.Spec)
	}
	if c.Calculation == "" {
		ve.Add(field+".calculation", "is required (a jq expression)")
	} else if reason := checkJQ(c.Calculation); reason != "" {
		ve.Add(field+".calculation", "%s", reason)
	}
	for _, k := range sortedKeys(c.Colors) {
		if col := c.Colors[k]; !enumColors[col] && !calcColors[col] {
			ve.Add(field+".colors."+k, "color %q is not a known color", col)
		}
	}
}

// checkJQ compiles a jq expression, recovering a panic of the parser into a
// reason (STYLE §5: one bad expression must not kill a replica).
func checkJQ(src string) (reason string) {
	defer func() {
		if r := recover(); r != nil {
			reason = "is not a valid jq expression"
		}
	}()
	q, err := gojq.Parse(src)
	if err != nil {
		return "is not a valid jq expression: " + err.Error()
	}
	if _, err := gojq.Compile(q); err != nil {
		return "is not a valid jq expression: " + err.Error()
	}
	return ""
}

func checkAggregation(ve *model.ValidationError, field string, a model.AggregationProperty, lookup func(string) *model.Blueprint) {
	if len(a.Title) > maxTitleLen {
		ve.Add(field+".title", "must be at most %d characters long", maxTitleLen)
	}
	if a.Type != "" && a.Type != "number" {
		ve.Add(field+".type", "must be number, not %q", a.Type)
	}
	var target *model.Blueprint
	switch {
	case a.Target == "":
		ve.Add(field+".target", "is required")
	default:
		if target = lookup(a.Target); target == nil {
			ve.Add(field+".target", "blueprint %q does not exist", a.Target)
		}
	}
	cs := a.CalculationSpec
	sf := field + ".calculationSpec"
	switch cs.CalculationBy {
	case "entities":
		switch cs.Func {
		case "count":
		case "average":
			if !map[string]bool{"hour": true, "day": true, "week": true, "month": true}[cs.AverageOf] {
				ve.Add(sf+".averageOf", "must be hour, day, week or month")
			}
		default:
			ve.Add(sf+".func", "must be count or average when calculating by entities, not %q", cs.Func)
		}
		if cs.Property != "" {
			ve.Add(sf+".property", "is only allowed when calculating by property")
		}
	case "property":
		switch cs.Func {
		case "sum", "min", "max", "median":
		case "average":
			if !map[string]bool{"hour": true, "day": true, "week": true, "month": true, "total": true}[cs.AverageOf] {
				ve.Add(sf+".averageOf", "must be hour, day, week, month or total")
			}
		default:
			ve.Add(sf+".func", "must be sum, min, max, median or average when calculating by property, not %q", cs.Func)
		}
		switch {
		case cs.Property == "":
			ve.Add(sf+".property", "is required when calculating by property")
		case target != nil:
			if p, ok := target.Schema.Properties[cs.Property]; !ok || p.Type != "number" {
				ve.Add(sf+".property", "%q is not a number property of blueprint %q", cs.Property, a.Target)
			}
		}
	default:
		ve.Add(sf+".calculationBy", "must be entities or property, not %q", cs.CalculationBy)
	}
	if len(a.PathFilter) > 1 {
		ve.Add(field+".pathFilter", "may hold at most one path")
	}
	for i, pf := range a.PathFilter {
		if len(pf.Path) == 0 {
			ve.Add(fmt.Sprintf("%s.pathFilter[%d].path", field, i), "must name at least one relation")
		}
		if pf.FromBlueprint != "" && lookup(pf.FromBlueprint) == nil {
			ve.Add(fmt.Sprintf("%s.pathFilter[%d].fromBlueprint", field, i), "blueprint %q does not exist", pf.FromBlueprint)
		}
	}
}

// checkImmutable refuses changes port.md §1.1 forbids between the stored
// blueprint old and its replacement nu: a property's type, its single/array
// shape and its items' type. System blueprints additionally keep their
// built-in properties and relations unchanged.
func checkImmutable(ve *model.ValidationError, old, nu *model.Blueprint) {
	for _, id := range sortedKeys(nu.Schema.Properties) {
		op, ok := old.Schema.Properties[id]
		if !ok {
			continue
		}
		np := nu.Schema.Properties[id]
		if shapeOf(op) != shapeOf(np) {
			field := "schema.properties." + id + ".type"
			if op.Type == np.Type {
				field = "schema.properties." + id + ".items.type"
			}
			ve.Add(field, "cannot change from %s to %s: a property's type (and single or array shape) is fixed once created; "+
				"create a new property, migrate the data, delete the old property and rename the new one", shapeOf(op), shapeOf(np))
		}
	}
	sys := systemBlueprint(old.Identifier)
	if sys == nil {
		return
	}
	for _, id := range sortedKeys(sys.Schema.Properties) {
		np, ok := nu.Schema.Properties[id]
		switch {
		case !ok:
			ve.Add("schema.properties."+id, "is a built-in property of system blueprint %q and cannot be removed", old.Identifier)
		case !reflect.DeepEqual(np, sys.Schema.Properties[id]):
			ve.Add("schema.properties."+id, "is a built-in property of system blueprint %q and cannot be changed", old.Identifier)
		}
	}
	for _, id := range sortedKeys(sys.Relations) {
		nr, ok := nu.Relations[id]
		switch {
		case !ok:
			ve.Add("relations."+id, "is a built-in relation of system blueprint %q and cannot be removed", old.Identifier)
		case nr.Target != sys.Relations[id].Target || nr.Many != sys.Relations[id].Many || nr.Required != sys.Relations[id].Required:
			ve.Add("relations."+id, "is a built-in relation of system blueprint %q and cannot be changed", old.Identifier)
		}
	}
	for _, id := range sortedKeys(nu.Relations) {
		if _, builtin := sys.Relations[id]; !builtin && nu.Relations[id].Required {
			ve.Add("relations."+id+".required", "system blueprint %q can only be extended with non-required relations", old.Identifier)
		}
	}
}

// ---- blueprint service ----

// BlueprintList returns every blueprint, ordered by identifier.
func (s *Service) BlueprintList(ctx context.Context) ([]*model.Blueprint, error) {
	bps, err := s.opts.Store.BlueprintList(ctx, &store.BlueprintListParams{})
	if err != nil {
		return nil, fmt.Errorf("list blueprints: %w", err)
	}
	for _, bp := range bps {
		normaliseBlueprint(bp)
	}
	return bps, nil
}

// BlueprintGet returns one blueprint or an ErrNotFound.
func (s *Service) BlueprintGet(ctx context.Context, id string) (*model.Blueprint, error) {
	return getBlueprint(ctx, s.opts.Store, id)
}

func getBlueprint(ctx context.Context, rd store.Reader, id string) (*model.Blueprint, error) {
	bp, err := rd.BlueprintGet(ctx, &store.BlueprintGetParams{Identifier: id})
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.NotFoundf("blueprint %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get blueprint %s: %w", id, err)
	}
	normaliseBlueprint(bp)
	return bp, nil
}

func blueprintMap(ctx context.Context, rd store.Reader) (map[string]*model.Blueprint, error) {
	bps, err := rd.BlueprintList(ctx, &store.BlueprintListParams{})
	if err != nil {
		return nil, fmt.Errorf("list blueprints: %w", err)
	}
	m := make(map[string]*model.Blueprint, len(bps))
	for _, bp := range bps {
		normaliseBlueprint(bp)
		m[bp.Identifier] = bp
	}
	return m, nil
}

// BlueprintCreate validates and stores a new blueprint (409 when it exists).
// Identifiers starting with "_" are reserved for system blueprints.
func (s *Service) BlueprintCreate(ctx context.Context, actor model.Actor, bp *model.Blueprint) (*model.Blueprint, error) {
	if err := requireAdmin(actor.Principal, "creating a blueprint"); err != nil {
		return nil, err
	}
	if model.IsSystemBlueprint(bp.Identifier) {
		ve := &model.ValidationError{Subject: fmt.Sprintf("blueprint %q", bp.Identifier)}
		ve.Add("identifier", "identifiers starting with _ are reserved for system blueprints")
		return nil, ve
	}
	return s.blueprintCreate(ctx, actor, bp)
}

func (s *Service) blueprintCreate(ctx context.Context, actor model.Actor, in *model.Blueprint) (*model.Blueprint, error) {
	bp := *in
	normaliseBlueprint(&bp)
	var out *model.Blueprint
	err := s.inTx(ctx, func(tx store.Tx) (bool, error) {
		if _, err := tx.BlueprintGet(ctx, &store.BlueprintGetParams{Identifier: bp.Identifier}); err == nil {
			return false, model.Conflictf("blueprint %q already exists", bp.Identifier)
		} else if !errors.Is(err, model.ErrNotFound) {
			return false, fmt.Errorf("get blueprint %s: %w", bp.Identifier, err)
		}
		others, err := blueprintMap(ctx, tx)
		if err != nil {
			return false, err
		}
		if err := ValidateBlueprint(&bp, others); err != nil {
			return false, err
		}
		o := s.origin(actor, "")
		bp.CreatedAt, bp.CreatedBy, bp.UpdatedAt, bp.UpdatedBy = o.Time, actor.ID, o.Time, actor.ID
		if err := tx.BlueprintChangeApply(ctx, &store.BlueprintChangeApplyParams{Kind: store.ChangeCreate, After: &bp, Origin: o}); err != nil {
			return false, fmt.Errorf("create blueprint %s: %w", bp.Identifier, err)
		}
		out = &bp
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	s.schemas.drop(bp.Identifier)
	return out, nil
}

// BlueprintReplace replaces a blueprint (PUT). Changing a property's type or
// its single/array shape is refused with an error saying why; so is changing
// a relation's target or cardinality (create a new relation instead). The
// identifier in the body, when sent, must equal id. Properties and relations
// the new version drops are removed from every entity of the blueprint in
// the same transaction (with a new version and event per entity).
func (s *Service) BlueprintReplace(ctx context.Context, actor model.Actor, id string, bp *model.Blueprint) (*model.Blueprint, error) {
	return s.blueprintUpdate(ctx, actor, id, updateSpec{build: func(*model.Blueprint) (*model.Blueprint, error) {
		nb := *bp
		return &nb, nil
	}})
}

// BlueprintPatch applies a JSON merge patch (RFC 7396) to a blueprint (PATCH)
// and then validates the result as BlueprintReplace does.
func (s *Service) BlueprintPatch(ctx context.Context, actor model.Actor, id string, patch json.RawMessage) (*model.Blueprint, error) {
	var p any
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, model.Invalidf("blueprint patch is not valid JSON: %v", err)
	}
	if _, ok := p.(map[string]any); !ok {
		return nil, model.Invalidf("blueprint patch must be a JSON object")
	}
	return s.blueprintUpdate(ctx, actor, id, updateSpec{build: func(old *model.Blueprint) (*model.Blueprint, error) {
		cur, err := json.Marshal(old)
		if err != nil {
			return nil, fmt.Errorf("encode blueprint %s: %w", id, err)
		}
		var doc any
		if err := json.Unmarshal(cur, &doc); err != nil {
			return nil, fmt.Errorf("decode blueprint %s: %w", id, err)
		}
		merged, err := json.Marshal(mergePatch(doc, p))
		if err != nil {
			return nil, fmt.Errorf("encode patched blueprint %s: %w", id, err)
		}
		var nb model.Blueprint
		if err := json.Unmarshal(merged, &nb); err != nil {
			return nil, model.Invalidf("patched blueprint %q is not valid: %v", id, err)
		}
		return &nb, nil
	}})
}

// mergePatch applies an RFC 7396 JSON merge patch to target.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergePatch(tm[k], v)
	}
	return tm
}

// updateSpec says how blueprintUpdate changes a blueprint.
type updateSpec struct {
	// build makes the new version from the stored one.
	build func(old *model.Blueprint) (*model.Blueprint, error)
	// migrate, when set, rewrites each entity (rename); otherwise entities
	// lose the properties and relations the new version drops.
	migrate func(e *model.Entity) bool
	// related, when set, returns new versions of other blueprints to store
	// in the same transaction (paths renamed through this blueprint), given
	// every stored blueprint.
	related func(all map[string]*model.Blueprint) []*model.Blueprint
	// permissions, when set, rewrites the blueprint's stored permissions
	// (rename) and reports whether it changed them.
	permissions func(p *model.EntityPermissions) bool
}

// blueprintUpdate is the shared path of PUT, PATCH and rename: build the new
// version from the stored one, validate it and every blueprint that refers
// to it, store them and migrate entities, all in one transaction.
func (s *Service) blueprintUpdate(ctx context.Context, actor model.Actor, id string, spec updateSpec) (*model.Blueprint, error) {
	if err := requireModerator(actor.Principal, id, fmt.Sprintf("changing blueprint %q", id)); err != nil {
		return nil, err
	}
	var out *model.Blueprint
	var touched []string
	err := s.inTx(ctx, func(tx store.Tx) (bool, error) {
		touched = nil // from a failed earlier attempt
		old, err := getBlueprint(ctx, tx, id)
		if err != nil {
			return false, err
		}
		nb, err := spec.build(old)
		if err != nil {
			return false, err
		}
		if nb.Identifier == "" {
			nb.Identifier = id
		}
		if nb.Identifier != id {
			ve := &model.ValidationError{Subject: fmt.Sprintf("blueprint %q", id)}
			ve.Add("identifier", "must be %q (blueprints cannot be renamed)", id)
			return false, ve
		}
		normaliseBlueprint(nb)
		stored, err := blueprintMap(ctx, tx)
		if err != nil {
			return false, err
		}
		others := make(map[string]*model.Blueprint, len(stored))
		for k, v := range stored {
			others[k] = v
		}
		var related []*model.Blueprint
		if spec.related != nil {
			related = spec.related(stored)
			for _, r := range related {
				if r.Identifier == id {
					continue
				}
				others[r.Identifier] = r
			}
		}
		ve := &model.ValidationError{Subject: fmt.Sprintf("blueprint %q", id)}
		checkImmutable(ve, old, nb)
		checkRelationChanges(ve, old, nb)
		if err := ve.Err(); err != nil {
			return false, err
		}
		if err := ValidateBlueprint(nb, others); err != nil {
			return false, err
		}
		if err := checkReferrers(nb, others); err != nil {
			return false, err
		}
		if len(related) == 0 && spec.migrate == nil && sameBlueprint(old, nb) {
			out = old // nothing changes: no version, no event
			return false, nil
		}
		o := s.origin(actor, "")
		stamp := func(nb, old *model.Blueprint) {
			nb.CreatedAt, nb.CreatedBy = old.CreatedAt, old.CreatedBy
			nb.UpdatedAt, nb.UpdatedBy = o.Time, actor.ID
			if !nb.UpdatedAt.After(old.UpdatedAt) {
				// Keep updatedAt strictly increasing: it keys the schema cache.
				nb.UpdatedAt = old.UpdatedAt.Add(time.Microsecond)
			}
		}
		stamp(nb, old)
		if err := tx.BlueprintChangeApply(ctx, &store.BlueprintChangeApplyParams{Kind: store.ChangeUpdate, Before: old, After: nb, Origin: o}); err != nil {
			return false, fmt.Errorf("update blueprint %s: %w", id, err)
		}
		for _, r := range related {
			if r.Identifier == id {
				continue
			}
			before := stored[r.Identifier]
			stamp(r, before)
			if err := tx.BlueprintChangeApply(ctx, &store.BlueprintChangeApplyParams{Kind: store.ChangeUpdate, Before: before, After: r, Origin: o}); err != nil {
				return false, fmt.Errorf("update blueprint %s: %w", r.Identifier, err)
			}
			touched = append(touched, r.Identifier)
		}
		if spec.permissions != nil {
			if err := s.rewritePermissions(ctx, tx, nb, o, spec.permissions); err != nil {
				return false, err
			}
		}
		if spec.migrate != nil {
			err = s.rewriteEntities(ctx, tx, nb, o, spec.migrate)
		} else {
			err = s.dropRemoved(ctx, tx, old, nb, o)
		}
		if err != nil {
			return false, err
		}
		if gainsDateTimes(old, nb) {
			// Values stored as plain strings become date-times: bring them
			// to the canonical form now, as every later write would
			// (NormaliseDateTimes runs only once per store).
			if err := s.rewriteEntities(ctx, tx, nb, o, func(e *model.Entity) bool {
				return normaliseDateTimes(nb, e.Properties)
			}); err != nil {
				return false, err
			}
		}
		if spec.migrate != nil || computedDefsChanged(old, nb) {
			if err := s.recomputeBlueprint(ctx, tx, nb, o); err != nil {
				return false, err
			}
		}
		for _, r := range related {
			if before := stored[r.Identifier]; r.Identifier != id && before != nil && computedDefsChanged(before, r) {
				if err := s.recomputeBlueprint(ctx, tx, r, o); err != nil {
					return false, err
				}
			}
		}
		out = nb
		return true, nil
	})
	s.schemas.drop(id)
	for _, t := range touched {
		s.schemas.drop(t)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sameBlueprint reports whether a and b define the same blueprint (meta
// fields aside), comparing their JSON.
func sameBlueprint(a, b *model.Blueprint) bool {
	strip := func(bp *model.Blueprint) []byte {
		c := *bp
		c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
		c.CreatedBy, c.UpdatedBy = "", ""
		j, err := json.Marshal(&c)
		if err != nil {
			return nil
		}
		return j
	}
	ja, jb := strip(a), strip(b)
	return ja != nil && string(ja) == string(jb)
}

// checkRelationChanges refuses changing an existing relation's target or
// cardinality: stored edges and values would no longer fit.
func checkRelationChanges(ve *model.ValidationError, old, nu *model.Blueprint) {
	for _, id := range sortedKeys(nu.Relations) {
		or, ok := old.Relations[id]
		if !ok {
			continue
		}
		nr := nu.Relations[id]
		if or.Target != nr.Target {
			ve.Add("relations."+id+".target", "cannot change from %q to %q: create a new relation, migrate the data and delete this one", or.Target, nr.Target)
		}
		if or.Many != nr.Many {
			ve.Add("relations."+id+".many", "cannot change a relation between single and many: create a new relation, migrate the data and delete this one")
		}
	}
}

// checkReferrers refuses a change that breaks another blueprint: a relation,
// ownership path or mirror path of another blueprint that no longer resolves.
func checkReferrers(nb *model.Blueprint, others map[string]*model.Blueprint) error {
	all := make(map[string]*model.Blueprint, len(others))
	for k, v := range others {
		all[k] = v
	}
	all[nb.Identifier] = nb
	for _, oid := range sortedKeys(others) {
		if oid == nb.Identifier {
			continue
		}
		o := others[oid]
		if !refersTo(o, nb.Identifier) {
			continue
		}
		if err := ValidateBlueprint(o, all); err != nil {
			return model.Conflictf("this change would break blueprint %q: %v", oid, err)
		}
	}
	return nil
}

// refersTo reports whether bp's relations or aggregations target id.
func refersTo(bp *model.Blueprint, id string) bool {
	for _, r := range bp.Relations {
		if r.Target == id {
			return true
		}
	}
	for _, a := range bp.AggregationProperties {
		if a.Target == id {
			return true
		}
	}
	return false
}

// gainsDateTimes reports whether nb gives a property of old (or its array
// items) a date-time or timer format it did not have.
func gainsDateTimes(old, nb *model.Blueprint) bool {
	isDT := func(p model.Property) bool {
		if p.Type == "array" && p.Items != nil {
			return query.IsDateTimeFormat(p.Items.Format)
		}
		return query.IsDateTimeFormat(p.Format)
	}
	for k, np := range nb.Schema.Properties {
		if op, ok := old.Schema.Properties[k]; ok && isDT(np) && !isDT(op) {
			return true
		}
	}
	return false
}

// dropRemoved rewrites the blueprint's entities when nb drops properties or
// relations that old had, so no stale value or edge remains.
func (s *Service) dropRemoved(ctx context.Context, tx store.Tx, old, nb *model.Blueprint, o store.Origin) error {
	var props, rels []string
	for id := range old.Schema.Properties {
		if _, ok := nb.Schema.Properties[id]; !ok {
			props = append(props, id)
		}
	}
	for id := range old.Relations {
		if _, ok := nb.Relations[id]; !ok {
			rels = append(rels, id)
		}
	}
	if len(props) == 0 && len(rels) == 0 {
		return nil
	}
	return s.rewriteEntities(ctx, tx, nb, o, func(e *model.Entity) bool {
		changed := false
		for _, p := range props {
			if _, ok := e.Properties[p]; ok {
				delete(e.Properties, p)
				changed = true
			}
		}
		for _, r := range rels {
			if _, ok := e.Relations[r]; ok {
				delete(e.Relations, r)
				changed = true
			}
		}
		return changed
	})
}

// BlueprintDeleteOptions control BlueprintDelete.
type BlueprintDeleteOptions struct {
	// DeleteEntities deletes the blueprint's entities too; without it a
	// blueprint with entities is not deleted (ErrConflict).
	DeleteEntities bool
}

// BlueprintDelete deletes a blueprint. System blueprints and blueprints that
// other blueprints' relations (or aggregation properties) target cannot be
// deleted (ErrConflict).
func (s *Service) BlueprintDelete(ctx context.Context, actor model.Actor, id string, opts BlueprintDeleteOptions) error {
	if systemBlueprint(id) != nil {
		return model.Conflictf("blueprint %q is a system blueprint and cannot be deleted", id)
	}
	if err := requireModerator(actor.Principal, id, fmt.Sprintf("deleting blueprint %q", id)); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx store.Tx) (bool, error) {
		if err := s.deleteBlueprintTx(ctx, tx, actor, id, opts.DeleteEntities, ""); err != nil {
			return false, err
		}
		return true, nil
	})
	s.schemas.drop(id)
	return err
}

func (s *Service) deleteBlueprintTx(ctx context.Context, tx store.Tx, actor model.Actor, id string, deleteEntities bool, runID string) error {
	bp, err := getBlueprint(ctx, tx, id)
	if err != nil {
		return err
	}
	others, err := blueprintMap(ctx, tx)
	if err != nil {
		return err
	}
	var referrers []string
	for _, oid := range sortedKeys(others) {
		if oid != id && refersTo(others[oid], id) {
			referrers = append(referrers, oid)
		}
	}
	if len(referrers) > 0 {
		return model.Conflictf("blueprint %q cannot be deleted: blueprints %s relate to it", id, quoteList(referrers))
	}
	n, err := tx.EntityCount(ctx, &store.EntityCountParams{Blueprint: id})
	if err != nil {
		return fmt.Errorf("count entities of %s: %w", id, err)
	}
	o := s.origin(actor, runID)
	if n > 0 {
		if !deleteEntities {
			return model.Conflictf("blueprint %q still has %d entities; delete them first or ask to delete them with the blueprint", id, n)
		}
		if _, err := s.deleteAllTx(ctx, tx, bp, o, s.newWriteAccess(ctx, tx, actor)); err != nil {
			return err
		}
	}
	if err := tx.BlueprintChangeApply(ctx, &store.BlueprintChangeApplyParams{Kind: store.ChangeDelete, Before: bp, Origin: o}); err != nil {
		return fmt.Errorf("delete blueprint %s: %w", id, err)
	}
	if err := tx.PermissionsDelete(ctx, &store.PermissionsDeleteParams{Blueprint: id}); err != nil {
		return fmt.Errorf("delete permissions of blueprint %s: %w", id, err)
	}
	return nil
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return strings.Join(q, ", ")
}
