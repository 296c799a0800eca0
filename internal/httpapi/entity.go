package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
)

// Entity routes (port.md §2.2–2.4, Appendix A).
//
// Status codes: a write that creates an entity answers 201, one that changes
// an existing entity (upsert, PUT, PATCH) 200, a validation_only dry run 200.
// Bulk writes answer 200 when every entity was written and 207 with a result
// per entity otherwise.

// BlueprintParam is the {blueprint} path parameter. Parameter structs are
// exported because huma reads parameters only from exported embedded fields.
type BlueprintParam struct {
	Blueprint string `path:"blueprint" doc:"Blueprint identifier."`
}

// EntityParams are the {blueprint} and {entity} path parameters.
type EntityParams struct {
	Blueprint string `path:"blueprint" doc:"Blueprint identifier."`
	Entity    string `path:"entity" doc:"Entity identifier."`
}

// RunIDParam is the run_id query parameter of writes.
type RunIDParam struct {
	RunID string `query:"run_id" doc:"Attribute the change to an action run."`
}

// WriteParams are the query parameters of entity creation (port.md §2.2).
type WriteParams struct {
	RunIDParam
	Upsert                       bool `query:"upsert" doc:"Create, or replace the existing entity (fields not sent are dropped)."`
	Merge                        bool `query:"merge" doc:"With upsert: create, or patch the existing entity (only fields sent change)."`
	ValidationOnly               bool `query:"validation_only" doc:"Validate only; write nothing."`
	CreateMissingRelatedEntities bool `query:"create_missing_related_entities" doc:"Create missing relation targets as stubs (identifier only)."`
}

func (p *WriteParams) options() catalog.WriteOptions {
	return catalog.WriteOptions{
		Upsert:                       p.Upsert,
		Merge:                        p.Merge,
		ValidationOnly:               p.ValidationOnly,
		CreateMissingRelatedEntities: p.CreateMissingRelatedEntities,
		RunID:                        p.RunID,
	}
}

type entityCreateInput struct {
	BlueprintParam
	WriteParams
	Body entityBody
}

type entityUpdateInput struct {
	EntityParams
	RunIDParam
	CreateMissingRelatedEntities bool `query:"create_missing_related_entities" doc:"Create missing relation targets as stubs (identifier only)."`
	Body                         entityBody
}

type entityGetInput struct {
	EntityParams
	AsOf string `query:"as_of" doc:"RFC 3339 instant: return the entity as it was then (history.go)."`
}

type entityDeleteInput struct {
	EntityParams
	RunIDParam
	DeleteDependents bool `query:"delete_dependents" doc:"Also delete, transitively, entities whose relations point at this one; without it such a delete is refused (409)."`
}

type entityListInput struct {
	BlueprintParam
	Limit int    `query:"limit" minimum:"1" maximum:"1000" default:"200" doc:"Page size."`
	From  string `query:"from" doc:"The next cursor of the previous page."`
}

type entityBulkInput struct {
	BlueprintParam
	WriteParams
	Body struct {
		Entities []*entityBody `json:"entities" doc:"Entities to write (at most 1000 by default)."`
	}
}

type entityBulkDeleteInput struct {
	BlueprintParam
	RunIDParam
	DeleteDependents bool `query:"delete_dependents" doc:"Also delete dependents; without it the delete is all-or-nothing and refused (409) when any entity has dependents."`
	Body             struct {
		Entities []string `json:"entities" doc:"Identifiers of entities of this blueprint."`
	}
}

type entityDeleteAllInput struct {
	BlueprintParam
	RunIDParam
	DeleteBlueprint bool `query:"delete_blueprint" doc:"Also delete the blueprint."`
}

type entityOutput struct {
	Status int
	Body   struct {
		OK     bool          `json:"ok"`
		Entity *model.Entity `json:"entity"`
	}
}

func newEntityOutput(status int, e *model.Entity) *entityOutput {
	out := &entityOutput{Status: status}
	out.Body.OK = true
	out.Body.Entity = e
	return out
}

// writeStatus is 201 when the write created the entity, 200 otherwise.
func writeStatus(res *catalog.WriteResult, opts catalog.WriteOptions) int {
	if res.Created && !opts.ValidationOnly {
		return http.StatusCreated
	}
	return http.StatusOK
}

type entityListOutput struct {
	Body struct {
		OK       bool            `json:"ok"`
		Entities []*model.Entity `json:"entities"`
		Next     string          `json:"next,omitempty" doc:"Cursor of the next page; absent on the last page."`
	}
}

type entityCountOutput struct {
	Body struct {
		OK    bool  `json:"ok"`
		Count int64 `json:"count"`
	}
}

// BulkEntityResult is one written entity of a bulk request.
type BulkEntityResult struct {
	Index      int    `json:"index"`
	Identifier string `json:"identifier"`
	Created    bool   `json:"created"`
}

// BulkEntityError is one refused entity of a bulk request; Error, Message
// and Details are those the single-entity route would have answered.
type BulkEntityError struct {
	Index      int            `json:"index"`
	Identifier string         `json:"identifier"`
	StatusCode int            `json:"statusCode"`
	Error      string         `json:"error"`
	Message    string         `json:"message"`
	Details    map[string]any `json:"details"`
}

type entityBulkOutput struct {
	Status int
	Body   struct {
		OK       bool               `json:"ok" doc:"True when every entity was written."`
		Entities []BulkEntityResult `json:"entities"`
		Errors   []BulkEntityError  `json:"errors"`
	}
}

type entityBulkDeleteOutput struct {
	Body struct {
		OK       bool     `json:"ok"`
		Entities []string `json:"entities" doc:"Identifiers deleted."`
	}
}

type entityDeleteAllOutput struct {
	Body struct {
		OK      bool `json:"ok"`
		Deleted int  `json:"deleted" doc:"Number of entities deleted."`
	}
}

func (s *Server) registerEntities() {
	tags := []string{"Entities"}
	cat := s.opts.Catalog
	writeErrs := []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict,
		http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity}

	register(s, huma.Operation{
		OperationID: "createEntity", Method: http.MethodPost, Path: "/v1/blueprints/{blueprint}/entities",
		Summary: "Create or upsert an entity", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Creates an entity (409 when the identifier exists). upsert=true creates or replaces; " +
			"upsert=true&merge=true creates or patches. 201 when created, 200 when an existing entity changed " +
			"or for validation_only.",
		Errors: writeErrs,
	}, func(ctx context.Context, in *entityCreateInput) (*entityOutput, error) {
		opts := in.options()
		noteAudit(ctx, func(e *model.AuditEntry) {
			// The identifier may also be a search query; only a string names it.
			_ = json.Unmarshal(in.Body.Identifier, &e.Identifier)
		})
		res, err := cat.EntityCreate(ctx, actorFrom(ctx), in.Blueprint, &in.Body.EntityInput, opts)
		if err != nil {
			return nil, err
		}
		noteEntityWrite(ctx, res)
		if opts.ValidationOnly {
			noteAudit(ctx, func(e *model.AuditEntry) { e.Message = "validation_only: nothing was written" })
		}
		return newEntityOutput(writeStatus(res, opts), res.Entity), nil
	})

	s.documentAlso(http.MethodPost, "/v1/blueprints/{blueprint}/entities", http.StatusCreated, http.StatusOK,
		"An existing entity was replaced or patched (upsert), or validation_only passed.")

	register(s, huma.Operation{
		OperationID: "listEntities", Method: http.MethodGet, Path: "/v1/blueprints/{blueprint}/entities",
		Summary: "List a blueprint's entities, one page at a time", Tags: tags,
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *entityListInput) (*entityListOutput, error) {
		page, err := cat.EntityList(ctx, in.Blueprint, catalog.ListOptions{Limit: in.Limit, Cursor: in.From})
		if err != nil {
			return nil, err
		}
		out := &entityListOutput{}
		out.Body.OK = true
		out.Body.Entities = nonNil(page.Entities)
		out.Body.Next = page.Next
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "bulkCreateEntities", Method: http.MethodPost, Path: "/v1/blueprints/{blueprint}/entities/bulk",
		Summary: "Create or upsert many entities", Tags: tags,
		// huma's schema validation decodes the (up to 1 MiB) body a second
		// time, ~12 µs per entity; the catalog checks every entity and names
		// its fields, and bodyDecodeErrors keeps malformed bodies a 400.
		SkipValidateBody: true,
		Description: "Writes up to 1000 entities with the semantics of createEntity. 200 when all were written; " +
			"207 with a result per entity when some were refused; 413 above the limit.",
		Errors: writeErrs,
	}, func(ctx context.Context, in *entityBulkInput) (*entityBulkOutput, error) {
		if n := len(in.Body.Entities); n > s.opts.MaxBulk {
			return nil, &model.KindError{Kind: model.ErrTooLarge,
				Message: bulkTooLarge(n, s.opts.MaxBulk)}
		}
		ins := make([]*model.EntityInput, len(in.Body.Entities))
		for i, e := range in.Body.Entities {
			if e == nil {
				e = &entityBody{}
			}
			ins[i] = &e.EntityInput
		}
		results, err := cat.EntityBulkCreate(ctx, actorFrom(ctx), in.Blueprint, ins, in.options())
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) {
			written := []string{}
			for _, r := range results {
				if r.Err == nil {
					written = append(written, r.Identifier)
				}
			}
			e.Diff = auditDiff(nil, map[string]any{"entities": written})
			if len(written) < len(results) {
				e.Message = fmt.Sprintf("%d of %d entities were refused", len(results)-len(written), len(results))
			}
		})
		out := &entityBulkOutput{Status: http.StatusOK}
		out.Body.Entities = []BulkEntityResult{}
		out.Body.Errors = []BulkEntityError{}
		for _, r := range results {
			if r.Err != nil {
				e := toAPIError(ctx, r.Err)
				out.Body.Errors = append(out.Body.Errors, BulkEntityError{
					Index: r.Index, Identifier: r.Identifier, StatusCode: e.status,
					Error: e.Code, Message: e.Message, Details: e.Details,
				})
				continue
			}
			out.Body.Entities = append(out.Body.Entities, BulkEntityResult{Index: r.Index, Identifier: r.Identifier, Created: r.Created})
		}
		out.Body.OK = len(out.Body.Errors) == 0
		if !out.Body.OK {
			out.Status = http.StatusMultiStatus
		}
		return out, nil
	})

	s.documentAlso(http.MethodPost, "/v1/blueprints/{blueprint}/entities/bulk", http.StatusOK, http.StatusMultiStatus,
		"Some entities were refused: errors holds one item per refused entity, entities the written ones.")

	register(s, huma.Operation{
		OperationID: "getEntity", Method: http.MethodGet, Path: "/v1/blueprints/{blueprint}/entities/{entity}",
		Summary: "Get an entity", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		Description: "With as_of, the entity as it was at that instant (from its history; 404 if it did not exist then).",
	}, func(ctx context.Context, in *entityGetInput) (*entityOutput, error) {
		e, err := s.getEntity(ctx, in)
		if err != nil {
			return nil, err
		}
		return newEntityOutput(http.StatusOK, e), nil
	})

	register(s, huma.Operation{
		OperationID: "replaceEntity", Method: http.MethodPut, Path: "/v1/blueprints/{blueprint}/entities/{entity}",
		Summary: "Replace an entity", Tags: tags,
		Description: "Replaces the whole entity; fields not sent are dropped.", Errors: writeErrs,
	}, func(ctx context.Context, in *entityUpdateInput) (*entityOutput, error) {
		opts := catalog.WriteOptions{RunID: in.RunID, CreateMissingRelatedEntities: in.CreateMissingRelatedEntities}
		res, err := cat.EntityReplace(ctx, actorFrom(ctx), in.Blueprint, in.Entity, &in.Body.EntityInput, opts)
		if err != nil {
			return nil, err
		}
		noteEntityWrite(ctx, res)
		return newEntityOutput(writeStatus(res, opts), res.Entity), nil
	})

	register(s, huma.Operation{
		OperationID: "patchEntity", Method: http.MethodPatch, Path: "/v1/blueprints/{blueprint}/entities/{entity}",
		Summary: "Patch an entity", Tags: tags,
		Description: "Changes only the fields sent; properties and relations are merged key by key.", Errors: writeErrs,
	}, func(ctx context.Context, in *entityUpdateInput) (*entityOutput, error) {
		opts := catalog.WriteOptions{RunID: in.RunID, CreateMissingRelatedEntities: in.CreateMissingRelatedEntities}
		res, err := cat.EntityPatch(ctx, actorFrom(ctx), in.Blueprint, in.Entity, &in.Body.EntityInput, opts)
		if err != nil {
			return nil, err
		}
		noteEntityWrite(ctx, res)
		return newEntityOutput(writeStatus(res, opts), res.Entity), nil
	})

	register(s, huma.Operation{
		OperationID: "deleteEntity", Method: http.MethodDelete, Path: "/v1/blueprints/{blueprint}/entities/{entity}",
		Summary: "Delete an entity", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, in *entityDeleteInput) (*okOutput, error) {
		var before *model.Entity
		noteAudit(ctx, func(*model.AuditEntry) { before, _ = cat.EntityGet(ctx, in.Blueprint, in.Entity) })
		err := cat.EntityDelete(ctx, actorFrom(ctx), in.Blueprint, in.Entity,
			catalog.DeleteOptions{DeleteDependents: in.DeleteDependents, RunID: in.RunID})
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, nil) })
		return &okOutput{Body: okBody{OK: true}}, nil
	})

	register(s, huma.Operation{
		OperationID: "countEntities", Method: http.MethodGet, Path: "/v1/blueprints/{blueprint}/entities-count",
		Summary: "Count a blueprint's entities, optionally those matching ?query=", Tags: tags,
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *countQueryInput) (*entityCountOutput, error) {
		var n int64
		var err error
		if in.Query != "" {
			n, err = s.countWithQuery(ctx, in.Blueprint, in.Query)
		} else {
			n, err = cat.EntityCount(ctx, in.Blueprint)
		}
		if err != nil {
			return nil, err
		}
		out := &entityCountOutput{}
		out.Body.OK = true
		out.Body.Count = n
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "deleteAllEntities", Method: http.MethodDelete, Path: "/v1/blueprints/{blueprint}/all-entities",
		Summary: "Delete every entity of a blueprint", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, in *entityDeleteAllInput) (*entityDeleteAllOutput, error) {
		n, err := cat.EntityDeleteAll(ctx, actorFrom(ctx), in.Blueprint,
			catalog.DeleteAllOptions{DeleteBlueprint: in.DeleteBlueprint, RunID: in.RunID})
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) {
			e.Diff = auditDiff(map[string]any{"count": n, "blueprintDeleted": in.DeleteBlueprint}, nil)
		})
		out := &entityDeleteAllOutput{}
		out.Body.OK = true
		out.Body.Deleted = n
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "bulkDeleteEntities", Method: http.MethodPost, Path: "/v1/blueprints/{blueprint}/bulk/entities/delete",
		Summary: "Delete many entities of a blueprint, all or nothing", Tags: tags,
		Errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *entityBulkDeleteInput) (*entityBulkDeleteOutput, error) {
		if n := len(in.Body.Entities); n > s.opts.MaxBulk {
			return nil, &model.KindError{Kind: model.ErrTooLarge, Message: bulkTooLarge(n, s.opts.MaxBulk)}
		}
		err := cat.EntityBulkDelete(ctx, actorFrom(ctx), in.Blueprint, in.Body.Entities,
			catalog.DeleteOptions{DeleteDependents: in.DeleteDependents, RunID: in.RunID})
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(map[string]any{"entities": in.Body.Entities}, nil) })
		out := &entityBulkDeleteOutput{}
		out.Body.OK = true
		out.Body.Entities = nonNil(in.Body.Entities)
		return out, nil
	})

}

// noteEntityWrite adds a single-entity write to the audit entry: its
// identifier, the before/after documents, and UPDATE when an upsert changed
// an existing entity.
func noteEntityWrite(ctx context.Context, res *catalog.WriteResult) {
	noteAudit(ctx, func(e *model.AuditEntry) {
		if res.Entity != nil {
			e.Identifier = res.Entity.Identifier
		}
		if !res.Created && res.Before != nil {
			e.Action = model.AuditUpdate
		}
		e.Diff = auditDiff(res.Before, res.Entity)
	})
}

func bulkTooLarge(n, limit int) string {
	return fmt.Sprintf("entities: the request holds %d entities; at most %d are allowed per request", n, limit)
}
