package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/model"
)

// Credential routes (port.md §8.5 "apps"): a client id and secret acting as
// a user. The secret is in the response that creates or rotates it and
// nowhere else; GET responses never carry one. Admins manage every
// credential; other callers list and read their own.

// AppPath is the {id} path parameter of credential routes.
type AppPath struct {
	ID string `path:"id" doc:"The credential's client id."`
}

type appOutput struct {
	Body struct {
		OK  bool        `json:"ok"`
		App *access.App `json:"app"`
	}
}

func newAppOutput(a *access.App) *appOutput {
	out := &appOutput{}
	out.Body.OK = true
	out.Body.App = a
	return out
}

type appListOutput struct {
	Body struct {
		OK   bool          `json:"ok"`
		Apps []*access.App `json:"apps"`
	}
}

type appCreateInput struct {
	Body struct {
		Name string `json:"name,omitempty" doc:"What the credential is for; required."`
		User string `json:"user,omitempty" doc:"Email of the user or service account it acts as; default the caller."`
	}
}

type appCreateOutput struct {
	Status int
	Body   struct {
		OK           bool        `json:"ok"`
		App          *access.App `json:"app"`
		ClientID     string      `json:"clientId"`
		ClientSecret string      `json:"clientSecret" doc:"Shown only in this response."`
	}
}

type appRenameInput struct {
	AppPath
	Body struct {
		Name string `json:"name,omitempty" doc:"The new name; required."`
	}
}

type appRotateOutput struct {
	Body struct {
		OK           bool        `json:"ok"`
		App          *access.App `json:"app"`
		ClientSecret string      `json:"clientSecret" doc:"The new secret, shown only in this response."`
	}
}

func (s *Server) registerApps() {
	tags := []string{"Credentials"}

	register(s, huma.Operation{
		OperationID: "listApps", Method: http.MethodGet, Path: "/v1/apps",
		Summary: "List credentials", Tags: tags,
		Description: "Admins see every credential, other callers their own. Secrets are never listed.",
	}, func(ctx context.Context, _ *struct{}) (*appListOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		as, err := acc.AppList(ctx, actorFrom(ctx))
		if err != nil {
			return nil, err
		}
		out := &appListOutput{}
		out.Body.OK = true
		out.Body.Apps = nonNil(as)
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "createApp", Method: http.MethodPost, Path: "/v1/apps",
		Summary: "Create a credential", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Returns the client id and secret; the secret is shown only here (only its hash is stored).",
		Errors:      []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *appCreateInput) (*appCreateOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		a, secret, err := acc.AppCreate(ctx, actorFrom(ctx), in.Body.Name, in.Body.User)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Identifier = a.ID; e.Diff = auditDiff(nil, a) })
		out := &appCreateOutput{Status: http.StatusCreated}
		out.Body.OK = true
		out.Body.App = a
		out.Body.ClientID = a.ID
		out.Body.ClientSecret = secret
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "getApp", Method: http.MethodGet, Path: "/v1/apps/{id}",
		Summary: "Get a credential (without its secret)", Tags: tags, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *AppPath) (*appOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		a, err := acc.AppGet(ctx, actorFrom(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return newAppOutput(a), nil
	})

	register(s, huma.Operation{
		OperationID: "renameApp", Method: http.MethodPut, Path: "/v1/apps/{id}",
		Summary: "Rename a credential", Tags: tags,
		Errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *appRenameInput) (*appOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		actor := actorFrom(ctx)
		before, err := acc.AppGet(ctx, actor, in.ID)
		if err != nil {
			return nil, err
		}
		a, err := acc.AppRename(ctx, actor, in.ID, in.Body.Name)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, a) })
		return newAppOutput(a), nil
	})

	register(s, huma.Operation{
		OperationID: "deleteApp", Method: http.MethodDelete, Path: "/v1/apps/{id}",
		Summary: "Delete a credential and revoke its tokens", Tags: tags, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *AppPath) (*okOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		actor := actorFrom(ctx)
		before, err := acc.AppGet(ctx, actor, in.ID)
		if err != nil {
			return nil, err
		}
		if err := acc.AppDelete(ctx, actor, in.ID); err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, nil) })
		return &okOutput{Body: okBody{OK: true}}, nil
	})

	register(s, huma.Operation{
		OperationID: "rotateAppSecret", Method: http.MethodPost, Path: "/v1/apps/{id}/rotate-secret",
		Summary: "Give a credential a new secret", Tags: tags,
		Description: "Revokes every token issued under the old secret; the new secret is shown only here.",
		Errors:      []int{http.StatusNotFound},
	}, func(ctx context.Context, in *AppPath) (*appRotateOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		a, secret, err := acc.AppRotateSecret(ctx, actorFrom(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		out := &appRotateOutput{}
		out.Body.OK = true
		out.Body.App = a
		out.Body.ClientSecret = secret
		return out, nil
	})
}
