package catalog

import (
	"context"
	"encoding/json"
	"reflect"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/parallel"
)

// Preparing a write before its transaction.
//
// Most of an entity write's Go work — decoding the input, building the
// after-state and validating it against the blueprint's JSON Schema —
// depends only on the input and the blueprint. Done inside the transaction
// it would sit inside SQLite's single writer, so concurrent bulk requests
// could not overlap it with each other's SQL, and one request would use
// one core. writeBatch therefore prepares the items first, against the
// blueprint as a plain read sees it, spread over the cores, and the
// transaction uses that work only if it reads the very same blueprint (and
// team blueprint); otherwise it does the work itself, as it always does for
// what needs the transaction: identifiers given as search queries, writes by
// URL (PUT, PATCH), and relations or teams given as search queries.
// A patch (merge onto a stored entity) uses the decoded input only.

// preparedItem is the transaction-independent work of one write item.
type preparedItem struct {
	// id is the identifier the item was prepared under; the transaction
	// uses the work only for an item that resolves to the same one.
	id       string
	parsed   *parsedInput
	parseErr error
	// built is set when fresh (or buildErr) holds the after-state built
	// from scratch — what a create or a replace writes — validated.
	built    bool
	fresh    *model.Entity
	buildErr error
}

// preparation is the prepared work of one writeBatch.
type preparation struct {
	bp, teamBP *model.Blueprint
	// usedTeam is set when some input names a team: then teamBP was read.
	usedTeam bool
	items    []*preparedItem // by index; nil: not prepared
}

// minPreparedPerWorker keeps small batches on one goroutine: below it,
// starting workers costs more than it saves.
const minPreparedPerWorker = 32

// prepare does the transaction-independent work of items. It returns nil
// when there is nothing to prepare or the blueprint cannot be read (the
// transaction then reports the problem).
func (s *Service) prepare(ctx context.Context, blueprint string, items []*writeItem, mode writeMode) *preparation {
	if mode == modeReplace || mode == modePatch {
		return nil // writes by URL: the identifier and state come from the transaction
	}
	if len(items) < minPreparedPerWorker && !s.opts.Store.Capabilities().SingleWriter {
		// Concurrent writers (PostgreSQL) gain nothing from a small write's
		// work leaving its transaction, and it would cost a round trip.
		return nil
	}
	bp, err := getBlueprint(ctx, s.opts.Store, blueprint)
	if err != nil {
		return nil
	}
	sch, err := s.schemas.get(bp)
	if err != nil {
		return nil
	}
	pre := &preparation{bp: bp, items: make([]*preparedItem, len(items))}
	w := &batch{s: s, ctx: ctx, bp: bp, schema: sch, mode: mode, bps: map[string]*model.Blueprint{bp.Identifier: bp}}
	for _, it := range items {
		if it.in != nil && it.in.Team != nil {
			if pre.teamBP, err = getBlueprint(ctx, s.opts.Store, model.TeamBlueprint); err != nil && !isKinded(err) {
				return nil
			}
			pre.usedTeam = true
			w.bps[model.TeamBlueprint] = pre.teamBP
			break
		}
	}
	parallel.For(len(items), minPreparedPerWorker, func(i int) { pre.items[i] = w.prepareItem(items[i]) })
	return pre
}

// prepareItem decodes it and, when that needs no transaction, builds and
// validates its after-state from scratch. It returns nil for an item whose
// identifier the transaction must resolve.
func (w *batch) prepareItem(it *writeItem) *preparedItem {
	if it.in == nil || it.urlID != "" || isQueryValue(it.in.Identifier) {
		return nil
	}
	var id string
	if json.Unmarshal(it.in.Identifier, &id) != nil || checkNewID(w.bp.Identifier, id) != nil {
		return nil // the transaction reports it
	}
	// A scratch item: fail and the subject of errors work as in the
	// transaction.
	tmp := &writeItem{in: it.in, blueprint: w.bp.Identifier, id: id}
	ve := &model.ValidationError{}
	pi := &preparedItem{id: id, parsed: parseInput(ve, w.bp, w.bps[model.TeamBlueprint], it.in)}
	if err := ve.Err(); err != nil {
		tmp.fail(err)
		pi.parseErr = tmp.err
		return pi
	}
	if needsTx(pi.parsed) {
		return pi
	}
	tmp.parsed = pi.parsed
	after, err := w.buildAfter(tmp, nil, false)
	if err != nil {
		return pi // an internal failure: the transaction meets it again
	}
	pi.built, pi.fresh, pi.buildErr = true, after, tmp.err
	return pi
}

// needsTx reports whether building from p reads the transaction: a
// relation or team given as a search query.
func needsTx(p *parsedInput) bool {
	for _, rv := range p.rels {
		if rv.query != nil || (!rv.null && isQueryValue(rv.raw)) {
			return true
		}
	}
	return p.teamSet && p.team.query != nil
}

// matches reports whether the transaction's blueprints are those pre was
// prepared against; teamBP is read only when pre needed it.
func (pre *preparation) matches(w *batch) (bool, error) {
	if pre == nil || !reflect.DeepEqual(pre.bp, w.bp) {
		return false, nil
	}
	if !pre.usedTeam {
		return true, nil
	}
	teamBP, err := w.blueprint(model.TeamBlueprint)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(pre.teamBP, teamBP), nil
}

// preparedAt returns the prepared work of the item at index i, or nil.
// Only items whose identifier is a plain string are prepared, so its id is
// the one resolveID would give.
func (w *batch) preparedAt(i int) *preparedItem {
	if w.pre == nil || i >= len(w.pre.items) {
		return nil
	}
	return w.pre.items[i]
}

// prepared returns it's prepared work, or nil.
func (w *batch) prepared(it *writeItem) *preparedItem {
	if pi := w.preparedAt(it.index); pi != nil && pi.id == it.id {
		return pi
	}
	return nil
}
