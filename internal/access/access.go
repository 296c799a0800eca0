// Package access owns who may call Atrium (docs/access.md): users and teams
// (the _user and _team entities, read and written through the catalog),
// API credentials ("apps") and the access tokens issued for them, local
// passwords (argon2id), browser sessions with their CSRF tokens, the
// bootstrap admin, and resolving a token or session into a model.Principal.
//
// It imports model, store (ports only), clock and catalog's option types; never
// httpapi or a store driver. httpapi and cmd/atrium import it; OIDC sign-in
// (internal/access/oidc) hands its result to LoginExternal.
//
// Secrets (client secrets, access and session tokens, CSRF tokens) are shown
// exactly once, in the return value that creates them; only their SHA-256
// hashes are stored, and no error message or log line carries one.
//
// Emails, the identifiers of _user entities, are case-folded to lower case on
// every input and lookup.
//
// Files by concept: secret.go (random secrets and their hashes), password.go
// (argon2id), token.go (authentication, tokens, sessions, sign-in), user.go,
// team.go, app.go (credentials) and bootstrap.go.
package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/clock"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// Catalog is what access uses of the catalog service; *catalog.Service
// satisfies it. Access calls it with trusted actors (Principal nil) after
// checking the caller's permission itself, so the catalog's own checks do not
// refuse work an Admin asked for.
type Catalog interface {
	BlueprintGet(ctx context.Context, id string) (*model.Blueprint, error)
	EntityGet(ctx context.Context, blueprint, id string) (*model.Entity, error)
	EntityList(ctx context.Context, blueprint string, opts catalog.ListOptions) (*catalog.EntityPage, error)
	EntityCreate(ctx context.Context, actor model.Actor, blueprint string, in *model.EntityInput, opts catalog.WriteOptions) (*catalog.WriteResult, error)
	EntityPatch(ctx context.Context, actor model.Actor, blueprint, id string, in *model.EntityInput, opts catalog.WriteOptions) (*catalog.WriteResult, error)
	EntityDelete(ctx context.Context, actor model.Actor, blueprint, id string, opts catalog.DeleteOptions) error
}

// Options configure a Service.
type Options struct {
	// Store holds credentials, tokens and passwords; required.
	Store store.Store
	// Catalog holds the _user and _team entities; required.
	Catalog Catalog
	// Clock defaults to clock.Real.
	Clock clock.Clock
	// Logger defaults to a discarding logger.
	Logger *slog.Logger
	// TokenTTL is the lifetime of an access token; default 3h.
	TokenTTL time.Duration
	// SessionTTL is the lifetime of a browser session; default 12h.
	SessionTTL time.Duration
	// FastPasswordHashesForTests hashes new passwords with tiny argon2id
	// parameters so test suites stay fast. Tests only: never set it in
	// production. Verification always uses the parameters stored in the hash,
	// so it does not weaken existing passwords.
	FastPasswordHashesForTests bool
}

// Defaults of Options.
const (
	DefaultTokenTTL   = 3 * time.Hour
	DefaultSessionTTL = 12 * time.Hour
)

// systemActor is recorded as createdBy/updatedBy of what access writes on
// nobody's behalf (bootstrap, a first external sign-in).
const systemActor = "atrium"

// Service manages identities and authenticates callers. It is safe for
// concurrent use.
type Service struct {
	opts Options
	kdf  argonParams
	// dummyHash is verified against when a user has no password, so an
	// unknown email costs as long as a wrong password. Made on first use:
	// hashing at production cost takes a noticeable fraction of a second.
	dummyHash func() (string, error)
}

// New validates opts and returns a Service.
func New(opts Options) (*Service, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("access: Options.Store is required")
	case opts.Catalog == nil:
		return nil, errors.New("access: Options.Catalog is required")
	case opts.TokenTTL < 0:
		return nil, errors.New("access: Options.TokenTTL must not be negative")
	case opts.SessionTTL < 0:
		return nil, errors.New("access: Options.SessionTTL must not be negative")
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = DefaultTokenTTL
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	opts.Logger = opts.Logger.With("component", "access")
	s := &Service{opts: opts, kdf: productionArgon}
	if opts.FastPasswordHashesForTests {
		s.kdf = testArgon
	}
	s.dummyHash = sync.OnceValues(func() (string, error) { return s.hashPassword(randomString(16)) })
	return s, nil
}

// now is the service's clock in UTC, truncated to microseconds (both stores
// keep microseconds).
func (s *Service) now() time.Time { return s.opts.Clock.Now().UTC().Truncate(time.Microsecond) }

// trusted returns the actor access passes to the catalog: the caller's
// identity for createdBy/updatedBy and the audit trail, without the
// principal, because access has already checked the caller's permission.
func trusted(a model.Actor) model.Actor {
	return model.Actor{ID: a.ID, Origin: a.Origin, RequestID: a.RequestID}
}

// system is the actor of writes made on nobody's behalf.
func system() model.Actor { return model.Actor{ID: systemActor, Origin: model.OriginAPI} }

// readCtx returns ctx carrying a trusted actor, so catalog reads of users and
// teams are not filtered by the caller's blueprint read permissions: access
// decides itself who may see users and teams.
func readCtx(ctx context.Context) context.Context {
	a, _ := model.ActorFrom(ctx)
	return model.WithActor(ctx, trusted(a))
}

// forbidden returns an ErrForbidden naming what was refused.
func forbidden(format string, args ...any) error {
	return &model.KindError{Kind: model.ErrForbidden, Message: fmt.Sprintf(format, args...)}
}

// unauthenticated returns an ErrUnauthenticated with a user-facing message.
func unauthenticated(msg string) error {
	return &model.KindError{Kind: model.ErrUnauthenticated, Message: msg}
}

// requireAdmin refuses a non-Admin principal; trusted callers pass.
func requireAdmin(a model.Actor, what string) error {
	if a.Trusted() || a.Principal.IsAdmin() {
		return nil
	}
	return forbidden("%s requires the Admin role", what)
}

// isSelf reports whether a's principal is the user email.
func isSelf(a model.Actor, email string) bool {
	return a.Principal != nil && a.Principal.UserID == email
}

// inTx runs fn in one store transaction and commits when it succeeds.
func (s *Service) inTx(ctx context.Context, fn func(tx store.Tx) error) error {
	tx, err := s.opts.Store.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
