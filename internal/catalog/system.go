package catalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// systemActor is recorded as createdBy/updatedBy of what Init creates.
const systemActor = "atrium"

// systemBlueprint returns a fresh copy of the built-in definition of a system
// blueprint (port.md §1.10), or nil when id is not one. System blueprints may
// be extended (new properties, non-required relations) but their built-in
// properties and relations never change, and they cannot be deleted.
func systemBlueprint(id string) *model.Blueprint {
	switch id {
	case model.TeamBlueprint:
		bp := &model.Blueprint{
			Identifier:  model.TeamBlueprint,
			Title:       "Team",
			Icon:        "Team",
			Description: "A team; entities of blueprints with Direct ownership name their owning teams",
			Schema: model.BlueprintSchema{Properties: map[string]model.Property{
				"description": {Type: "string", Title: "Description"},
				"size":        {Type: "number", Title: "Size"},
			}},
		}
		normaliseBlueprint(bp)
		return bp
	case model.UserBlueprint:
		bp := &model.Blueprint{
			Identifier:  model.UserBlueprint,
			Title:       "User",
			Icon:        "User",
			Description: "A person or service account; the identifier is the email address",
			Schema: model.BlueprintSchema{Properties: map[string]model.Property{
				"status": {Type: "string", Title: "Status",
					Enum:       []any{"Staged", "Invited", "Active", "Disabled"},
					EnumColors: map[string]string{"Staged": "lightGray", "Invited": "yellow", "Active": "green", "Disabled": "darkGray"}},
				"port_role": {Type: "string", Title: "Role", Enum: []any{"Admin", "Member", "Moderator"}},
				"moderated_blueprints": {Type: "array", Title: "Moderated blueprints",
					Items: &model.Property{Type: "string", Format: "blueprints"}},
				"port_type": {Type: "string", Title: "Type", Enum: []any{"Standard", "Service Account"}},
			}},
			Relations: map[string]model.Relation{
				"team": {Title: "Team", Target: model.TeamBlueprint, Many: true},
			},
		}
		normaliseBlueprint(bp)
		return bp
	}
	return nil
}

// Init creates the system blueprints (_team, then _user, which relates to it)
// when missing. serve calls it once at start; it is idempotent.
func (s *Service) Init(ctx context.Context) error {
	for _, id := range []string{model.TeamBlueprint, model.UserBlueprint} {
		_, err := s.opts.Store.BlueprintGet(ctx, &store.BlueprintGetParams{Identifier: id})
		if err == nil {
			continue
		}
		if !errors.Is(err, model.ErrNotFound) {
			return fmt.Errorf("init: get blueprint %s: %w", id, err)
		}
		_, err = s.blueprintCreate(ctx, model.Actor{ID: systemActor, Origin: model.OriginAPI}, systemBlueprint(id))
		if err != nil && !errors.Is(err, model.ErrConflict) {
			return fmt.Errorf("init: create blueprint %s: %w", id, err)
		}
	}
	return nil
}
