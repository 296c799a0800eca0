package sqlstore

import (
	"context"
	"sync"

	"github.com/atrium-idp/atrium/internal/model"
)

// idCache keeps entity ids across the write transactions of a store with
// one writer (IDNumberer flavors: SQLite), so a bulk write's relation
// targets — the same services and environments batch after batch — are
// not read again for every transaction (~4 µs per entity of a bulk create).
//
// It is exact only at one outbox sequence: every committed change of this
// process updates it at commit, under its lock, and records the sequence
// the commit reached. A write transaction trusts it only after checking,
// inside the transaction (holding the write lock), that the database's
// sequence is still that one; a write by another process moves the
// sequence, and the cache starts over empty. A transaction that did not
// check it before committing cannot vouch for it and empties it too.
type idCache struct {
	mu  sync.Mutex
	seq int64 // outbox sequence at which ids is exact
	ids map[model.EntityKey]int64
}

// maxCachedIDs bounds the cache (~100 bytes an entry); past it the cache
// starts over.
const maxCachedIDs = 200_000

// idCacheUsable reports whether t may read the cache, checking it once per
// transaction.
func (t *Tx) idCacheUsable(ctx context.Context) (bool, error) {
	if t.idc == nil {
		return false, nil
	}
	if !t.idcChecked {
		var seq int64
		if err := t.queryRow(ctx, true, lastSeqSQL).Scan(&seq); err != nil {
			return false, t.wrap("read outbox sequence", err)
		}
		t.idc.mu.Lock()
		if t.idc.seq != seq {
			clear(t.idc.ids)
			t.idc.seq = seq
		}
		t.idc.mu.Unlock()
		t.idcChecked = true
	}
	return true, nil
}

// lookupCachedIDs adds to out the cached ids of keys not deleted by t, and returns
// the keys it did not find.
func (t *Tx) lookupCachedIDs(keys []model.EntityKey, out map[model.EntityKey]int64) []model.EntityKey {
	var missing []model.EntityKey
	t.idc.mu.Lock()
	defer t.idc.mu.Unlock()
	for _, k := range keys {
		if _, gone := t.deleted[k]; !gone {
			if id, ok := t.idc.ids[k]; ok {
				out[k] = id
				t.useID(k, id) // the cache has it already
				continue
			}
		}
		missing = append(missing, k)
	}
	return missing
}

// publishIDs hands t's ids and deletions to the cache after t committed,
// reaching outbox sequence seq. The caller holds no lock of the cache.
func (t *Tx) publishIDs(seq int64) {
	if t.idc == nil {
		return
	}
	c := t.idc
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids = make(map[model.EntityKey]int64, len(t.learned))
	}
	if !t.idcChecked || len(c.ids)+len(t.learned) > maxCachedIDs {
		// Starting over, with every id t knows: those it took from the
		// cache are not in learned.
		clear(c.ids)
		for k, id := range t.ids {
			c.ids[k] = id
		}
	}
	for k := range t.deleted {
		delete(c.ids, k)
	}
	for _, e := range t.learned {
		// Only ids still current: t may have deleted (or deleted and
		// created again) an entity after learning its id.
		if id, ok := t.ids[e.key]; ok && id == e.id {
			c.ids[e.key] = e.id
		}
	}
	c.seq = seq
}
