package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// App is an API credential (port.md §8.5 "apps"): a client id (ID), a name
// and the user it acts as. Its secret is returned only when created or
// rotated.
type App struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	User      string    `json:"user"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	CreatedBy string    `json:"createdBy"`
}

// NewCredential is a client id and its secret, shown once.
type NewCredential struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// maxAppNameLength bounds an app's name.
const maxAppNameLength = 200

func appFromCredential(c *store.Credential) *App {
	return &App{ID: c.ClientID, Name: c.Name, User: c.UserID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, CreatedBy: c.CreatedBy}
}

func checkAppName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return &model.ValidationError{Subject: "app", Fields: []model.FieldError{{Field: "name", Reason: "is required"}}}
	case len(name) > maxAppNameLength:
		return &model.ValidationError{Subject: "app", Fields: []model.FieldError{{Field: "name", Reason: fmt.Sprintf("must be at most %d characters long", maxAppNameLength)}}}
	}
	return nil
}

// AppCreate creates a credential named name for user (Admin only; user
// defaults to the caller) and returns it with its secret, shown only here.
func (s *Service) AppCreate(ctx context.Context, actor model.Actor, name, user string) (*App, string, error) {
	if err := requireAdmin(actor, "creating an app"); err != nil {
		return nil, "", err
	}
	user = normEmail(user)
	if user == "" && actor.Principal != nil {
		user = actor.Principal.UserID
	}
	if err := checkAppName(name); err != nil {
		return nil, "", err
	}
	if user == "" {
		return nil, "", &model.ValidationError{Subject: "app", Fields: []model.FieldError{{Field: "user", Reason: "is required"}}}
	}
	_, err := s.getUser(ctx, user)
	if errors.Is(err, model.ErrNotFound) {
		return nil, "", &model.ValidationError{Subject: "app", Fields: []model.FieldError{{Field: "user", Reason: fmt.Sprintf("user %q does not exist", user)}}}
	}
	if err != nil {
		return nil, "", err
	}
	return s.createCredential(ctx, actor, name, user)
}

// createCredential stores a new credential for user with a fresh client id
// and secret.
func (s *Service) createCredential(ctx context.Context, actor model.Actor, name, user string) (*App, string, error) {
	return s.putCredential(ctx, actor, name, user, newClientID(), newSecret(PrefixClientSecret))
}

// putCredential stores (or replaces) the credential clientID with secret.
func (s *Service) putCredential(ctx context.Context, actor model.Actor, name, user, clientID, secret string) (*App, string, error) {
	now := s.now()
	c := &store.Credential{ClientID: clientID, Name: name, UserID: user, SecretHash: hashSecret(secret),
		CreatedAt: now, CreatedBy: actor.ID, UpdatedAt: now}
	err := s.inTx(ctx, func(tx store.Tx) error {
		// Replacing a credential (bootstrap with a configured client id)
		// revokes the tokens issued under the old secret.
		if err := tx.TokenRevoke(ctx, &store.TokenRevokeParams{ClientID: clientID, At: now}); err != nil {
			return fmt.Errorf("revoke tokens of %s: %w", clientID, err)
		}
		return tx.CredentialPut(ctx, &store.CredentialPutParams{Credential: c})
	})
	if err != nil {
		return nil, "", fmt.Errorf("store credential: %w", err)
	}
	return appFromCredential(c), secret, nil
}

// AppList returns every credential to an Admin (or a trusted caller) and
// the caller's own to anyone else, ordered by client id.
func (s *Service) AppList(ctx context.Context, actor model.Actor) ([]*App, error) {
	p := &store.CredentialListParams{}
	if !actor.Trusted() && !actor.Principal.IsAdmin() {
		p.UserID = actor.Principal.UserID
	}
	cs, err := s.opts.Store.CredentialList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	out := make([]*App, len(cs))
	for i, c := range cs {
		out[i] = appFromCredential(c)
	}
	return out, nil
}

// AppGet returns one credential to an Admin or to the user it belongs to.
// Anyone else gets ErrNotFound, so ids of others' credentials do not leak.
func (s *Service) AppGet(ctx context.Context, actor model.Actor, id string) (*App, error) {
	c, err := s.getCredential(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return appFromCredential(c), nil
}

// getCredential reads a credential the actor may see.
func (s *Service) getCredential(ctx context.Context, actor model.Actor, id string) (*store.Credential, error) {
	c, err := s.opts.Store.CredentialGet(ctx, &store.CredentialGetParams{ClientID: id})
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.NotFoundf("app %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get credential %s: %w", id, err)
	}
	if !actor.Trusted() && !actor.Principal.IsAdmin() && actor.Principal.UserID != c.UserID {
		return nil, model.NotFoundf("app %q not found", id)
	}
	return c, nil
}

// AppRename renames a credential (Admin only).
func (s *Service) AppRename(ctx context.Context, actor model.Actor, id, name string) (*App, error) {
	if err := requireAdmin(actor, "renaming an app"); err != nil {
		return nil, err
	}
	if err := checkAppName(name); err != nil {
		return nil, err
	}
	var out *App
	err := s.inTx(ctx, func(tx store.Tx) error {
		c, err := tx.CredentialGet(ctx, &store.CredentialGetParams{ClientID: id})
		if errors.Is(err, model.ErrNotFound) {
			return model.NotFoundf("app %q not found", id)
		}
		if err != nil {
			return fmt.Errorf("get credential %s: %w", id, err)
		}
		c.Name, c.UpdatedAt = name, s.now()
		if err := tx.CredentialPut(ctx, &store.CredentialPutParams{Credential: c}); err != nil {
			return fmt.Errorf("rename credential %s: %w", id, err)
		}
		out = appFromCredential(c)
		return nil
	})
	return out, err
}

// AppRotateSecret gives a credential a new secret, returned only here, and
// revokes every token issued under the old one (Admin only).
func (s *Service) AppRotateSecret(ctx context.Context, actor model.Actor, id string) (*App, string, error) {
	if err := requireAdmin(actor, "rotating an app's secret"); err != nil {
		return nil, "", err
	}
	var out *App
	secret := newSecret(PrefixClientSecret)
	err := s.inTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.rotate(ctx, tx, id, secret)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, secret, nil
}

// rotate sets credential id's secret and revokes its tokens, inside tx.
func (s *Service) rotate(ctx context.Context, tx store.Tx, id, secret string) (*App, error) {
	c, err := tx.CredentialGet(ctx, &store.CredentialGetParams{ClientID: id})
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.NotFoundf("app %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get credential %s: %w", id, err)
	}
	now := s.now()
	c.SecretHash, c.UpdatedAt = hashSecret(secret), now
	if err := tx.CredentialPut(ctx, &store.CredentialPutParams{Credential: c}); err != nil {
		return nil, fmt.Errorf("rotate credential %s: %w", id, err)
	}
	if err := tx.TokenRevoke(ctx, &store.TokenRevokeParams{ClientID: id, At: now}); err != nil {
		return nil, fmt.Errorf("revoke tokens of %s: %w", id, err)
	}
	return appFromCredential(c), nil
}

// AppDelete deletes a credential and revokes its tokens (Admin only).
func (s *Service) AppDelete(ctx context.Context, actor model.Actor, id string) error {
	if err := requireAdmin(actor, "deleting an app"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx store.Tx) error {
		err := tx.CredentialDelete(ctx, &store.CredentialDeleteParams{ClientID: id})
		if errors.Is(err, model.ErrNotFound) {
			return model.NotFoundf("app %q not found", id)
		}
		if err != nil {
			return fmt.Errorf("delete credential %s: %w", id, err)
		}
		if err := tx.TokenRevoke(ctx, &store.TokenRevokeParams{ClientID: id, At: s.now()}); err != nil {
			return fmt.Errorf("revoke tokens of %s: %w", id, err)
		}
		return nil
	})
}

// RotateUserCredentials gives every credential of a user a new secret and
// revokes their tokens, in one transaction (Admin, or the user themself). It
// returns the new secrets, shown only here.
func (s *Service) RotateUserCredentials(ctx context.Context, actor model.Actor, email string) ([]NewCredential, error) {
	email = normEmail(email)
	if !isSelf(actor, email) {
		if err := requireAdmin(actor, "rotating another user's credentials"); err != nil {
			return nil, err
		}
	}
	if _, err := s.getUser(ctx, email); err != nil {
		return nil, err
	}
	out := []NewCredential{}
	err := s.inTx(ctx, func(tx store.Tx) error {
		cs, err := tx.CredentialList(ctx, &store.CredentialListParams{UserID: email})
		if err != nil {
			return fmt.Errorf("list credentials of %s: %w", email, err)
		}
		for _, c := range cs {
			secret := newSecret(PrefixClientSecret)
			if _, err := s.rotate(ctx, tx, c.ClientID, secret); err != nil {
				return err
			}
			out = append(out, NewCredential{ClientID: c.ClientID, ClientSecret: secret})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
