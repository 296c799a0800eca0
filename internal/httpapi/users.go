package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/model"
)

// User routes (port.md §8.4): people and service accounts are _user
// entities managed through the access service, which decides who may do
// what (writes are Admin-only; a user may set their own password and rotate
// their own credentials).

// errAccessOff answers the identity routes when authentication is off
// (Options.Access nil, --insecure-no-auth): there are no users, teams or
// credentials to manage then.
var errAccessOff = &model.KindError{Kind: model.ErrNotFound,
	Message: "access control is off (--insecure-no-auth): there are no users, teams, credentials or sign-ins"}

// identities returns the access service, or errAccessOff.
func (s *Server) identities() (Access, error) {
	if s.opts.Access == nil {
		return nil, errAccessOff
	}
	return s.opts.Access, nil
}

// UserPath is the {email} path parameter of user routes.
type UserPath struct {
	Email string `path:"email" doc:"The user's email (case-insensitive)."`
}

type userOutput struct {
	Status int
	Body   struct {
		OK   bool         `json:"ok"`
		User *access.User `json:"user"`
	}
}

func newUserOutput(status int, u *access.User) *userOutput {
	out := &userOutput{Status: status}
	out.Body.OK = true
	out.Body.User = u
	return out
}

type userListOutput struct {
	Body struct {
		OK    bool           `json:"ok"`
		Users []*access.User `json:"users"`
	}
}

// userCreateBody is Atrium's POST /v1/users: a person or, with type
// "Service Account", a service account whose credential is returned once.
type userCreateBody struct {
	Email     string   `json:"email,omitempty" doc:"Email address, the user's identifier; required."`
	FirstName string   `json:"firstName,omitempty"`
	LastName  string   `json:"lastName,omitempty"`
	Roles     []string `json:"roles,omitempty" doc:"Admin, Member (the default) or <blueprint>-moderator."`
	Teams     []string `json:"teams,omitempty" doc:"Names of existing teams."`
	Type      string   `json:"type,omitempty" enum:"Standard,Service Account" doc:"Standard (default) or Service Account."`
}

func (b *userCreateBody) input() *access.UserInput {
	return &access.UserInput{Email: b.Email, FirstName: b.FirstName, LastName: b.LastName, Roles: b.Roles, Teams: b.Teams, Type: b.Type}
}

type userCreateOutput struct {
	Status int
	Body   struct {
		OK          bool                  `json:"ok"`
		User        *access.User          `json:"user"`
		Credentials *access.NewCredential `json:"credentials,omitempty" doc:"A service account's credential; the secret is shown only here."`
	}
}

// inviteBody is Port's POST /v1/users/invite body.
type inviteBody struct {
	Invitee struct {
		Email     string   `json:"email,omitempty" doc:"Required."`
		FirstName string   `json:"firstName,omitempty"`
		LastName  string   `json:"lastName,omitempty"`
		Roles     []string `json:"roles,omitempty"`
		Teams     []string `json:"teams,omitempty"`
	} `json:"invitee"`
	Notify bool `json:"notify,omitempty" doc:"Accepted and ignored: Atrium sends no mail."`
}

type userPatchInput struct {
	UserPath
	Body struct {
		FirstName *string   `json:"firstName,omitempty"`
		LastName  *string   `json:"lastName,omitempty"`
		Roles     *[]string `json:"roles,omitempty" doc:"Replaces the user's roles."`
		Teams     *[]string `json:"teams,omitempty" doc:"Replaces the user's team memberships."`
		Status    *string   `json:"status,omitempty" enum:"Staged,Invited,Active,Disabled"`
	}
}

type passwordInput struct {
	UserPath
	Body struct {
		Password string `json:"password,omitempty" doc:"The new password (at least 12 characters); required."`
	}
}

type rotateCredentialsInput struct {
	UserEmail string `path:"user_email" doc:"The user whose credentials are rotated."`
}

type rotateCredentialsOutput struct {
	Body struct {
		OK          bool                   `json:"ok"`
		Credentials []access.NewCredential `json:"credentials" doc:"Every credential of the user with its new secret, shown only here."`
	}
}

func (s *Server) registerUsers() {
	tags := []string{"Users"}

	register(s, huma.Operation{
		OperationID: "listUsers", Method: http.MethodGet, Path: "/v1/users",
		Summary: "List users", Tags: tags,
	}, func(ctx context.Context, _ *struct{}) (*userListOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		us, err := acc.UserList(ctx, actorFrom(ctx))
		if err != nil {
			return nil, err
		}
		out := &userListOutput{}
		out.Body.OK = true
		out.Body.Users = nonNil(us)
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "createUser", Method: http.MethodPost, Path: "/v1/users",
		Summary: "Create a user or service account", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Atrium extension: creates an Active user. A service account (type \"Service Account\") also gets a " +
			"credential, whose secret is in this response and never again.",
		Errors: []int{http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *struct{ Body userCreateBody }) (*userCreateOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Identifier = in.Body.Email })
		u, cred, err := acc.UserCreate(ctx, actorFrom(ctx), in.Body.input())
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Identifier = u.Email; e.Diff = auditDiff(nil, u) })
		out := &userCreateOutput{Status: http.StatusCreated}
		out.Body.OK = true
		out.Body.User = u
		out.Body.Credentials = cred
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "inviteUser", Method: http.MethodPost, Path: "/v1/users/invite",
		Summary: "Invite a user", Tags: tags,
		Description: "Creates the user with status Invited; they become Active on their first sign-in.",
		Errors:      []int{http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *struct{ Body inviteBody }) (*userOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		iv := in.Body.Invitee
		noteAudit(ctx, func(e *model.AuditEntry) { e.Identifier = iv.Email })
		u, err := acc.UserInvite(ctx, actorFrom(ctx), &access.UserInput{
			Email: iv.Email, FirstName: iv.FirstName, LastName: iv.LastName, Roles: iv.Roles, Teams: iv.Teams})
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Identifier = u.Email; e.Diff = auditDiff(nil, u) })
		return newUserOutput(http.StatusOK, u), nil
	})

	register(s, huma.Operation{
		OperationID: "getUser", Method: http.MethodGet, Path: "/v1/users/{email}",
		Summary: "Get a user", Tags: tags, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *UserPath) (*userOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		u, err := acc.UserGet(ctx, actorFrom(ctx), in.Email)
		if err != nil {
			return nil, err
		}
		return newUserOutput(http.StatusOK, u), nil
	})

	register(s, huma.Operation{
		OperationID: "patchUser", Method: http.MethodPatch, Path: "/v1/users/{email}",
		Summary: "Change a user's names, roles, teams or status", Tags: tags,
		Errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *userPatchInput) (*userOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		actor := actorFrom(ctx)
		before, err := acc.UserGet(ctx, actor, in.Email)
		if err != nil {
			return nil, err
		}
		b := in.Body
		u, err := acc.UserPatch(ctx, actor, in.Email, &access.UserPatch{
			FirstName: b.FirstName, LastName: b.LastName, Roles: b.Roles, Teams: b.Teams, Status: b.Status})
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, u) })
		return newUserOutput(http.StatusOK, u), nil
	})

	register(s, huma.Operation{
		OperationID: "deleteUser", Method: http.MethodDelete, Path: "/v1/users/{email}",
		Summary: "Delete a user with its credentials, tokens and password", Tags: tags,
		Errors: []int{http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, in *UserPath) (*okOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		actor := actorFrom(ctx)
		before, err := acc.UserGet(ctx, actor, in.Email)
		if err != nil {
			return nil, err
		}
		if err := acc.UserDelete(ctx, actor, in.Email); err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Diff = auditDiff(before, nil) })
		return &okOutput{Body: okBody{OK: true}}, nil
	})

	register(s, huma.Operation{
		OperationID: "setUserPassword", Method: http.MethodPut, Path: "/v1/users/{email}/password",
		Summary: "Set a user's local password", Tags: tags,
		Description: "Atrium extension: the user themself or an Admin sets the password used by POST /v1/auth/login.",
		Errors:      []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *passwordInput) (*okOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		if err := acc.UserSetPassword(ctx, actorFrom(ctx), in.Email, in.Body.Password); err != nil {
			return nil, err
		}
		return &okOutput{Body: okBody{OK: true}}, nil
	})

	register(s, huma.Operation{
		OperationID: "rotateUserCredentials", Method: http.MethodPost, Path: "/v1/rotate-credentials/{user_email}",
		Summary: "Rotate the secrets of every credential of a user", Tags: tags,
		Description: "The user themself or an Admin. Revokes the tokens issued for the old secrets; the new ones are " +
			"in this response and never again.",
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *rotateCredentialsInput) (*rotateCredentialsOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		creds, err := acc.RotateUserCredentials(ctx, actorFrom(ctx), in.UserEmail)
		if err != nil {
			return nil, err
		}
		out := &rotateCredentialsOutput{}
		out.Body.OK = true
		out.Body.Credentials = nonNil(creds)
		return out, nil
	})
}
