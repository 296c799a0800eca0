package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/model"
)

// Team routes (port.md §8.4): teams are _team entities; a team's users are
// the users whose team relation names it. Any signed-in caller may read
// teams; writes are Admin-only.

// TeamPath is the {name} path parameter of team routes.
type TeamPath struct {
	Name string `path:"name" doc:"Team name."`
}

// teamBody is a whole team: POST /v1/teams and PUT /v1/teams/{name}.
type teamBody struct {
	Name        string   `json:"name,omitempty" doc:"Team name; required on create, must match the URL on replace."`
	Description string   `json:"description,omitempty"`
	Users       []string `json:"users,omitempty" doc:"Emails of the team's members."`
}

func (b *teamBody) team() *access.Team {
	return &access.Team{Name: b.Name, Description: b.Description, Users: b.Users}
}

type teamOutput struct {
	Status int
	Body   struct {
		OK   bool         `json:"ok"`
		Team *access.Team `json:"team"`
	}
}

func newTeamOutput(status int, t *access.Team) *teamOutput {
	out := &teamOutput{Status: status}
	out.Body.OK = true
	out.Body.Team = t
	return out
}

type teamListOutput struct {
	Body struct {
		OK    bool           `json:"ok"`
		Teams []*access.Team `json:"teams"`
	}
}

type teamReplaceInput struct {
	TeamPath
	Body teamBody
}

type teamPatchInput struct {
	TeamPath
	Body struct {
		Name        *string   `json:"name,omitempty" doc:"Renames the team; its members follow."`
		Description *string   `json:"description,omitempty"`
		Users       *[]string `json:"users,omitempty" doc:"Replaces the team's members."`
	}
}

func (s *Server) registerTeams() {
	tags := []string{"Teams"}

	register(s, huma.Operation{
		OperationID: "listTeams", Method: http.MethodGet, Path: "/v1/teams",
		Summary: "List teams with their members", Tags: tags,
	}, func(ctx context.Context, _ *struct{}) (*teamListOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		ts, err := acc.TeamList(ctx, actorFrom(ctx))
		if err != nil {
			return nil, err
		}
		out := &teamListOutput{}
		out.Body.OK = true
		out.Body.Teams = nonNil(ts)
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "createTeam", Method: http.MethodPost, Path: "/v1/teams",
		Summary: "Create a team", Tags: tags, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *struct{ Body teamBody }) (*teamOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Identifier = in.Body.Name })
		t, err := acc.TeamCreate(ctx, actorFrom(ctx), in.Body.team())
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(nil, t) })
		return newTeamOutput(http.StatusCreated, t), nil
	})

	register(s, huma.Operation{
		OperationID: "getTeam", Method: http.MethodGet, Path: "/v1/teams/{name}",
		Summary: "Get a team with its members", Tags: tags, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *TeamPath) (*teamOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		t, err := acc.TeamGet(ctx, actorFrom(ctx), in.Name)
		if err != nil {
			return nil, err
		}
		return newTeamOutput(http.StatusOK, t), nil
	})

	// change runs a team write, noting the team before and after as the
	// audit diff.
	change := func(ctx context.Context, name string, fn func(acc Access, actor model.Actor) (*access.Team, error)) (*teamOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		actor := actorFrom(ctx)
		before, err := acc.TeamGet(ctx, actor, name)
		if err != nil {
			return nil, err
		}
		t, err := fn(acc, actor)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, t) })
		return newTeamOutput(http.StatusOK, t), nil
	}

	register(s, huma.Operation{
		OperationID: "replaceTeam", Method: http.MethodPut, Path: "/v1/teams/{name}",
		Summary: "Replace a team's description and members", Tags: tags,
		Errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *teamReplaceInput) (*teamOutput, error) {
		return change(ctx, in.Name, func(acc Access, actor model.Actor) (*access.Team, error) {
			return acc.TeamReplace(ctx, actor, in.Name, in.Body.team())
		})
	})

	register(s, huma.Operation{
		OperationID: "patchTeam", Method: http.MethodPatch, Path: "/v1/teams/{name}",
		Summary: "Rename a team or change its description or members", Tags: tags,
		Errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *teamPatchInput) (*teamOutput, error) {
		return change(ctx, in.Name, func(acc Access, actor model.Actor) (*access.Team, error) {
			b := in.Body
			return acc.TeamPatch(ctx, actor, in.Name, &access.TeamPatch{Name: b.Name, Description: b.Description, Users: b.Users})
		})
	})

	register(s, huma.Operation{
		OperationID: "deleteTeam", Method: http.MethodDelete, Path: "/v1/teams/{name}",
		Summary: "Delete a team", Tags: tags, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *TeamPath) (*okOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		actor := actorFrom(ctx)
		before, err := acc.TeamGet(ctx, actor, in.Name)
		if err != nil {
			return nil, err
		}
		if err := acc.TeamDelete(ctx, actor, in.Name); err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, nil) })
		return &okOutput{Body: okBody{OK: true}}, nil
	})
}
