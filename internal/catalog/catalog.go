// Package catalog is the catalog service: blueprint and entity lifecycle,
// schema validation, relations and Port's write semantics (reference/port.md
// §1–2). Every catalog write goes through it; other services read and write
// the catalog only through its exported methods (DESIGN §1.2).
//
// It imports model, store (ports only) and clock; never httpapi or a driver.
package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

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
	opts Options
}

var errNotImplemented = errors.New("not implemented")

// New validates opts and returns a Service.
func New(opts Options) (*Service, error) {
	if opts.Store == nil {
		return nil, errors.New("catalog: Options.Store is required")
	}
	return &Service{opts: opts}, nil
}

// Init creates the system blueprints (_user, _team) when missing. serve calls
// it once at start.
func (s *Service) Init(ctx context.Context) error { return errNotImplemented }

// ---- blueprints ----

// BlueprintList returns every blueprint, ordered by identifier.
func (s *Service) BlueprintList(ctx context.Context) ([]*model.Blueprint, error) {
	return nil, errNotImplemented
}

// BlueprintGet returns one blueprint or an ErrNotFound.
func (s *Service) BlueprintGet(ctx context.Context, id string) (*model.Blueprint, error) {
	return nil, errNotImplemented
}

// BlueprintCreate validates and stores a new blueprint (409 when it exists).
func (s *Service) BlueprintCreate(ctx context.Context, actor model.Actor, bp *model.Blueprint) (*model.Blueprint, error) {
	return nil, errNotImplemented
}

// BlueprintReplace replaces a blueprint (PUT). Changing a property's type or
// its single/array shape is refused with an error saying why.
func (s *Service) BlueprintReplace(ctx context.Context, actor model.Actor, id string, bp *model.Blueprint) (*model.Blueprint, error) {
	return nil, errNotImplemented
}

// BlueprintPatch applies a JSON merge patch (RFC 7396) to a blueprint (PATCH).
func (s *Service) BlueprintPatch(ctx context.Context, actor model.Actor, id string, patch json.RawMessage) (*model.Blueprint, error) {
	return nil, errNotImplemented
}

// BlueprintDeleteOptions control BlueprintDelete.
type BlueprintDeleteOptions struct {
	// DeleteEntities deletes the blueprint's entities too; without it a
	// blueprint with entities is not deleted (ErrConflict).
	DeleteEntities bool
}

// BlueprintDelete deletes a blueprint. System blueprints and blueprints that
// other blueprints' relations target cannot be deleted.
func (s *Service) BlueprintDelete(ctx context.Context, actor model.Actor, id string, opts BlueprintDeleteOptions) error {
	return errNotImplemented
}

// RenameKind selects what BlueprintRename renames.
type RenameKind string

// Rename kinds, matching Port's rename routes.
const (
	RenameProperty RenameKind = "property"
	RenameMirror   RenameKind = "mirror"
	RenameRelation RenameKind = "relation"
)

// BlueprintRename renames a property, mirror property or relation, keeping
// every entity's data under the new name.
func (s *Service) BlueprintRename(ctx context.Context, actor model.Actor, id string, kind RenameKind, from, to string) (*model.Blueprint, error) {
	return nil, errNotImplemented
}

// ---- entities ----

// WriteOptions are the query parameters of Port's entity writes (§2.2).
type WriteOptions struct {
	Upsert                       bool
	Merge                        bool
	ValidationOnly               bool
	CreateMissingRelatedEntities bool
	RunID                        string
}

// WriteResult is the outcome of one entity write.
type WriteResult struct {
	Entity *model.Entity
	// Created is true when the write created the entity.
	Created bool
}

// EntityCreate creates an entity; with Upsert it replaces an existing one,
// with Upsert and Merge it patches it. Without Upsert an existing identifier
// is an ErrConflict. With ValidationOnly nothing is written.
func (s *Service) EntityCreate(ctx context.Context, actor model.Actor, blueprint string, in *model.EntityInput, opts WriteOptions) (*WriteResult, error) {
	return nil, errNotImplemented
}

// EntityReplace replaces an existing entity (PUT); fields not sent are dropped.
func (s *Service) EntityReplace(ctx context.Context, actor model.Actor, blueprint, id string, in *model.EntityInput, opts WriteOptions) (*WriteResult, error) {
	return nil, errNotImplemented
}

// EntityPatch changes only the fields sent (PATCH); properties and relations
// are merged key by key.
func (s *Service) EntityPatch(ctx context.Context, actor model.Actor, blueprint, id string, in *model.EntityInput, opts WriteOptions) (*WriteResult, error) {
	return nil, errNotImplemented
}

// BulkItemResult is one entity's outcome in a bulk write: either Entity or Err.
type BulkItemResult struct {
	Index      int
	Identifier string
	Created    bool
	Entity     *model.Entity
	Err        error
}

// EntityBulkCreate writes up to MaxBulk entities with the semantics of
// EntityCreate. Valid entities are written in one transaction; each invalid
// one gets its own error. A batch larger than MaxBulk is an ErrTooLarge.
func (s *Service) EntityBulkCreate(ctx context.Context, actor model.Actor, blueprint string, ins []*model.EntityInput, opts WriteOptions) ([]BulkItemResult, error) {
	return nil, errNotImplemented
}

// DeleteOptions are the query parameters of entity deletes.
type DeleteOptions struct {
	// DeleteDependents also deletes, transitively, entities whose relations
	// point at the deleted ones; without it such a delete is an ErrConflict.
	DeleteDependents bool
	RunID            string
}

// EntityDelete deletes one entity.
func (s *Service) EntityDelete(ctx context.Context, actor model.Actor, blueprint, id string, opts DeleteOptions) error {
	return errNotImplemented
}

// EntityBulkDelete deletes the listed entities of one blueprint, all or nothing.
func (s *Service) EntityBulkDelete(ctx context.Context, actor model.Actor, blueprint string, ids []string, opts DeleteOptions) error {
	return errNotImplemented
}

// DeleteAllOptions control EntityDeleteAll.
type DeleteAllOptions struct {
	DeleteBlueprint bool
	RunID           string
}

// EntityDeleteAll deletes every entity of a blueprint (and, if asked, the
// blueprint) and returns how many entities were deleted.
func (s *Service) EntityDeleteAll(ctx context.Context, actor model.Actor, blueprint string, opts DeleteAllOptions) (int, error) {
	return 0, errNotImplemented
}

// EntityGet returns one entity, with every declared relation present
// (null or [] when unset).
func (s *Service) EntityGet(ctx context.Context, blueprint, id string) (*model.Entity, error) {
	return nil, errNotImplemented
}

// ListOptions page through a blueprint's entities.
type ListOptions struct {
	// Limit is 1..1000; 0 means 200.
	Limit int
	// Cursor is the Next of the previous page.
	Cursor string
}

// EntityPage is one page of entities; Next is empty on the last page.
type EntityPage struct {
	Entities []*model.Entity
	Next     string
}

// EntityList returns one page of a blueprint's entities in identifier order.
func (s *Service) EntityList(ctx context.Context, blueprint string, opts ListOptions) (*EntityPage, error) {
	return nil, errNotImplemented
}

// EntityCount counts a blueprint's entities.
func (s *Service) EntityCount(ctx context.Context, blueprint string) (int64, error) {
	return 0, errNotImplemented
}

// EntityHistory returns an entity's versions, oldest first.
func (s *Service) EntityHistory(ctx context.Context, blueprint, id string) ([]*model.EntityVersion, error) {
	return nil, errNotImplemented
}
