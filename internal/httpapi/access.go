package httpapi

import (
	"context"

	"github.com/atrium-idp/atrium/internal/model"
)

// Access is the part of the access service (internal/access) the API calls:
// resolving callers and, through the routes of users.go, teams.go, apps.go
// and auth.go, managing identities and signing in. *access.Service
// satisfies it.
type Access interface {
	Authenticator
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
