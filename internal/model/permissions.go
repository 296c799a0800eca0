package model

import (
	"encoding/json"
	"slices"
)

// PermissionGrant says who is granted one permission (port.md §8.2): callers
// with any of Roles, any of Users (emails), a member of any of Teams, or —
// when OwnedByTeam — a member of one of the entity's own teams.
type PermissionGrant struct {
	Roles       []string `json:"roles"`
	Users       []string `json:"users"`
	Teams       []string `json:"teams"`
	OwnedByTeam bool     `json:"ownedByTeam"`
}

// Grants reports whether the grant admits p regardless of the entity (the
// roles, users and teams lists; OwnedByTeam is checked against an entity by
// the caller).
func (g PermissionGrant) Grants(p *Principal) bool {
	if p == nil {
		return false
	}
	for _, r := range g.Roles {
		if p.HasRole(r) {
			return true
		}
	}
	return slices.Contains(g.Users, p.UserID) || p.InTeam(g.Teams)
}

// ReadPermission is the read grant plus an optional policy: a rule tree
// (with {"context": "user"|"userTeams"} values) selecting further entities a
// caller may read when the grant does not already admit them.
type ReadPermission struct {
	PermissionGrant
	Policy json.RawMessage `json:"policy,omitempty"`
}

// EntityPermissions are a blueprint's entity permissions (port.md §8.2).
// UpdateProperties and UpdateRelations grant updating one property or
// relation without the whole-entity Update permission.
type EntityPermissions struct {
	Read             ReadPermission             `json:"read"`
	Register         PermissionGrant            `json:"register"`
	Update           PermissionGrant            `json:"update"`
	Unregister       PermissionGrant            `json:"unregister"`
	UpdateProperties map[string]PermissionGrant `json:"updateProperties"`
	UpdateRelations  map[string]PermissionGrant `json:"updateRelations"`
}

// BlueprintPermissions is the document of GET/PATCH
// /v1/blueprints/{bp}/permissions.
type BlueprintPermissions struct {
	Entities EntityPermissions `json:"entities"`
}

// DefaultBlueprintPermissions returns the permissions of a blueprint whose
// permissions were never set: Admins and the blueprint's moderators may do
// everything, Members may read (port.md §8.2). Admins and moderators are
// always allowed whatever the document says.
func DefaultBlueprintPermissions(bp *Blueprint) *BlueprintPermissions {
	writers := func() PermissionGrant {
		return PermissionGrant{Roles: []string{RoleAdmin, ModeratorRole(bp.Identifier)}, Users: []string{}, Teams: []string{}}
	}
	p := &BlueprintPermissions{Entities: EntityPermissions{
		Read: ReadPermission{PermissionGrant: PermissionGrant{
			Roles: []string{RoleAdmin, RoleMember, ModeratorRole(bp.Identifier)}, Users: []string{}, Teams: []string{}}},
		Register:         writers(),
		Update:           writers(),
		Unregister:       writers(),
		UpdateProperties: map[string]PermissionGrant{},
		UpdateRelations:  map[string]PermissionGrant{},
	}}
	for id := range bp.Schema.Properties {
		p.Entities.UpdateProperties[id] = writers()
	}
	for id := range bp.Relations {
		p.Entities.UpdateRelations[id] = writers()
	}
	return p
}
