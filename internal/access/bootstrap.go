package access

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
)

// DefaultAdminEmail is the bootstrap admin's email when none is configured.
const DefaultAdminEmail = "admin@atrium.local"

// minClientSecretLength is the shortest client secret Bootstrap accepts
// from configuration.
const minClientSecretLength = 12

// BootstrapOptions configure the first admin (ATRIUM_ADMIN_*). Empty
// ClientID or ClientSecret are generated; Password, when set, also gives the
// admin a local password.
type BootstrapOptions struct {
	Email, ClientID, ClientSecret, Password string
}

// BootstrapResult says what Bootstrap did. ClientSecret is set only when it
// was generated: the caller prints it once (never to the log).
type BootstrapResult struct {
	Created                       bool
	Email, ClientID, ClientSecret string
}

// Bootstrap creates the first admin when no Active Admin user exists: the
// user o.Email (default admin@atrium.local; an existing user of that email
// becomes an Active Admin), a credential with the given or generated client
// id and secret, and — when o.Password is set — a local password. When an
// Active Admin exists it does nothing and returns Created false. The
// catalog's system blueprints must exist (catalog.Service.Init).
func (s *Service) Bootstrap(ctx context.Context, o BootstrapOptions) (*BootstrapResult, error) {
	email := normEmail(o.Email)
	if email == "" {
		email = DefaultAdminEmail
	}
	ve := &model.ValidationError{Subject: "bootstrap admin"}
	if r := checkEmail(email); r != "" {
		ve.Add("email", "%s", r)
	}
	if o.ClientID != "" && (strings.ContainsAny(o.ClientID, " \t\r\n") || len(o.ClientID) > 200) {
		ve.Add("clientId", "must be at most 200 characters without spaces")
	}
	if o.ClientSecret != "" && len(o.ClientSecret) < minClientSecretLength {
		ve.Add("clientSecret", "must be at least %d characters long", minClientSecretLength)
	}
	if o.Password != "" {
		if r := checkPassword(o.Password); r != "" {
			ve.Add("password", "%s", r)
		}
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	users, err := s.listEntities(ctx, model.UserBlueprint)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if isActiveAdmin(u) {
			return &BootstrapResult{Created: false, Email: u.Identifier}, nil
		}
	}
	ein := &model.EntityInput{
		Identifier: rawJSON(email),
		Properties: map[string]json.RawMessage{propStatus: rawJSON(StatusActive), propRole: rawJSON(model.RoleAdmin),
			propType: rawJSON(TypeStandard)},
	}
	// Upsert and merge: an existing user of that email keeps its teams and
	// name and becomes an Active Admin.
	_, err = s.opts.Catalog.EntityCreate(ctx, system(), model.UserBlueprint, ein, catalog.WriteOptions{Upsert: true, Merge: true})
	if err != nil {
		return nil, fmt.Errorf("create bootstrap admin %s: %w", email, err)
	}
	res := &BootstrapResult{Created: true, Email: email, ClientID: o.ClientID}
	if res.ClientID == "" {
		res.ClientID = newClientID()
	}
	secret := o.ClientSecret
	if secret == "" {
		secret = newSecret(PrefixClientSecret)
		res.ClientSecret = secret
	}
	if _, _, err := s.putCredential(ctx, system(), "bootstrap admin", email, res.ClientID, secret); err != nil {
		return nil, err
	}
	if o.Password != "" {
		if err := s.setPassword(ctx, email, o.Password); err != nil {
			return nil, err
		}
	}
	s.opts.Logger.InfoContext(ctx, "bootstrap admin created", "user", email, "clientId", res.ClientID)
	return res, nil
}
