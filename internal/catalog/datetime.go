package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
)

// Date-times (docs/data-model.md, "Date-times"): every write stores the
// values of date-time and timer properties in the canonical form
// query.DateTimeText (normaliseDateTimes, on the after-state of each write).
// Rows written before that rule are brought to it by NormaliseDateTimes,
// which serve runs in the background at every start: finding them scans the
// rows of every blueprint with date-time properties inside the database
// (~80 µs a row on SQLite), too slow to hold up serving a large catalog, and
// too slow to repeat at every start once nothing is left to find — hence
// the store-wide marker dateTimesCanonical.

// dateTimeBatch is how many entities one normalising transaction rewrites.
const dateTimeBatch = 500

// dateTimesCanonical is the store setting NormaliseDateTimes sets to "1"
// once a run has finished: from then on every stored date-time is canonical
// (every write since stores that form), so later runs have nothing to find.
const dateTimesCanonical = "catalog.datetimes.canonical"

// NormaliseDateTimes rewrites the date-time values of every entity whose
// stored text is not canonical, as writes of the system actor (a new version
// and an ENTITY_UPDATED event each, updatedAt kept; dependents' mirrors
// follow via propagate), and returns how many entities it rewrote. It finds
// them with one search per blueprint that declares date-time properties; a
// catalog already canonical costs those searches and nothing is written.
// Values that are not RFC 3339 at all are left as they are. It is safe to
// run beside other writers and from several replicas at once: each batch
// re-reads its entities under their locks.
//
// It runs to completion once per store: a run that finishes without error
// and without ctx being cancelled then sets the store setting
// "catalog.datetimes.canonical" to "1" (in a transaction of its own), and
// every later call sees it and returns 0 at once without searching. An
// interrupted run leaves it unset, so the next start searches again.
func (s *Service) NormaliseDateTimes(ctx context.Context) (int, error) {
	switch v, err := s.opts.Store.SettingGet(ctx, &store.SettingGetParams{Key: dateTimesCanonical}); {
	case err == nil && v == "1":
		return 0, nil
	case err != nil && !errors.Is(err, model.ErrNotFound):
		return 0, fmt.Errorf("read %s: %w", dateTimesCanonical, err)
	}
	bps, err := blueprintMap(ctx, s.opts.Store)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range sortedKeys(bps) {
		q := nonCanonicalDateTimes(bps[id])
		if q == nil {
			continue
		}
		cursor := ""
		for {
			page, err := s.EntitySearch(ctx, SearchOptions{Blueprint: id, Query: q, Paginate: true, Limit: dateTimeBatch, Cursor: cursor})
			if err != nil {
				return total, fmt.Errorf("find date-times to normalise in %s: %w", id, err)
			}
			if len(page.Entities) > 0 {
				keys := make([]model.EntityKey, len(page.Entities))
				for i, e := range page.Entities {
					keys[i] = e.Key()
				}
				n, err := s.normaliseEntityDateTimes(ctx, id, keys)
				total += n
				if err != nil {
					return total, err
				}
			}
			if page.Next == "" {
				break
			}
			// Keyset paging on (blueprint, identifier), which a rewrite
			// does not change: no entity is skipped.
			cursor = page.Next
		}
	}
	// The marker claims every page was seen: check ctx once more, so that a
	// cancellation some step did not report never sets it.
	if err := ctx.Err(); err != nil {
		return total, err
	}
	err = s.inTx(ctx, func(tx store.Tx) (bool, error) {
		return true, tx.SettingPut(ctx, &store.SettingPutParams{Key: dateTimesCanonical, Value: "1", Time: s.now()})
	})
	if err != nil {
		return total, fmt.Errorf("set %s: %w", dateTimesCanonical, err)
	}
	return total, nil
}

// nonCanonicalDateTimes is a query matching every entity of bp with a
// date-time value not in the canonical form "YYYY-MM-DDTHH:MM:SSZ": such a
// value has a fraction ('.'), a lower-case 't' or 'z', or an offset (it
// then ends in a digit). It is nil when bp has no date-time property.
func nonCanonicalDateTimes(bp *model.Blueprint) json.RawMessage {
	var rules []any
	for _, name := range sortedKeys(bp.Schema.Properties) {
		p := bp.Schema.Properties[name]
		format := p.Format
		if p.Type == "array" && p.Items != nil {
			format = p.Items.Format
		}
		if !query.IsDateTimeFormat(format) {
			continue
		}
		for _, s := range []string{".", "t", "z"} {
			rules = append(rules, map[string]any{"property": name, "operator": "contains", "value": s})
		}
		for d := range 10 {
			rules = append(rules, map[string]any{"property": name, "operator": "endsWith", "value": fmt.Sprint(d)})
		}
	}
	if rules == nil {
		return nil
	}
	b, _ := json.Marshal(map[string]any{"combinator": "or", "rules": rules})
	return b
}

// normaliseEntityDateTimes rewrites the listed entities of bp whose
// date-time values are not canonical (re-read under their locks) and
// returns how many it rewrote.
func (s *Service) normaliseEntityDateTimes(ctx context.Context, bpID string, keys []model.EntityKey) (int, error) {
	actor := model.Actor{ID: systemActor, Origin: model.OriginAPI}
	n := 0
	err := s.inTx(ctx, func(tx store.Tx) (bool, error) {
		n = 0
		bps, err := blueprintMap(ctx, tx)
		if err != nil {
			return false, err
		}
		bp := bps[bpID]
		if bp == nil {
			return false, nil // deleted meanwhile
		}
		if err := lockKeys(ctx, tx, keys); err != nil {
			return false, err
		}
		es, err := getMany(ctx, tx, keys)
		if err != nil {
			return false, err
		}
		var changes []store.EntityChange
		for _, e := range es {
			normaliseEntity(bp, e)
			after := cloneEntity(e)
			if normaliseDateTimes(bp, after.Properties) {
				changes = append(changes, store.EntityChange{Kind: store.ChangeUpdate, Before: e, After: after, Edges: edgesOf(bp, after)})
			}
		}
		if len(changes) == 0 {
			return false, nil
		}
		o := s.origin(actor, "")
		if err := tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Changes: changes, Origin: o}); err != nil {
			return false, fmt.Errorf("normalise date-times of %s: %w", bpID, err)
		}
		if err := s.propagate(ctx, tx, bps, changes, o); err != nil {
			return false, err
		}
		n = len(changes)
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
