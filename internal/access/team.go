package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
)

// Team is a team (port.md §8.4): its _team entity (identifier Name) and the
// emails of the users whose team relation names it.
type Team struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Users       []string  `json:"users"`
	CreatedAt   time.Time `json:"createdAt,omitzero"`
	UpdatedAt   time.Time `json:"updatedAt,omitzero"`
}

// TeamPatch changes a team; nil fields are unchanged. Name renames the team
// (every member's relation follows); Users replaces the members.
type TeamPatch struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Users       *[]string `json:"users,omitempty"`
}

func teamFromEntity(e *model.Entity, users []*model.Entity) *Team {
	t := &Team{Name: e.Identifier, Description: propString(e, propDescription), Users: members(users, e.Identifier),
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	return t
}

// members returns the emails of users in team, in email order (users come
// in identifier order).
func members(users []*model.Entity, team string) []string {
	out := []string{}
	for _, u := range users {
		if slices.Contains(userTeams(u), team) {
			out = append(out, u.Identifier)
		}
	}
	return out
}

// TeamList returns every team with its members, ordered by name. Any
// signed-in caller may list teams.
func (s *Service) TeamList(ctx context.Context, actor model.Actor) ([]*Team, error) {
	ts, err := s.listEntities(ctx, model.TeamBlueprint)
	if err != nil {
		return nil, err
	}
	us, err := s.listEntities(ctx, model.UserBlueprint)
	if err != nil {
		return nil, err
	}
	out := make([]*Team, len(ts))
	for i, t := range ts {
		out[i] = teamFromEntity(t, us)
	}
	return out, nil
}

// TeamGet returns one team with its members. Any signed-in caller may read
// teams.
func (s *Service) TeamGet(ctx context.Context, actor model.Actor, name string) (*Team, error) {
	e, err := s.getTeam(ctx, name)
	if err != nil {
		return nil, err
	}
	us, err := s.listEntities(ctx, model.UserBlueprint)
	if err != nil {
		return nil, err
	}
	return teamFromEntity(e, us), nil
}

func (s *Service) getTeam(ctx context.Context, name string) (*model.Entity, error) {
	e, err := s.opts.Catalog.EntityGet(readCtx(ctx), model.TeamBlueprint, name)
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.NotFoundf("team %q not found", name)
	}
	if err != nil {
		return nil, fmt.Errorf("get team %s: %w", name, err)
	}
	return e, nil
}

// checkMembers validates a team's member list: every user must exist.
// Emails are case-folded in place.
func (s *Service) checkMembers(ctx context.Context, ve *model.ValidationError, users []string) error {
	for i := range users {
		users[i] = normEmail(users[i])
		_, err := s.opts.Catalog.EntityGet(readCtx(ctx), model.UserBlueprint, users[i])
		switch {
		case errors.Is(err, model.ErrNotFound):
			ve.Add(fmt.Sprintf("users[%d]", i), "user %q does not exist", users[i])
		case err != nil:
			return fmt.Errorf("get user %s: %w", users[i], err)
		}
	}
	return nil
}

// TeamCreate creates a team and adds the listed users to it (Admin only).
func (s *Service) TeamCreate(ctx context.Context, actor model.Actor, in *Team) (*Team, error) {
	if err := requireAdmin(actor, "creating a team"); err != nil {
		return nil, err
	}
	if in == nil {
		in = &Team{}
	}
	ve := &model.ValidationError{Subject: "team"}
	if in.Name == "" {
		ve.Add("name", "is required")
	}
	users := slices.Clone(in.Users)
	if err := s.checkMembers(ctx, ve, users); err != nil {
		return nil, err
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	ein := &model.EntityInput{
		Identifier: rawJSON(in.Name),
		Properties: map[string]json.RawMessage{propDescription: rawJSON(in.Description)},
	}
	_, err := s.opts.Catalog.EntityCreate(ctx, trusted(actor), model.TeamBlueprint, ein, catalog.WriteOptions{})
	if errors.Is(err, model.ErrConflict) {
		return nil, model.Conflictf("team %q already exists", in.Name)
	}
	if err != nil {
		return nil, renameField(err, "identifier", "name")
	}
	if err := s.setMembers(ctx, trusted(actor), in.Name, users); err != nil {
		return nil, err
	}
	return s.TeamGet(ctx, actor, in.Name)
}

// renameField rewrites a catalog validation error about field from into
// one about to, so errors name the field of the team body.
func renameField(err error, from, to string) error {
	var ve *model.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &model.ValidationError{Subject: "team"}
	for _, f := range ve.Fields {
		if f.Field == from {
			f.Field = to
		}
		out.Fields = append(out.Fields, f)
	}
	return out
}

// TeamReplace replaces a team's description and members (Admin only).
func (s *Service) TeamReplace(ctx context.Context, actor model.Actor, name string, in *Team) (*Team, error) {
	if in == nil {
		in = &Team{}
	}
	users := in.Users
	if users == nil {
		users = []string{}
	}
	p := &TeamPatch{Description: &in.Description, Users: &users}
	if in.Name != "" && in.Name != name {
		return nil, &model.ValidationError{Subject: "team", Fields: []model.FieldError{{Field: "name", Reason: fmt.Sprintf("must be %q (the team in the URL); rename with PATCH", name)}}}
	}
	return s.TeamPatch(ctx, actor, name, p)
}

// TeamPatch changes a team's name, description or members (Admin only).
func (s *Service) TeamPatch(ctx context.Context, actor model.Actor, name string, in *TeamPatch) (*Team, error) {
	if err := requireAdmin(actor, "changing a team"); err != nil {
		return nil, err
	}
	if _, err := s.getTeam(ctx, name); err != nil {
		return nil, err
	}
	if in == nil {
		in = &TeamPatch{}
	}
	ve := &model.ValidationError{Subject: fmt.Sprintf("team %q", name)}
	var users []string
	if in.Users != nil {
		users = slices.Clone(*in.Users)
		if users == nil {
			users = []string{}
		}
		if err := s.checkMembers(ctx, ve, users); err != nil {
			return nil, err
		}
	}
	if in.Name != nil && *in.Name == "" {
		ve.Add("name", "must not be empty")
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	ein := &model.EntityInput{Properties: map[string]json.RawMessage{}}
	if in.Description != nil {
		ein.Properties[propDescription] = rawJSON(*in.Description)
	}
	if in.Name != nil && *in.Name != name {
		// The catalog renames in one transaction and rewrites every user's
		// team relation to the new name.
		ein.Identifier = rawJSON(*in.Name)
	}
	if ein.Identifier != nil || len(ein.Properties) > 0 {
		_, err := s.opts.Catalog.EntityPatch(ctx, trusted(actor), model.TeamBlueprint, name, ein, catalog.WriteOptions{})
		if errors.Is(err, model.ErrConflict) && ein.Identifier != nil {
			return nil, model.Conflictf("team %q already exists", *in.Name)
		}
		if err != nil {
			return nil, renameField(err, "identifier", "name")
		}
		if in.Name != nil {
			name = *in.Name
		}
	}
	if users != nil {
		if err := s.setMembers(ctx, trusted(actor), name, users); err != nil {
			return nil, err
		}
	}
	return s.TeamGet(ctx, actor, name)
}

// setMembers makes exactly users the members of team, patching the team
// relation of each user joining or leaving.
func (s *Service) setMembers(ctx context.Context, actor model.Actor, team string, users []string) error {
	all, err := s.listEntities(ctx, model.UserBlueprint)
	if err != nil {
		return err
	}
	for _, u := range all {
		cur := userTeams(u)
		in, want := slices.Contains(cur, team), slices.Contains(users, u.Identifier)
		var next []string
		switch {
		case want && !in:
			next = append(slices.Clone(cur), team)
		case !want && in:
			next = slices.DeleteFunc(slices.Clone(cur), func(t string) bool { return t == team })
		default:
			continue
		}
		if err := s.setUserTeams(ctx, actor, u.Identifier, next); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) setUserTeams(ctx context.Context, actor model.Actor, email string, teams []string) error {
	if teams == nil {
		teams = []string{}
	}
	ein := &model.EntityInput{Relations: map[string]json.RawMessage{relTeam: rawJSON(teams)}}
	if _, err := s.opts.Catalog.EntityPatch(ctx, actor, model.UserBlueprint, email, ein, catalog.WriteOptions{}); err != nil {
		return fmt.Errorf("set teams of user %s: %w", email, err)
	}
	return nil
}

// TeamDelete removes every member from a team, then deletes it (Admin only).
func (s *Service) TeamDelete(ctx context.Context, actor model.Actor, name string) error {
	if err := requireAdmin(actor, "deleting a team"); err != nil {
		return err
	}
	if _, err := s.getTeam(ctx, name); err != nil {
		return err
	}
	if err := s.setMembers(ctx, trusted(actor), name, nil); err != nil {
		return err
	}
	if err := s.opts.Catalog.EntityDelete(ctx, trusted(actor), model.TeamBlueprint, name, catalog.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete team %s: %w", name, err)
	}
	return nil
}
