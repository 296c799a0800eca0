package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// AccessToken is a bearer token issued for a credential; Token is shown only
// here.
type AccessToken struct {
	Token     string
	ExpiresAt time.Time
	// ExpiresIn is the lifetime in seconds (Port's expiresIn).
	ExpiresIn int
	UserID    string
}

// Session is a browser session: Token goes in the atrium_session cookie and
// CSRFToken in atrium_csrf; both are shown only here.
type Session struct {
	Token     string
	CSRFToken string
	ExpiresAt time.Time
	UserID    string
}

// ExternalIdentity is a user signed in by an identity provider (OIDC).
// Teams are the provider's groups; nil means the provider sends none and
// leaves the user's memberships alone, non-nil (even empty) replaces them.
type ExternalIdentity struct {
	Provider, Subject, Email, FirstName, LastName string
	Teams                                         []string
}

// Messages of authentication failures. They are the same whatever failed
// (unknown id or wrong secret, unknown email or wrong password), so a caller
// cannot probe which identities exist.
const (
	msgBadToken      = "invalid or expired token"
	msgBadClient     = "invalid client id or client secret"
	msgBadPassword   = "invalid email or password"
	msgInactiveUser  = "user is not active"
	msgCSRFForbidden = "missing or wrong CSRF token"
)

// Principal returns the principal of user userID with roles and teams read
// from its _user entity now. A missing or Disabled user is an
// ErrUnauthenticated.
func (s *Service) Principal(ctx context.Context, userID string) (*model.Principal, error) {
	userID = normEmail(userID)
	e, err := s.opts.Catalog.EntityGet(readCtx(ctx), model.UserBlueprint, userID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, unauthenticated(msgInactiveUser)
	}
	if err != nil {
		return nil, fmt.Errorf("get user %s: %w", userID, err)
	}
	if userStatus(e) == StatusDisabled {
		return nil, unauthenticated(msgInactiveUser)
	}
	return principalFromEntity(e), nil
}

// Authenticate resolves a bearer token — an access token or a session
// token — into its principal. An unknown, expired or revoked token, or one
// whose user is missing or Disabled, is an ErrUnauthenticated. A session
// token sent as a bearer token needs no CSRF token: browsers never attach
// an Authorization header by themselves.
func (s *Service) Authenticate(ctx context.Context, token string) (*model.Principal, error) {
	var kind string
	switch {
	case hasPrefix(token, PrefixAccessToken):
		kind = store.TokenAccess
	case hasPrefix(token, PrefixSession):
		kind = store.TokenSession
	default:
		return nil, unauthenticated(msgBadToken)
	}
	t, err := s.liveToken(ctx, token, kind)
	if err != nil {
		return nil, err
	}
	return s.tokenPrincipal(ctx, t)
}

// AuthenticateSession resolves a session cookie. For a write, csrf must be
// the session's CSRF token, else ErrForbidden; a bad session is an
// ErrUnauthenticated first.
func (s *Service) AuthenticateSession(ctx context.Context, session, csrf string, write bool) (*model.Principal, error) {
	if !hasPrefix(session, PrefixSession) {
		return nil, unauthenticated(msgBadToken)
	}
	t, err := s.liveToken(ctx, session, store.TokenSession)
	if err != nil {
		return nil, err
	}
	p, err := s.tokenPrincipal(ctx, t)
	if err != nil {
		return nil, err
	}
	if write && (csrf == "" || len(t.CSRFHash) == 0 || !secretMatches(csrf, t.CSRFHash)) {
		return nil, forbidden(msgCSRFForbidden)
	}
	return p, nil
}

// liveToken returns the stored token of secret when it is of kind, not
// revoked and not expired.
func (s *Service) liveToken(ctx context.Context, secret, kind string) (*store.Token, error) {
	t, err := s.opts.Store.TokenGet(ctx, &store.TokenGetParams{Hash: hashSecret(secret)})
	if errors.Is(err, model.ErrNotFound) {
		return nil, unauthenticated(msgBadToken)
	}
	if err != nil {
		return nil, fmt.Errorf("get token: %w", err)
	}
	if t.Kind != kind || t.RevokedAt != nil || !s.now().Before(t.ExpiresAt) {
		return nil, unauthenticated(msgBadToken)
	}
	return t, nil
}

func (s *Service) tokenPrincipal(ctx context.Context, t *store.Token) (*model.Principal, error) {
	p, err := s.Principal(ctx, t.UserID)
	if err != nil {
		return nil, err
	}
	p.ClientID = t.ClientID
	return p, nil
}

// IssueAccessToken exchanges a client id and secret for a new access token
// (POST /v1/auth/access_token). A wrong id or secret is an
// ErrUnauthenticated with one message for both; the secret is compared in
// constant time, and an unknown id is compared against a dummy hash so it
// takes as long.
func (s *Service) IssueAccessToken(ctx context.Context, clientID, clientSecret string) (*AccessToken, error) {
	c, err := s.opts.Store.CredentialGet(ctx, &store.CredentialGetParams{ClientID: clientID})
	switch {
	case errors.Is(err, model.ErrNotFound):
		secretMatches(clientSecret, hashSecret(PrefixClientSecret))
		return nil, unauthenticated(msgBadClient)
	case err != nil:
		return nil, fmt.Errorf("get credential: %w", err)
	case !secretMatches(clientSecret, c.SecretHash):
		return nil, unauthenticated(msgBadClient)
	}
	if _, err := s.Principal(ctx, c.UserID); err != nil {
		return nil, err
	}
	now := s.now()
	tok := newSecret(PrefixAccessToken)
	t := &store.Token{Hash: hashSecret(tok), Kind: store.TokenAccess, UserID: c.UserID, ClientID: c.ClientID,
		CreatedAt: now, ExpiresAt: now.Add(s.opts.TokenTTL)}
	err = s.inTx(ctx, func(tx store.Tx) error { return tx.TokenInsert(ctx, &store.TokenInsertParams{Token: t}) })
	if err != nil {
		return nil, fmt.Errorf("store token: %w", err)
	}
	return &AccessToken{Token: tok, ExpiresAt: t.ExpiresAt, ExpiresIn: int(s.opts.TokenTTL / time.Second), UserID: c.UserID}, nil
}

// Login signs a local account in with its password (argon2id) and starts a
// session. An unknown email, a user without a password and a wrong password
// are one ErrUnauthenticated, and cost the same hashing work. An Invited
// user becomes Active.
func (s *Service) Login(ctx context.Context, email, password string) (*Session, error) {
	email = normEmail(email)
	if len(password) > maxPasswordLength {
		return nil, unauthenticated(msgBadPassword)
	}
	hash, err := s.dummyHash()
	if err != nil {
		return nil, err
	}
	pw, err := s.opts.Store.PasswordGet(ctx, &store.PasswordGetParams{UserID: email})
	switch {
	case err == nil:
		hash = pw.Hash
	case !errors.Is(err, model.ErrNotFound):
		return nil, fmt.Errorf("get password: %w", err)
	}
	ok, verr := verifyPassword(password, hash)
	if verr != nil {
		return nil, fmt.Errorf("verify password of %s: %w", email, verr)
	}
	if pw == nil || !ok {
		return nil, unauthenticated(msgBadPassword)
	}
	e, err := s.opts.Catalog.EntityGet(readCtx(ctx), model.UserBlueprint, email)
	if errors.Is(err, model.ErrNotFound) {
		return nil, unauthenticated(msgBadPassword)
	}
	if err != nil {
		return nil, fmt.Errorf("get user %s: %w", email, err)
	}
	if err := s.activate(ctx, e); err != nil {
		return nil, err
	}
	return s.newSession(ctx, email)
}

// activate refuses a Disabled user and makes a Staged or Invited one Active:
// signing in accepts the invitation.
func (s *Service) activate(ctx context.Context, e *model.Entity) error {
	switch userStatus(e) {
	case StatusDisabled:
		return unauthenticated(msgInactiveUser)
	case StatusActive:
		return nil
	}
	ein := &model.EntityInput{Properties: map[string]json.RawMessage{propStatus: rawJSON(StatusActive)}}
	a := model.Actor{ID: e.Identifier, Origin: model.OriginUI}
	if _, err := s.opts.Catalog.EntityPatch(ctx, a, model.UserBlueprint, e.Identifier, ein, catalog.WriteOptions{}); err != nil {
		return fmt.Errorf("activate user %s: %w", e.Identifier, err)
	}
	return nil
}

// newSession stores a new session of user and returns its secrets.
func (s *Service) newSession(ctx context.Context, user string) (*Session, error) {
	now := s.now()
	tok, csrf := newSecret(PrefixSession), newSecret(PrefixCSRF)
	t := &store.Token{Hash: hashSecret(tok), Kind: store.TokenSession, UserID: user, CSRFHash: hashSecret(csrf),
		CreatedAt: now, ExpiresAt: now.Add(s.opts.SessionTTL)}
	err := s.inTx(ctx, func(tx store.Tx) error { return tx.TokenInsert(ctx, &store.TokenInsertParams{Token: t}) })
	if err != nil {
		return nil, fmt.Errorf("store session: %w", err)
	}
	return &Session{Token: tok, CSRFToken: csrf, ExpiresAt: t.ExpiresAt, UserID: user}, nil
}

// teamNameRe matches characters a team identifier may not hold (the
// catalog's entity identifier rule).
var teamNameRe = regexp.MustCompile(`[^\p{L}0-9@_.+:\\/=-]+`)

// TeamID turns a provider's group name into a team identifier: runs of
// characters an identifier may not hold become "-" ("Platform Team" →
// "Platform-Team"). It returns "" for a name with nothing usable.
func TeamID(group string) string {
	id := strings.Trim(teamNameRe.ReplaceAllString(strings.TrimSpace(group), "-"), "-")
	if id == "." || id == ".." || len(id) > 1000 {
		return ""
	}
	return id
}

// LoginExternal signs in a user an identity provider vouched for and starts
// a session. A missing user is created (Member, Active, Standard); a
// Disabled one is refused; an Invited one becomes Active. When id.Teams is
// not nil the user's team memberships become exactly those teams (group
// names through TeamID), creating missing _team entities. Given names
// replace the user's.
func (s *Service) LoginExternal(ctx context.Context, id ExternalIdentity) (*Session, error) {
	email := normEmail(id.Email)
	if r := checkEmail(email); r != "" {
		return nil, unauthenticated("the identity provider gave no usable email address")
	}
	var teams []string
	if id.Teams != nil {
		teams = []string{}
		for _, g := range id.Teams {
			if t := TeamID(g); t != "" && !slices.Contains(teams, t) {
				teams = append(teams, t)
			}
		}
		if err := s.ensureTeams(ctx, teams, id.Teams); err != nil {
			return nil, err
		}
	}
	title := joinTitle(id.FirstName, id.LastName)
	e, err := s.opts.Catalog.EntityGet(readCtx(ctx), model.UserBlueprint, email)
	if errors.Is(err, model.ErrNotFound) {
		created, cerr := s.createExternal(ctx, email, title, teams)
		if cerr == nil {
			s.opts.Logger.InfoContext(ctx, "user created on first sign-in", "user", email, "provider", id.Provider)
			return s.newSession(ctx, created)
		}
		if !errors.Is(cerr, model.ErrConflict) {
			return nil, cerr
		}
		// A concurrent first sign-in created the user: update it instead.
		e, err = s.opts.Catalog.EntityGet(readCtx(ctx), model.UserBlueprint, email)
	}
	if err != nil {
		return nil, fmt.Errorf("get user %s: %w", email, err)
	}
	if err := s.activate(ctx, e); err != nil {
		return nil, err
	}
	ein := &model.EntityInput{Relations: map[string]json.RawMessage{}}
	if teams != nil && !sameSet(teams, userTeams(e)) {
		ein.Relations[relTeam] = rawJSON(teams)
	}
	if title != "" && title != e.Title {
		ein.Title = rawJSON(title)
	}
	if ein.Title != nil || len(ein.Relations) > 0 {
		a := model.Actor{ID: email, Origin: model.OriginUI}
		if _, err := s.opts.Catalog.EntityPatch(ctx, a, model.UserBlueprint, email, ein, catalog.WriteOptions{}); err != nil {
			return nil, fmt.Errorf("update user %s from %s: %w", email, id.Provider, err)
		}
	}
	return s.newSession(ctx, email)
}

// createExternal creates the user of a first external sign-in: an Active
// Member with a standard account. It returns the email, or ErrConflict when
// the user exists.
func (s *Service) createExternal(ctx context.Context, email, title string, teams []string) (string, error) {
	if teams == nil {
		teams = []string{}
	}
	ein := &model.EntityInput{
		Identifier: rawJSON(email),
		Properties: map[string]json.RawMessage{propStatus: rawJSON(StatusActive), propRole: rawJSON(model.RoleMember),
			propModerated: rawJSON([]string{}), propType: rawJSON(TypeStandard)},
		Relations: map[string]json.RawMessage{relTeam: rawJSON(teams)},
	}
	if title != "" {
		ein.Title = rawJSON(title)
	}
	if _, err := s.opts.Catalog.EntityCreate(ctx, system(), model.UserBlueprint, ein, catalog.WriteOptions{}); err != nil {
		return "", fmt.Errorf("create user %s: %w", email, err)
	}
	return email, nil
}

// ensureTeams creates the teams that do not exist yet, titled with the
// provider's group names.
func (s *Service) ensureTeams(ctx context.Context, ids, groups []string) error {
	titles := map[string]string{}
	for _, g := range groups {
		if t := TeamID(g); t != "" {
			if _, ok := titles[t]; !ok {
				titles[t] = strings.TrimSpace(g)
			}
		}
	}
	for _, t := range ids {
		_, err := s.opts.Catalog.EntityGet(readCtx(ctx), model.TeamBlueprint, t)
		if err == nil {
			continue
		}
		if !errors.Is(err, model.ErrNotFound) {
			return fmt.Errorf("get team %s: %w", t, err)
		}
		ein := &model.EntityInput{Identifier: rawJSON(t), Title: rawJSON(titles[t])}
		_, err = s.opts.Catalog.EntityCreate(ctx, system(), model.TeamBlueprint, ein, catalog.WriteOptions{})
		if err != nil && !errors.Is(err, model.ErrConflict) { // another sign-in created it meanwhile
			return fmt.Errorf("create team %s: %w", t, err)
		}
	}
	return nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// Logout revokes a session (or an access token). An unknown or already
// revoked token is not an error: logging out twice is harmless.
func (s *Service) Logout(ctx context.Context, sessionToken string) error {
	if sessionToken == "" {
		return nil
	}
	return s.inTx(ctx, func(tx store.Tx) error {
		err := tx.TokenRevoke(ctx, &store.TokenRevokeParams{Hash: hashSecret(sessionToken), At: s.now()})
		if err != nil {
			return fmt.Errorf("revoke session: %w", err)
		}
		return nil
	})
}

// SweepExpiredTokens deletes tokens and sessions that have expired and
// returns how many; serve runs it periodically.
func (s *Service) SweepExpiredTokens(ctx context.Context) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.TokenDeleteExpired(ctx, &store.TokenDeleteExpiredParams{Before: s.now()})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sweep expired tokens: %w", err)
	}
	return n, nil
}
