// Package catalog is the catalog service: blueprint and entity lifecycle,
// schema validation, relations and Port's write semantics (reference/port.md
// §1–2). Every catalog write goes through it; other services read and write
// the catalog only through its exported methods (DESIGN §1.2).
//
// It imports model, store (ports only), clock, query (rule-tree search and
// map by property: search.go, mapquery.go) and its libraries (jsonschema,
// gojq, yaml); never httpapi or a driver.
//
// Files by concept: blueprint.go (blueprint rules and lifecycle), property.go
// (type and format rules), schema.go (compiled JSON Schema per blueprint and
// its cache), entity.go (entity input, normalisation, reads), write.go (the
// one write path of every entity create/replace/patch), bulk.go, delete.go,
// rename.go, identifier.go (identifier rules and "map by property"),
// system.go (_user and _team), permissions.go and readaccess.go (access
// control).
//
// Access control (docs/access.md): permissions.go holds the blueprint
// permissions document (BlueprintPermissions, BlueprintPermissionsPatch) and
// the write rules; readaccess.go the read condition. Writes take the caller
// as model.Actor, reads from model.ActorFrom(ctx); a nil Principal is a
// trusted in-process caller and is never checked. Where checks live:
//   - blueprint writes: Admin for BlueprintCreate, Admin or the blueprint's
//     moderator for blueprintUpdate (replace, patch, rename), BlueprintDelete
//     and EntityDeleteAll with DeleteBlueprint;
//   - entity writes: batch.authorize, after each item's after-state is built
//     and before targets are checked (register on create, update or
//     per-property/relation grants otherwise), makeStubs (register on the
//     targets create_missing_related_entities creates), deleteEntitiesTx
//     (unregister on every deleted entity, cascaded dependents included) —
//     all inside the write's transaction, before anything is applied;
//   - entity reads: readAccess.filter ANDs the caller's read condition into
//     the rule tree of EntitySearch (as-of included), EntityAggregate,
//     EntityCount(Query) and EntityList; readAccess.visible checks keys for
//     EntityGet, EntityHistory (live entities), EntityImpact and
//     EntityTextSearch; readableDoc evaluates
//     documents in memory for history of deleted entities, EntityGetAsOf,
//     CatalogDiff and EventFilter.
//
// Every write is one store transaction: Begin, EntityLock the keys written,
// read the current state inside the transaction, apply with one
// EntityChangeApply, Commit — or Rollback, leaving nothing behind. Locks a
// write needs only later (dependents) never wait; a writer that would have
// to is rolled back and run again from scratch (inTx, "Locking and
// retrying"), as is one the database reports as a deadlock victim.
//
// A write also locks the relation targets it names (with its own keys, in
// one EntityLock call, before reading them), so a concurrent delete of a
// target either waits for the write and then sees the new dependent, or wins
// and the write sees the target gone: no edge can point at a deleted entity.
// Teams are not locked: an entity's team is a field, not an edge.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/atrium-idp/atrium/internal/clock"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// Options configure a Service.
type Options struct {
	// Store is required.
	Store store.Store
	// Clock defaults to clock.Real.
	Clock clock.Clock
	// Logger defaults to a discarding logger.
	Logger *slog.Logger
	// OnCommit, when set, is called after every committed write (the events
	// hub uses it to wake live streams). It must not block.
	OnCommit func()
	// MaxBulk caps entities per bulk request; default 1000.
	MaxBulk int
}

// Service is the catalog. It is safe for concurrent use.
type Service struct {
	opts    Options
	schemas schemaCache
	jq      jqCache // compiled calculation properties
	// afterPrepare, set only by tests, runs between a write's preparation
	// and its transaction (prepare.go).
	afterPrepare func()
	// groups gathers bulk writes waiting for a single writer (group.go).
	groups groups
}

// defaultMaxBulk is Options.MaxBulk when unset.
const defaultMaxBulk = 1000

// New validates opts and returns a Service.
func New(opts Options) (*Service, error) {
	if opts.Store == nil {
		return nil, errors.New("catalog: Options.Store is required")
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBulk < 0 {
		return nil, errors.New("catalog: Options.MaxBulk must not be negative")
	}
	if opts.MaxBulk == 0 {
		opts.MaxBulk = defaultMaxBulk
	}
	opts.Logger = opts.Logger.With("component", "catalog")
	return &Service{opts: opts}, nil
}

// now is the service's clock in UTC, truncated to microseconds (both stores
// keep microseconds).
func (s *Service) now() time.Time { return s.opts.Clock.Now().UTC().Truncate(time.Microsecond) }

// origin builds the store Origin of one write.
func (s *Service) origin(actor model.Actor, runID string) store.Origin {
	return store.Origin{Actor: actor.ID, Origin: actor.Origin, RunID: runID, RequestID: actor.RequestID, Time: s.now()}
}

// Locking and retrying (DESIGN §4). On PostgreSQL writers of different
// entities run at once, and a write locks entities as it goes: its own keys
// and relation targets first, then (propagate, deleteEntitiesTx) the
// entities whose computed values or relations depend on them, which it only
// learns after reading under the first locks. Waiting for a later lock while
// holding earlier ones is how two writers deadlock (the database notices
// only after its deadlock_timeout, a second by default). So:
//
//   - an attempt's first EntityLock call waits (one call: the store takes
//     its keys in one global order, so first calls never deadlock with each
//     other); an entity write puts in it, besides its keys and relation
//     targets, the dependents it can foresee from the state before locking
//     (batch.predictDependents), so it rarely needs a later call;
//   - every later call is NoWait: a key another writer holds fails the
//     attempt at once with a retryable error, and the attempt rolls back,
//     releasing what it held, so the other writer goes on;
//   - inTx then runs the whole transaction again (when store.IsRetryable
//     says so, also for a deadlock or serialization failure the database
//     reports), and the rerun's first call takes every key the failed
//     attempts locked or asked for: it waits for the other writer instead
//     of failing again, unless the keys it needs grew meanwhile (then it is
//     retried again, up to maxTxAttempts).
//
// SQLite has one writer: it never waits for a lock nor reports a retryable
// error, so nothing there is retried.
//
// Between attempts inTx waits a random time below a bound that doubles per
// attempt (full jitter), so victims of one deadlock do not collide again.
// The wait is real time, not Options.Clock: it paces this writer against
// other live transactions, which run in real time, and a fake clock in tests
// would stall it. Nothing else depends on it.
const (
	maxTxAttempts     = 8
	retryBackoffFirst = 2 * time.Millisecond
	retryBackoffMax   = 100 * time.Millisecond
)

// inTx runs fn in one store transaction (DESIGN §4). fn returns whether to
// commit; on false (a dry run) or any error the transaction is rolled back and
// nothing changes. OnCommit is called after a successful commit.
//
// fn may run more than once (see Locking and retrying above): each run
// starts from scratch in a new transaction, so fn must keep no state between
// runs — it may only assign results to variables it owns, never append to
// or fill in ones that outlive a run — and must have no effect outside tx.
func (s *Service) inTx(ctx context.Context, fn func(tx store.Tx) (commit bool, err error)) error {
	var hint []model.EntityKey
	for attempt := 1; ; attempt++ {
		ltx, err := s.runTx(ctx, hint, fn)
		if err == nil || !store.IsRetryable(err) || attempt == maxTxAttempts {
			return err
		}
		hint = ltx.keys()
		s.opts.Logger.Debug("retrying a write transaction", "attempt", attempt, "keys", len(hint), "err", err)
		bound := min(retryBackoffFirst<<(attempt-1), retryBackoffMax)
		t := time.NewTimer(rand.N(bound))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}

// runTx is one attempt of inTx. It returns the attempt's transaction
// wrapper, whose keys the next attempt locks up front.
func (s *Service) runTx(ctx context.Context, hint []model.EntityKey, fn func(tx store.Tx) (bool, error)) (*lockingTx, error) {
	tx, err := s.opts.Store.Begin(ctx)
	if err != nil {
		return &lockingTx{hint: hint}, fmt.Errorf("begin transaction: %w", err)
	}
	ltx := &lockingTx{Tx: tx, hint: hint, held: map[model.EntityKey]bool{}, serial: s.serialWrites()}
	defer func() { _ = tx.Rollback(ctx) }()
	commit, err := fn(ltx)
	if err != nil {
		return ltx, err
	}
	if !commit {
		return ltx, nil
	}
	if err := tx.Commit(ctx); err != nil {
		return ltx, fmt.Errorf("commit: %w", err)
	}
	if s.opts.OnCommit != nil {
		s.opts.OnCommit()
	}
	return ltx, nil
}

// serialWrites reports whether the store runs write transactions one at a
// time (SQLite): then no writer can hold a key another wants, and entity
// locks — taking them, or gathering the keys to take — are skipped.
func (s *Service) serialWrites() bool { return s.opts.Store.Capabilities().SingleWriter }

// lockingTx is the store.Tx an inTx attempt hands to its function. It
// remembers the keys the attempt locks, skips keys it already holds, adds
// the keys of failed earlier attempts (hint) to its first EntityLock call
// and makes every later call NoWait (see Locking and retrying).
type lockingTx struct {
	store.Tx
	hint []model.EntityKey
	// held holds every key this attempt locked or asked to lock.
	held map[model.EntityKey]bool
	// first is set once the first EntityLock call was made.
	first bool
	// serial is set on a store whose write transactions run one at a
	// time (SQLite): nothing can hold a key this attempt wants, so there
	// is nothing to lock or to remember for a retry.
	serial bool
}

// EntityLock locks the keys of p not yet held: the first time with hint
// and waiting, later without waiting.
func (t *lockingTx) EntityLock(ctx context.Context, p *store.EntityLockParams) error {
	if t.serial {
		return nil
	}
	var keys []model.EntityKey
	add := func(ks []model.EntityKey) {
		for _, k := range ks {
			if !t.held[k] {
				t.held[k] = true
				keys = append(keys, k)
			}
		}
	}
	later := t.first
	if !t.first {
		t.first = true
		add(t.hint)
	}
	add(p.Keys)
	if len(keys) == 0 {
		return nil
	}
	return t.Tx.EntityLock(ctx, &store.EntityLockParams{Keys: keys, NoWait: later || p.NoWait})
}

// keys returns every key this attempt and the earlier ones locked or asked
// to lock.
func (t *lockingTx) keys() []model.EntityKey {
	out := slices.Clone(t.hint)
	seen := make(map[model.EntityKey]bool, len(t.hint))
	for _, k := range t.hint {
		seen[k] = true
	}
	for k := range t.held {
		if !seen[k] {
			out = append(out, k)
		}
	}
	return out
}
