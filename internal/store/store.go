// Package store defines Atrium's persistence ports: the Store, its read
// operations (Reader), its write transaction (Tx), the …Params structs they
// take, and the Dialect through which SQL differences are asked, never
// switched on (STYLE §3).
//
// It imports only model. Drivers (store/sqlite, store/postgres) implement it;
// only cmd/atrium and tests import a driver. store/storetest is the one
// conformance suite every driver passes.
package store

import (
	"context"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
)

// Store is an open database.
type Store interface {
	Reader
	// Begin starts a write transaction. Writes are serialised per entity key
	// by Tx.EntityLock; on SQLite all writers are serialised (one writer).
	Begin(ctx context.Context) (Tx, error)
	// Dialect describes the SQL flavour, for the query compiler.
	Dialect() Dialect
	// Capabilities reports optional features of the driver.
	Capabilities() Capabilities
	Close() error
}

// Capabilities are the optional features a driver has.
type Capabilities struct {
	// Notify is true when other replicas can be woken on commit (PostgreSQL
	// LISTEN/NOTIFY); without it consumers poll.
	Notify bool
	// SingleWriter is true when write transactions run one at a time
	// (SQLite): work moved out of one then lets the others proceed.
	SingleWriter bool
}

// Dialect answers SQL questions per database. It grows with the query
// compiler; today it names the driver for logs and placeholders.
type Dialect interface {
	// Name is "sqlite" or "postgres"; for logs and messages only, never for
	// branching outside store/.
	Name() string
	// Placeholder returns the n-th (1-based) bind placeholder.
	Placeholder(n int) string
	// QueryDialect answers the query compiler.
	QueryDialect
}

// Reader holds every read operation. Store reads run on a pooled connection
// outside any write transaction; Tx reads see the transaction's own writes.
type Reader interface {
	BlueprintGet(ctx context.Context, p *BlueprintGetParams) (*model.Blueprint, error)
	BlueprintList(ctx context.Context, p *BlueprintListParams) ([]*model.Blueprint, error)

	EntityCount(ctx context.Context, p *EntityCountParams) (int64, error)
	EntityFind(ctx context.Context, p *EntityFindParams) ([]*model.Entity, error)
	EntityGet(ctx context.Context, p *EntityGetParams) (*model.Entity, error)
	EntityGetMany(ctx context.Context, p *EntityGetManyParams) ([]*model.Entity, error)
	EntityList(ctx context.Context, p *EntityListParams) ([]*model.Entity, error)
	// EntitySearch returns entities matching a compiled query condition, in
	// sort order, one page at a time.
	EntitySearch(ctx context.Context, p *EntitySearchParams) ([]*model.Entity, error)
	// EntityAggregate counts or aggregates the entities matching a compiled
	// query condition (aggregate.go).
	EntityAggregate(ctx context.Context, p *EntityAggregateParams) (*EntityAggregateResult, error)

	EdgeListIncoming(ctx context.Context, p *EdgeListIncomingParams) ([]model.Edge, error)
	EdgeTraverse(ctx context.Context, p *EdgeTraverseParams) (*EdgeTraverseResult, error)

	// EntityTextSearch sees every commit this process made before the call;
	// inside a write transaction it need not see the transaction's own
	// writes (SQLite's index is a projection of commits).
	EntityTextSearch(ctx context.Context, p *EntityTextSearchParams) ([]EntityTextHit, error)

	EntityVersionList(ctx context.Context, p *EntityVersionListParams) ([]*model.EntityVersion, error)
	EntityVersionAt(ctx context.Context, p *EntityVersionAtParams) (*model.EntityVersion, error)
	EntityVersionAtMany(ctx context.Context, p *EntityVersionAtManyParams) ([]*model.EntityVersion, error)
	EntityVersionsAt(ctx context.Context, p *EntityVersionsAtParams) ([]*model.EntityVersion, error)
	EntityVersionChanges(ctx context.Context, p *EntityVersionChangesParams) ([]EntityVersionChange, error)

	EventList(ctx context.Context, p *EventListParams) ([]*model.Event, error)
	EventLastSeq(ctx context.Context) (int64, error)

	AccessReader
	SettingReader
}

// Tx is one write transaction. Every catalog write goes through exactly one
// (DESIGN §4): it changes current state, edges, versions and the outbox
// together, or — after Rollback or any error — nothing at all. A write
// call that failed may have left part of its writes in the transaction
// (PostgreSQL then refuses every later statement; SQLite's batched inserts
// stop at the failing row, see sqlstore.FailingInserter): after a write
// fails, the only call left is Rollback.
type Tx interface {
	Reader

	BlueprintChangeApply(ctx context.Context, p *BlueprintChangeApplyParams) error
	// EntityLock serialises concurrent writers of the same entities until the
	// transaction ends, including entities that do not exist yet. Keys are
	// locked in a deterministic order so two bulk writes cannot deadlock.
	EntityLock(ctx context.Context, p *EntityLockParams) error
	// EntityChangeApply writes each change's current state, replaces its
	// outgoing edges, appends a version (closing the previous one) and appends
	// one event, in the order given.
	EntityChangeApply(ctx context.Context, p *EntityChangeApplyParams) error

	AccessTx
	SettingTx

	Commit(ctx context.Context) error
	// Rollback is safe to call after Commit (it then does nothing).
	Rollback(ctx context.Context) error
}

// BlueprintGetParams selects one blueprint.
type BlueprintGetParams struct {
	Identifier string
}

// BlueprintListParams lists blueprints, ordered by identifier.
type BlueprintListParams struct{}

// ChangeKind says what a change does to the current state.
type ChangeKind int

// Change kinds.
const (
	ChangeCreate ChangeKind = iota + 1
	ChangeUpdate
	ChangeDelete
)

// Origin carries who made a change, copied onto versions and events.
type Origin struct {
	Actor     string
	Origin    string
	RunID     string
	RequestID string
	Time      time.Time
}

// BlueprintChangeApplyParams creates, replaces or deletes one blueprint and
// appends one event carrying Before and After.
type BlueprintChangeApplyParams struct {
	Kind   ChangeKind
	Before *model.Blueprint // nil on create
	After  *model.Blueprint // nil on delete
	Origin Origin
}

// EntityLockParams lists the entity keys to lock.
type EntityLockParams struct {
	Keys []model.EntityKey
	// NoWait makes the call fail at once, with an error IsRetryable accepts,
	// when another transaction holds one of Keys, instead of waiting for it.
	// A transaction that already holds locks asks for more this way: waiting
	// while holding locks taken in another call is how writers deadlock
	// (drivers with one writer never wait and ignore it).
	NoWait bool
}

// EntityChange is one entity write.
type EntityChange struct {
	Kind ChangeKind
	// Before is the stored state an update or delete replaces (nil on
	// create; required otherwise): it becomes the document of the version
	// the change closes, since an open version keeps none (its document
	// is the entity's current row).
	Before *model.Entity
	After  *model.Entity // nil on delete
	// Edges are After's outgoing relation instances (resolved target
	// blueprints), replacing the entity's previous edges. Ignored on delete.
	Edges []model.Edge
}

// EntityChangeApplyParams applies changes in order within the transaction.
type EntityChangeApplyParams struct {
	Changes []EntityChange
	Origin  Origin
}

// EntityCountParams counts a blueprint's entities.
type EntityCountParams struct {
	Blueprint string
}

// EntityGetParams selects one entity.
type EntityGetParams struct {
	Blueprint  string
	Identifier string
}

// EntityGetManyParams selects entities by key; missing keys are skipped.
type EntityGetManyParams struct {
	Keys []model.EntityKey
	// Summary reads only Blueprint, Identifier, Title and Team, leaving the
	// other fields zero: callers that only name the entities (impact
	// analysis) skip reading and decoding their properties and relations,
	// most of a read's cost.
	Summary bool
	// KeysOnly reads only Blueprint and Identifier: an existence check,
	// answered from the key's index without reading the rows.
	KeysOnly bool
}

// EntityListParams pages through a blueprint's entities in identifier order.
type EntityListParams struct {
	Blueprint string
	// After is the last identifier of the previous page ("" for the first).
	After string
	// Limit caps the page; 0 means no limit.
	Limit int
}

// Match is one "map by property" condition: Field equals one of Values.
// Field is a property identifier or one of "$identifier", "$title".
// Values are JSON scalars (string, float64, bool).
type Match struct {
	Field  string
	Values []any
}

// EntityFindParams finds entities of a blueprint matching every condition,
// in identifier order.
type EntityFindParams struct {
	Blueprint string
	Match     []Match
	Limit     int // 0 means no limit
}

// EdgeListIncomingParams lists edges pointing at any of To.
type EdgeListIncomingParams struct {
	To []model.EntityKey
}

// EntityVersionListParams lists an entity's versions, oldest first.
type EntityVersionListParams struct {
	Blueprint  string
	Identifier string
}

// EventListParams reads the outbox in sequence order.
type EventListParams struct {
	AfterSeq   int64
	Blueprints []string // empty means all
	Limit      int      // 0 means a driver default of 1000
}
