package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/model"
)

// Blueprint permission routes (port.md §8.2, docs/access.md "Blueprint
// permissions"). The catalog decides who may read and change them (Admins
// and the blueprint's moderators).

// PermissionsCatalog is the part of the catalog serving blueprint
// permissions; *catalog.Service satisfies it.
type PermissionsCatalog interface {
	// BlueprintPermissions returns blueprint's document (the defaults when
	// it was never set).
	BlueprintPermissions(ctx context.Context, actor model.Actor, blueprint string) (*model.BlueprintPermissions, error)
	// BlueprintPermissionsPatch applies a JSON merge patch and returns the
	// document before and after it.
	BlueprintPermissionsPatch(ctx context.Context, actor model.Actor, blueprint string, patch json.RawMessage) (before, after *model.BlueprintPermissions, err error)
}

// permissionsPatch keeps a PATCH body as sent: the catalog applies it as a
// merge patch and names bad fields itself.
type permissionsPatch struct {
	raw json.RawMessage
}

// UnmarshalJSON keeps the patch as sent.
func (p *permissionsPatch) UnmarshalJSON(b []byte) error {
	p.raw = append(p.raw[:0], b...)
	return nil
}

// Schema documents the patch: any part of the permissions document.
func (*permissionsPatch) Schema(r huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeObject,
		Description: "A JSON merge patch (RFC 7396) of the permissions document ({\"entities\": {\"read\": …, " +
			"\"register\": …, \"update\": …, \"unregister\": …, \"updateProperties\": {…}, \"updateRelations\": {…}}}): " +
			"fields sent replace the stored ones, null restores a default."}
}

type permissionsOutput struct {
	Body struct {
		OK          bool                        `json:"ok"`
		Permissions *model.BlueprintPermissions `json:"permissions"`
	}
}

func newPermissionsOutput(p *model.BlueprintPermissions) *permissionsOutput {
	out := &permissionsOutput{}
	out.Body.OK = true
	out.Body.Permissions = p
	return out
}

type permissionsPatchInput struct {
	BlueprintPath
	Body permissionsPatch
}

func (s *Server) registerPermissions() {
	tags := []string{"Permissions"}
	cat := s.opts.Catalog

	register(s, huma.Operation{
		OperationID: "getBlueprintPermissions", Method: http.MethodGet, Path: "/v1/blueprints/{identifier}/permissions",
		Summary: "Get a blueprint's entity permissions", Tags: tags,
		Description: "Admins and the blueprint's moderators only.",
		Errors:      []int{http.StatusNotFound},
	}, func(ctx context.Context, in *BlueprintPath) (*permissionsOutput, error) {
		p, err := cat.BlueprintPermissions(ctx, actorFrom(ctx), in.Identifier)
		if err != nil {
			return nil, err
		}
		return newPermissionsOutput(p), nil
	})

	register(s, huma.Operation{
		OperationID: "patchBlueprintPermissions", Method: http.MethodPatch, Path: "/v1/blueprints/{identifier}/permissions",
		Summary: "Change a blueprint's entity permissions", Tags: tags,
		Description: "Admins and the blueprint's moderators only. Applies a JSON merge patch to the document.",
		Errors:      []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *permissionsPatchInput) (*permissionsOutput, error) {
		before, after, err := cat.BlueprintPermissionsPatch(ctx, actorFrom(ctx), in.Identifier, in.Body.raw)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, after) })
		return newPermissionsOutput(after), nil
	})
}
