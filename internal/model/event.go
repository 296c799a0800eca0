package model

import (
	"encoding/json"
	"time"
)

// EventType names what changed. The entity types follow Port's trigger names.
type EventType string

// Event types written to the outbox.
const (
	EventEntityCreated    EventType = "ENTITY_CREATED"
	EventEntityUpdated    EventType = "ENTITY_UPDATED"
	EventEntityDeleted    EventType = "ENTITY_DELETED"
	EventBlueprintCreated EventType = "BLUEPRINT_CREATED"
	EventBlueprintUpdated EventType = "BLUEPRINT_UPDATED"
	EventBlueprintDeleted EventType = "BLUEPRINT_DELETED"
)

// Event is one committed change, read from the outbox. Seq is strictly
// increasing in commit order. Before and After are the full JSON documents
// (an Entity or a Blueprint); Before is null on creation, After on deletion.
type Event struct {
	Seq       int64           `json:"seq"`
	Type      EventType       `json:"type"`
	Blueprint string          `json:"blueprint"`
	Entity    string          `json:"entity,omitempty"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	Actor     string          `json:"actor"`
	Origin    string          `json:"origin"`
	RunID     string          `json:"runId,omitempty"`
	RequestID string          `json:"requestId,omitempty"`
	Time      time.Time       `json:"time"`
}

// Actor is who makes a change and through what. ID is recorded as
// createdBy/updatedBy and on versions, events and audit entries: the caller's
// user id (email), or a name for in-process work ("atrium", "demo").
//
// Principal is the authenticated caller whose permissions services check. It
// is nil only for trusted in-process callers (start-up, the demo loader,
// service tests): every request through httpapi carries one.
type Actor struct {
	ID        string
	Origin    string // Origin is "API", "UI" or "CLI".
	RequestID string
	Principal *Principal
}

// Trusted reports whether a is an in-process caller that skips permission
// checks.
func (a Actor) Trusted() bool { return a.Principal == nil }

// Origins of a change.
const (
	OriginAPI = "API"
	OriginUI  = "UI"
	OriginCLI = "CLI"
)

// EntityVersion is one row of an entity's history. Entity is nil for the
// version that records a deletion.
type EntityVersion struct {
	Blueprint  string     `json:"blueprint"`
	Identifier string     `json:"identifier"`
	Version    int64      `json:"version"`
	Entity     *Entity    `json:"entity"`
	Deleted    bool       `json:"deleted"`
	ValidFrom  time.Time  `json:"validFrom"`
	ValidTo    *time.Time `json:"validTo,omitempty"`
	Actor      string     `json:"actor"`
	Origin     string     `json:"origin"`
	RunID      string     `json:"runId,omitempty"`
}
