package model

import (
	"context"
	"slices"
	"strings"
)

// Roles of reference/port.md §8.1. A blueprint moderator's role is the
// blueprint identifier followed by ModeratorSuffix ("service-moderator").
const (
	RoleAdmin       = "Admin"
	RoleMember      = "Member"
	ModeratorSuffix = "-moderator"
)

// ModeratorRole returns the role that moderates blueprint.
func ModeratorRole(blueprint string) string { return blueprint + ModeratorSuffix }

// Principal is an authenticated caller, resolved on every request from a
// bearer token or a session cookie (internal/access). Its roles and teams are
// read from the caller's _user entity at that moment, so a role change takes
// effect on the next request.
type Principal struct {
	// UserID is the identifier (email) of the caller's _user entity; service
	// accounts are users too.
	UserID string
	// Roles are "Admin", "Member" and "<blueprint>-moderator" roles.
	Roles []string
	// Teams are the identifiers of the _team entities the user belongs to.
	Teams []string
	// Service is true for service accounts.
	Service bool
	// ClientID is the credential the token was issued to; "" for sessions.
	ClientID string
}

// IsAdmin reports whether p has the Admin role.
func (p *Principal) IsAdmin() bool { return p != nil && slices.Contains(p.Roles, RoleAdmin) }

// HasRole reports whether p has role r.
func (p *Principal) HasRole(r string) bool { return p != nil && slices.Contains(p.Roles, r) }

// Moderates reports whether p is an Admin or a moderator of blueprint: both
// may do everything to the blueprint and its entities (port.md §8.2).
func (p *Principal) Moderates(blueprint string) bool {
	return p.IsAdmin() || p.HasRole(ModeratorRole(blueprint))
}

// InTeam reports whether p belongs to any of teams.
func (p *Principal) InTeam(teams []string) bool {
	if p == nil {
		return false
	}
	for _, t := range teams {
		if slices.Contains(p.Teams, t) {
			return true
		}
	}
	return false
}

// ModeratedBlueprints returns the blueprints p's roles moderate.
func (p *Principal) ModeratedBlueprints() []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, r := range p.Roles {
		if bp, ok := strings.CutSuffix(r, ModeratorSuffix); ok && bp != "" {
			out = append(out, bp)
		}
	}
	return out
}

type actorKey struct{}

// WithActor returns ctx carrying a: httpapi sets it on every request so that
// services can authorize reads, which take no actor argument (writes take it
// explicitly).
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor ctx carries, if any. A context without one is
// an in-process caller (start-up, the demo loader, tests of a service) and is
// trusted, exactly like an Actor whose Principal is nil.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
