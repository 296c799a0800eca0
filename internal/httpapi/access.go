package httpapi

import (
	"context"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/model"
)

// Access is the part of the access service (internal/access) the API calls:
// resolving callers and, through the routes of users.go, teams.go, apps.go
// and auth.go, managing identities and signing in. *access.Service
// satisfies it. Every method taking an actor checks the actor's permission
// itself (docs/access.md: authorization lives in the service layer).
type Access interface {
	Authenticator

	// Sign-in (auth.go): each returns a secret shown only in its response.
	IssueAccessToken(ctx context.Context, clientID, clientSecret string) (*access.AccessToken, error)
	Login(ctx context.Context, email, password string) (*access.Session, error)
	LoginExternal(ctx context.Context, id access.ExternalIdentity) (*access.Session, error)
	Logout(ctx context.Context, sessionToken string) error
	Principal(ctx context.Context, userID string) (*model.Principal, error)

	UserList(ctx context.Context, actor model.Actor) ([]*access.User, error)
	UserGet(ctx context.Context, actor model.Actor, email string) (*access.User, error)
	UserCreate(ctx context.Context, actor model.Actor, in *access.UserInput) (*access.User, *access.NewCredential, error)
	UserInvite(ctx context.Context, actor model.Actor, in *access.UserInput) (*access.User, error)
	UserPatch(ctx context.Context, actor model.Actor, email string, in *access.UserPatch) (*access.User, error)
	UserDelete(ctx context.Context, actor model.Actor, email string) error
	UserSetPassword(ctx context.Context, actor model.Actor, email, password string) error
	RotateUserCredentials(ctx context.Context, actor model.Actor, email string) ([]access.NewCredential, error)

	TeamList(ctx context.Context, actor model.Actor) ([]*access.Team, error)
	TeamGet(ctx context.Context, actor model.Actor, name string) (*access.Team, error)
	TeamCreate(ctx context.Context, actor model.Actor, in *access.Team) (*access.Team, error)
	TeamReplace(ctx context.Context, actor model.Actor, name string, in *access.Team) (*access.Team, error)
	TeamPatch(ctx context.Context, actor model.Actor, name string, in *access.TeamPatch) (*access.Team, error)
	TeamDelete(ctx context.Context, actor model.Actor, name string) error

	AppCreate(ctx context.Context, actor model.Actor, name, user string) (*access.App, string, error)
	AppList(ctx context.Context, actor model.Actor) ([]*access.App, error)
	AppGet(ctx context.Context, actor model.Actor, id string) (*access.App, error)
	AppRename(ctx context.Context, actor model.Actor, id, name string) (*access.App, error)
	AppRotateSecret(ctx context.Context, actor model.Actor, id string) (*access.App, string, error)
	AppDelete(ctx context.Context, actor model.Actor, id string) error
}

// Authenticator resolves a request's credentials into a principal.
type Authenticator interface {
	// Authenticate resolves a bearer token (access or session token).
	Authenticate(ctx context.Context, token string) (*model.Principal, error)
	// AuthenticateSession resolves a session cookie; for writes the CSRF
	// token must match the session's.
	AuthenticateSession(ctx context.Context, session, csrf string, write bool) (*model.Principal, error)
}

// Auditor records audit entries (internal/audit satisfies it).
type Auditor interface {
	Record(ctx context.Context, e *model.AuditEntry) error
}
