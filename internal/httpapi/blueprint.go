package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
)

// Blueprint routes (port.md §1.1, Appendix A).

type okBody struct {
	OK bool `json:"ok"`
}

type okOutput struct {
	Body okBody
}

type blueprintOutput struct {
	Status int
	Body   struct {
		OK        bool             `json:"ok"`
		Blueprint *model.Blueprint `json:"blueprint"`
	}
}

func newBlueprintOutput(status int, bp *model.Blueprint) *blueprintOutput {
	out := &blueprintOutput{Status: status}
	out.Body.OK = true
	out.Body.Blueprint = bp
	return out
}

type blueprintListOutput struct {
	Body struct {
		OK         bool               `json:"ok"`
		Blueprints []*model.Blueprint `json:"blueprints"`
	}
}

// BlueprintPath is the {identifier} path parameter of blueprint routes.
type BlueprintPath struct {
	Identifier string `path:"identifier" doc:"Blueprint identifier."`
}

type blueprintCreateInput struct {
	Body blueprintBody
}

type blueprintReplaceInput struct {
	BlueprintPath
	Body blueprintBody
}

type blueprintPatchInput struct {
	BlueprintPath
	Body blueprintPatch
}

type blueprintDeleteInput struct {
	BlueprintPath
	DeleteEntities bool `query:"delete_entities" doc:"Also delete the blueprint's entities; without it a blueprint with entities is not deleted (409)."`
}

// Rename bodies use Port's field names.
type renamePropertyInput struct {
	Blueprint string `path:"blueprint" doc:"Blueprint identifier."`
	Property  string `path:"property" doc:"Current property identifier."`
	Body      struct {
		NewPropertyName string `json:"newPropertyName" minLength:"1" doc:"New property identifier."`
	}
}

type renameMirrorInput struct {
	Blueprint string `path:"blueprint" doc:"Blueprint identifier."`
	Mirror    string `path:"mirror" doc:"Current mirror property identifier."`
	Body      struct {
		NewMirrorName string `json:"newMirrorName" minLength:"1" doc:"New mirror property identifier."`
	}
}

type renameRelationInput struct {
	Blueprint string `path:"blueprint" doc:"Blueprint identifier."`
	Relation  string `path:"relation" doc:"Current relation identifier."`
	Body      struct {
		NewRelationIdentifier string `json:"newRelationIdentifier" minLength:"1" doc:"New relation identifier."`
	}
}

func (s *Server) registerBlueprints() {
	tags := []string{"Blueprints"}
	cat := s.opts.Catalog

	register(s, huma.Operation{
		OperationID: "listBlueprints", Method: http.MethodGet, Path: "/v1/blueprints",
		Summary: "List blueprints", Tags: tags,
	}, func(ctx context.Context, _ *struct{}) (*blueprintListOutput, error) {
		bps, err := cat.BlueprintList(ctx)
		if err != nil {
			return nil, err
		}
		out := &blueprintListOutput{}
		out.Body.OK = true
		out.Body.Blueprints = nonNil(bps)
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "createBlueprint", Method: http.MethodPost, Path: "/v1/blueprints",
		Summary: "Create a blueprint", Tags: tags, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *blueprintCreateInput) (*blueprintOutput, error) {
		noteAudit(ctx, func(e *model.AuditEntry) { e.Blueprint = in.Body.Identifier })
		bp, err := cat.BlueprintCreate(ctx, actorFrom(ctx), &in.Body.Blueprint)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(nil, bp) })
		return newBlueprintOutput(http.StatusCreated, bp), nil
	})

	register(s, huma.Operation{
		OperationID: "getBlueprint", Method: http.MethodGet, Path: "/v1/blueprints/{identifier}",
		Summary: "Get a blueprint", Tags: tags, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *BlueprintPath) (*blueprintOutput, error) {
		bp, err := cat.BlueprintGet(ctx, in.Identifier)
		if err != nil {
			return nil, err
		}
		return newBlueprintOutput(http.StatusOK, bp), nil
	})

	register(s, huma.Operation{
		OperationID: "replaceBlueprint", Method: http.MethodPut, Path: "/v1/blueprints/{identifier}",
		Summary: "Replace a blueprint", Tags: tags,
		Description: "Replaces the whole blueprint. Changing a property's type or its single/array shape is refused (422).",
		Errors:      []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *blueprintReplaceInput) (*blueprintOutput, error) {
		before := s.blueprintBefore(ctx, in.Identifier)
		bp, err := cat.BlueprintReplace(ctx, actorFrom(ctx), in.Identifier, &in.Body.Blueprint)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, bp) })
		return newBlueprintOutput(http.StatusOK, bp), nil
	})

	register(s, huma.Operation{
		OperationID: "patchBlueprint", Method: http.MethodPatch, Path: "/v1/blueprints/{identifier}",
		Summary: "Patch a blueprint", Tags: tags,
		Description: "Applies a JSON merge patch (RFC 7396): fields sent replace the stored ones, null removes them.",
		Errors:      []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *blueprintPatchInput) (*blueprintOutput, error) {
		before := s.blueprintBefore(ctx, in.Identifier)
		bp, err := cat.BlueprintPatch(ctx, actorFrom(ctx), in.Identifier, in.Body.raw)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, bp) })
		return newBlueprintOutput(http.StatusOK, bp), nil
	})

	register(s, huma.Operation{
		OperationID: "deleteBlueprint", Method: http.MethodDelete, Path: "/v1/blueprints/{identifier}",
		Summary: "Delete a blueprint", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, in *blueprintDeleteInput) (*okOutput, error) {
		before := s.blueprintBefore(ctx, in.Identifier)
		err := cat.BlueprintDelete(ctx, actorFrom(ctx), in.Identifier, catalog.BlueprintDeleteOptions{DeleteEntities: in.DeleteEntities})
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, nil) })
		return &okOutput{Body: okBody{OK: true}}, nil
	})

	renameErrs := []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}
	register(s, huma.Operation{
		OperationID: "renameBlueprintProperty", Method: http.MethodPatch,
		Path:    "/v1/blueprints/{blueprint}/properties/{property}/rename",
		Summary: "Rename a property, keeping every entity's value", Tags: tags, Errors: renameErrs,
	}, func(ctx context.Context, in *renamePropertyInput) (*blueprintOutput, error) {
		before := s.blueprintBefore(ctx, in.Blueprint)
		bp, err := cat.BlueprintRename(ctx, actorFrom(ctx), in.Blueprint, catalog.RenameProperty, in.Property, in.Body.NewPropertyName)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, bp) })
		return newBlueprintOutput(http.StatusOK, bp), nil
	})

	register(s, huma.Operation{
		OperationID: "renameBlueprintMirror", Method: http.MethodPatch,
		Path:    "/v1/blueprints/{blueprint}/mirror/{mirror}/rename",
		Summary: "Rename a mirror property", Tags: tags, Errors: renameErrs,
	}, func(ctx context.Context, in *renameMirrorInput) (*blueprintOutput, error) {
		before := s.blueprintBefore(ctx, in.Blueprint)
		bp, err := cat.BlueprintRename(ctx, actorFrom(ctx), in.Blueprint, catalog.RenameMirror, in.Mirror, in.Body.NewMirrorName)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, bp) })
		return newBlueprintOutput(http.StatusOK, bp), nil
	})

	register(s, huma.Operation{
		OperationID: "renameBlueprintRelation", Method: http.MethodPatch,
		Path:    "/v1/blueprints/{blueprint}/relations/{relation}/rename",
		Summary: "Rename a relation, keeping every entity's links", Tags: tags, Errors: renameErrs,
	}, func(ctx context.Context, in *renameRelationInput) (*blueprintOutput, error) {
		before := s.blueprintBefore(ctx, in.Blueprint)
		bp, err := cat.BlueprintRename(ctx, actorFrom(ctx), in.Blueprint, catalog.RenameRelation, in.Relation, in.Body.NewRelationIdentifier)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, bp) })
		return newBlueprintOutput(http.StatusOK, bp), nil
	})
}

// blueprintBefore reads a blueprint before a change, for the audit diff;
// nil when nothing is audited or it cannot be read (the write then reports
// why).
func (s *Server) blueprintBefore(ctx context.Context, id string) *model.Blueprint {
	var before *model.Blueprint
	noteAudit(ctx, func(*model.AuditEntry) { before, _ = s.opts.Catalog.BlueprintGet(ctx, id) })
	return before
}

// nonNil turns a nil slice into an empty one, so lists encode as [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
