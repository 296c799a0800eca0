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

// Values of the _user entity's properties (internal/catalog/system.go).
const (
	StatusStaged   = "Staged"
	StatusInvited  = "Invited"
	StatusActive   = "Active"
	StatusDisabled = "Disabled"

	TypeStandard       = "Standard"
	TypeServiceAccount = "Service Account"

	// portRoleModerator is port_role of a user who moderates the blueprints
	// listed in moderated_blueprints.
	portRoleModerator = "Moderator"
)

// Properties and relation of _user and _team used here.
const (
	propStatus      = "status"
	propRole        = "port_role"
	propModerated   = "moderated_blueprints"
	propType        = "port_type"
	relTeam         = "team"
	propDescription = "description"
)

// maxEmailLength is RFC 5321's limit on an address.
const maxEmailLength = 254

// emailRe is the catalog's rule for _user identifiers (an email address).
var emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// Ref names a role or a team in a user's JSON (Port: [{"name": "Admin"}]).
type Ref struct {
	Name string `json:"name"`
}

// User is a person or service account (port.md §8.4), read from its _user
// entity. FirstName and LastName are derived from the entity's title
// ("First Last": the first word is the first name), since _user has no name
// properties; a title equal to the email means no name was given.
type User struct {
	Email     string    `json:"email"`
	FirstName string    `json:"firstName"`
	LastName  string    `json:"lastName"`
	Status    string    `json:"status"`
	Type      string    `json:"type"`
	Roles     []Ref     `json:"roles"`
	Teams     []Ref     `json:"teams"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// UserInput creates or invites a user. Roles are "Admin", "Member" and
// "<blueprint>-moderator" (none means Member); Teams must exist; Type is
// "Standard" (default) or "Service Account".
type UserInput struct {
	Email     string   `json:"email"`
	FirstName string   `json:"firstName,omitempty"`
	LastName  string   `json:"lastName,omitempty"`
	Roles     []string `json:"roles,omitempty"`
	Teams     []string `json:"teams,omitempty"`
	Type      string   `json:"type,omitempty"`
}

// InviteInput is the body of POST /v1/users/invite (Port's shape); pass
// &in.Invitee to UserInvite. Notify is accepted and ignored: Atrium sends no
// mail.
type InviteInput struct {
	Invitee UserInput `json:"invitee"`
	Notify  bool      `json:"notify"`
}

// UserPatch changes a user; nil fields are unchanged. Roles and Teams replace
// the user's roles and team memberships.
type UserPatch struct {
	FirstName *string   `json:"firstName,omitempty"`
	LastName  *string   `json:"lastName,omitempty"`
	Roles     *[]string `json:"roles,omitempty"`
	Teams     *[]string `json:"teams,omitempty"`
	Status    *string   `json:"status,omitempty"`
}

// normEmail case-folds an email (see the package doc).
func normEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// checkEmail returns a reason when email is not a valid user identifier.
func checkEmail(email string) string {
	switch {
	case email == "":
		return "is required"
	case len(email) > maxEmailLength:
		return fmt.Sprintf("must be at most %d characters long", maxEmailLength)
	case !emailRe.MatchString(email):
		return "must be an email address"
	}
	return ""
}

// ---- the _user entity ----

func propString(e *model.Entity, p string) string {
	s, _ := e.Properties[p].(string)
	return s
}

func propStrings(e *model.Entity, p string) []string {
	switch v := e.Properties[p].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// userStatus is a user's status; a _user entity written without one (say
// by a catalog import) counts as Active.
func userStatus(e *model.Entity) string {
	if s := propString(e, propStatus); s != "" {
		return s
	}
	return StatusActive
}

func userType(e *model.Entity) string {
	if t := propString(e, propType); t != "" {
		return t
	}
	return TypeStandard
}

// userRoles returns a user's role names: ["Admin"], ["Member"], or
// ["Member", "<bp>-moderator", …] for a Moderator.
func userRoles(e *model.Entity) []string {
	switch propString(e, propRole) {
	case model.RoleAdmin:
		return []string{model.RoleAdmin}
	case portRoleModerator:
		roles := []string{model.RoleMember}
		for _, bp := range propStrings(e, propModerated) {
			roles = append(roles, model.ModeratorRole(bp))
		}
		return roles
	}
	return []string{model.RoleMember}
}

func userTeams(e *model.Entity) []string {
	ts := e.RelationTargets(relTeam)
	if ts == nil {
		return []string{}
	}
	return ts
}

// isActiveAdmin reports whether e is an Active user with the Admin role.
func isActiveAdmin(e *model.Entity) bool {
	return propString(e, propRole) == model.RoleAdmin && userStatus(e) == StatusActive
}

func refs(names []string) []Ref {
	out := make([]Ref, len(names))
	for i, n := range names {
		out[i] = Ref{Name: n}
	}
	return out
}

// splitTitle derives first and last names from a _user title.
func splitTitle(e *model.Entity) (first, last string) {
	t := strings.TrimSpace(e.Title)
	if t == "" || t == e.Identifier {
		return "", ""
	}
	first, last, _ = strings.Cut(t, " ")
	return first, strings.TrimSpace(last)
}

// joinTitle is the title a user with these names gets; "" when no name is
// given (the catalog then uses the email).
func joinTitle(first, last string) string {
	return strings.TrimSpace(strings.TrimSpace(first) + " " + strings.TrimSpace(last))
}

func userFromEntity(e *model.Entity) *User {
	first, last := splitTitle(e)
	return &User{
		Email: e.Identifier, FirstName: first, LastName: last,
		Status: userStatus(e), Type: userType(e),
		Roles: refs(userRoles(e)), Teams: refs(userTeams(e)),
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
	}
}

func principalFromEntity(e *model.Entity) *model.Principal {
	return &model.Principal{
		UserID:  e.Identifier,
		Roles:   userRoles(e),
		Teams:   userTeams(e),
		Service: userType(e) == TypeServiceAccount,
	}
}

// rawJSON marshals v, which is always marshalable here (strings and slices).
func rawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("access: marshal %T: %v", v, err))
	}
	return b
}

// roleProps checks role names and returns the port_role and
// moderated_blueprints they stand for, recording problems under field.
func (s *Service) roleProps(ctx context.Context, ve *model.ValidationError, field string, roles []string) (string, []string) {
	role, moderated := model.RoleMember, []string{}
	for i, r := range roles {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case r == model.RoleAdmin:
			role = model.RoleAdmin
		case r == model.RoleMember:
		case strings.HasSuffix(r, model.ModeratorSuffix) && r != model.ModeratorSuffix:
			bp := strings.TrimSuffix(r, model.ModeratorSuffix)
			_, err := s.opts.Catalog.BlueprintGet(readCtx(ctx), bp)
			switch {
			case errors.Is(err, model.ErrNotFound):
				ve.Add(f, "blueprint %q of role %q does not exist", bp, r)
				continue
			case err != nil:
				ve.Add(f, "cannot check blueprint %q", bp)
				continue
			}
			if !slices.Contains(moderated, bp) {
				moderated = append(moderated, bp)
			}
		default:
			ve.Add(f, "must be %q, %q or \"<blueprint>-moderator\", not %q", model.RoleAdmin, model.RoleMember, r)
		}
	}
	if role != model.RoleAdmin && len(moderated) > 0 {
		role = portRoleModerator
	}
	return role, moderated
}

// checkTeams records, under field, every team that does not exist.
func (s *Service) checkTeams(ctx context.Context, ve *model.ValidationError, field string, teams []string) error {
	for i, t := range teams {
		_, err := s.opts.Catalog.EntityGet(readCtx(ctx), model.TeamBlueprint, t)
		switch {
		case errors.Is(err, model.ErrNotFound):
			ve.Add(fmt.Sprintf("%s[%d]", field, i), "team %q does not exist", t)
		case err != nil:
			return fmt.Errorf("get team %s: %w", t, err)
		}
	}
	return nil
}

// getUser returns the _user entity of email (ErrNotFound naming it).
func (s *Service) getUser(ctx context.Context, email string) (*model.Entity, error) {
	e, err := s.opts.Catalog.EntityGet(readCtx(ctx), model.UserBlueprint, email)
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.NotFoundf("user %q not found", email)
	}
	if err != nil {
		return nil, fmt.Errorf("get user %s: %w", email, err)
	}
	return e, nil
}

// listEntities returns every entity of blueprint, page by page.
func (s *Service) listEntities(ctx context.Context, blueprint string) ([]*model.Entity, error) {
	var all []*model.Entity
	opts := catalog.ListOptions{Limit: 1000}
	for {
		page, err := s.opts.Catalog.EntityList(readCtx(ctx), blueprint, opts)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", blueprint, err)
		}
		all = append(all, page.Entities...)
		if page.Next == "" {
			return all, nil
		}
		opts.Cursor = page.Next
	}
}

// ---- operations ----

// UserList returns every user, ordered by email. Any signed-in caller may
// list users.
func (s *Service) UserList(ctx context.Context, actor model.Actor) ([]*User, error) {
	es, err := s.listEntities(ctx, model.UserBlueprint)
	if err != nil {
		return nil, err
	}
	out := make([]*User, len(es))
	for i, e := range es {
		out[i] = userFromEntity(e)
	}
	return out, nil
}

// UserGet returns one user. Any signed-in caller may read users.
func (s *Service) UserGet(ctx context.Context, actor model.Actor, email string) (*User, error) {
	e, err := s.getUser(ctx, normEmail(email))
	if err != nil {
		return nil, err
	}
	return userFromEntity(e), nil
}

// UserCreate creates an Active user (Admin only). A service account also
// gets a credential, whose secret is returned here and never again; a
// standard user gets none (nil).
func (s *Service) UserCreate(ctx context.Context, actor model.Actor, in *UserInput) (*User, *NewCredential, error) {
	if err := requireAdmin(actor, "creating a user"); err != nil {
		return nil, nil, err
	}
	u, err := s.createUser(ctx, trusted(actor), in, StatusActive)
	if err != nil {
		return nil, nil, err
	}
	if u.Type != TypeServiceAccount {
		return u, nil, nil
	}
	app, secret, err := s.createCredential(ctx, actor, u.Email, u.Email)
	if err != nil {
		return nil, nil, err
	}
	return u, &NewCredential{ClientID: app.ID, ClientSecret: secret}, nil
}

// UserInvite creates a user with status Invited (Admin only); the user
// becomes Active on first sign-in.
func (s *Service) UserInvite(ctx context.Context, actor model.Actor, in *UserInput) (*User, error) {
	if err := requireAdmin(actor, "inviting a user"); err != nil {
		return nil, err
	}
	return s.createUser(ctx, trusted(actor), in, StatusInvited)
}

// createUser validates in and creates its _user entity with status.
func (s *Service) createUser(ctx context.Context, actor model.Actor, in *UserInput, status string) (*User, error) {
	if in == nil {
		in = &UserInput{}
	}
	email := normEmail(in.Email)
	ve := &model.ValidationError{Subject: "user"}
	if r := checkEmail(email); r != "" {
		ve.Add("email", "%s", r)
	}
	typ := in.Type
	switch typ {
	case "":
		typ = TypeStandard
	case TypeStandard, TypeServiceAccount:
	default:
		ve.Add("type", "must be %q or %q", TypeStandard, TypeServiceAccount)
	}
	role, moderated := s.roleProps(ctx, ve, "roles", in.Roles)
	if err := s.checkTeams(ctx, ve, "teams", in.Teams); err != nil {
		return nil, err
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	teams := in.Teams
	if teams == nil {
		teams = []string{}
	}
	ein := &model.EntityInput{
		Identifier: rawJSON(email),
		Properties: map[string]json.RawMessage{
			propStatus: rawJSON(status), propRole: rawJSON(role),
			propModerated: rawJSON(moderated), propType: rawJSON(typ),
		},
		Relations: map[string]json.RawMessage{relTeam: rawJSON(teams)},
	}
	if t := joinTitle(in.FirstName, in.LastName); t != "" {
		ein.Title = rawJSON(t)
	}
	res, err := s.opts.Catalog.EntityCreate(ctx, actor, model.UserBlueprint, ein, catalog.WriteOptions{})
	if errors.Is(err, model.ErrConflict) {
		return nil, model.Conflictf("user %q already exists", email)
	}
	if err != nil {
		return nil, fmt.Errorf("create user %s: %w", email, err)
	}
	return userFromEntity(res.Entity), nil
}

// UserPatch changes a user's names, roles, teams or status (Admin only).
// The last Active Admin cannot be demoted or disabled.
func (s *Service) UserPatch(ctx context.Context, actor model.Actor, email string, in *UserPatch) (*User, error) {
	if err := requireAdmin(actor, "changing a user"); err != nil {
		return nil, err
	}
	email = normEmail(email)
	cur, err := s.getUser(ctx, email)
	if err != nil {
		return nil, err
	}
	if in == nil {
		in = &UserPatch{}
	}
	ve := &model.ValidationError{Subject: fmt.Sprintf("user %q", email)}
	ein := &model.EntityInput{Properties: map[string]json.RawMessage{}, Relations: map[string]json.RawMessage{}}
	newRole, newStatus := propString(cur, propRole), userStatus(cur)
	if in.Roles != nil {
		role, moderated := s.roleProps(ctx, ve, "roles", *in.Roles)
		ein.Properties[propRole] = rawJSON(role)
		ein.Properties[propModerated] = rawJSON(moderated)
		newRole = role
	}
	if in.Teams != nil {
		if err := s.checkTeams(ctx, ve, "teams", *in.Teams); err != nil {
			return nil, err
		}
		ein.Relations[relTeam] = rawJSON(append([]string{}, *in.Teams...))
	}
	if in.Status != nil {
		switch *in.Status {
		case StatusStaged, StatusInvited, StatusActive, StatusDisabled:
			ein.Properties[propStatus] = rawJSON(*in.Status)
			newStatus = *in.Status
		default:
			ve.Add("status", "must be one of %q, %q, %q, %q", StatusStaged, StatusInvited, StatusActive, StatusDisabled)
		}
	}
	if in.FirstName != nil || in.LastName != nil {
		first, last := splitTitle(cur)
		if in.FirstName != nil {
			first = *in.FirstName
		}
		if in.LastName != nil {
			last = *in.LastName
		}
		t := joinTitle(first, last)
		if t == "" {
			t = email
		}
		ein.Title = rawJSON(t)
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	if isActiveAdmin(cur) && (newRole != model.RoleAdmin || newStatus != StatusActive) {
		if err := s.keepAnAdmin(ctx, email); err != nil {
			return nil, err
		}
	}
	res, err := s.opts.Catalog.EntityPatch(ctx, trusted(actor), model.UserBlueprint, email, ein, catalog.WriteOptions{})
	if err != nil {
		return nil, fmt.Errorf("patch user %s: %w", email, err)
	}
	return userFromEntity(res.Entity), nil
}

// keepAnAdmin refuses a change that would leave no Active Admin besides
// email, so nobody can lock everyone out of administration.
func (s *Service) keepAnAdmin(ctx context.Context, email string) error {
	es, err := s.listEntities(ctx, model.UserBlueprint)
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.Identifier != email && isActiveAdmin(e) {
			return nil
		}
	}
	return model.Conflictf("user %q is the last active Admin", email)
}

// UserDelete deletes a user (Admin only) and then its credentials, tokens
// and password. The last Active Admin cannot be deleted.
func (s *Service) UserDelete(ctx context.Context, actor model.Actor, email string) error {
	if err := requireAdmin(actor, "deleting a user"); err != nil {
		return err
	}
	email = normEmail(email)
	cur, err := s.getUser(ctx, email)
	if err != nil {
		return err
	}
	if isActiveAdmin(cur) {
		if err := s.keepAnAdmin(ctx, email); err != nil {
			return err
		}
	}
	// The entity goes first: a token of a user without an entity no longer
	// authenticates, so a failure below leaves nothing usable behind.
	if err := s.opts.Catalog.EntityDelete(ctx, trusted(actor), model.UserBlueprint, email, catalog.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete user %s: %w", email, err)
	}
	return s.inTx(ctx, func(tx store.Tx) error {
		if err := tx.TokenRevoke(ctx, &store.TokenRevokeParams{UserID: email, At: s.now()}); err != nil {
			return fmt.Errorf("revoke tokens of %s: %w", email, err)
		}
		if err := tx.CredentialDelete(ctx, &store.CredentialDeleteParams{UserID: email}); err != nil && !errors.Is(err, model.ErrNotFound) {
			return fmt.Errorf("delete credentials of %s: %w", email, err)
		}
		if err := tx.PasswordDelete(ctx, &store.PasswordDeleteParams{UserID: email}); err != nil {
			return fmt.Errorf("delete password of %s: %w", email, err)
		}
		return nil
	})
}

// UserSetPassword sets a user's local password (the user themself or an
// Admin). The user's existing sessions stay valid.
func (s *Service) UserSetPassword(ctx context.Context, actor model.Actor, email, password string) error {
	email = normEmail(email)
	if !isSelf(actor, email) {
		if err := requireAdmin(actor, "setting another user's password"); err != nil {
			return err
		}
	}
	if r := checkPassword(password); r != "" {
		return &model.ValidationError{Subject: "password", Fields: []model.FieldError{{Field: "password", Reason: r}}}
	}
	if _, err := s.getUser(ctx, email); err != nil {
		return err
	}
	return s.setPassword(ctx, email, password)
}

func (s *Service) setPassword(ctx context.Context, email, password string) error {
	h, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx store.Tx) error {
		err := tx.PasswordPut(ctx, &store.PasswordPutParams{Password: &store.Password{UserID: email, Hash: h, UpdatedAt: s.now()}})
		if err != nil {
			return fmt.Errorf("set password of %s: %w", email, err)
		}
		return nil
	})
}
