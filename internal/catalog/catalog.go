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
// EntityChangeApply, Commit — or Rollback, leaving nothing behind.
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

// inTx runs fn in one store transaction (DESIGN §4). fn returns whether to
// commit; on false (a dry run) or any error the transaction is rolled back and
// nothing changes. OnCommit is called after a successful commit.
func (s *Service) inTx(ctx context.Context, fn func(tx store.Tx) (commit bool, err error)) error {
	tx, err := s.opts.Store.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	commit, err := fn(tx)
	if err != nil {
		return err
	}
	if !commit {
		return nil
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if s.opts.OnCommit != nil {
		s.opts.OnCommit()
	}
	return nil
}
