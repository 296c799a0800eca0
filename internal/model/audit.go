package model

import (
	"encoding/json"
	"time"
)

// Audit actions (port.md §8.6 uses CREATE, UPDATE, DELETE; Atrium adds the
// sign-in and credential actions).
const (
	AuditCreate = "CREATE"
	AuditUpdate = "UPDATE"
	AuditDelete = "DELETE"
	AuditLogin  = "LOGIN"
	AuditLogout = "LOGOUT"
	AuditRotate = "ROTATE"
)

// Audit resource types.
const (
	AuditResourceBlueprint   = "blueprint"
	AuditResourceEntity      = "entity"
	AuditResourcePermissions = "permissions"
	AuditResourceUser        = "user"
	AuditResourceTeam        = "team"
	AuditResourceCredential  = "credential"
	AuditResourceSession     = "session"
)

// Audit statuses.
const (
	AuditSuccess = "SUCCESS"
	AuditFailure = "FAILURE"
)

// AuditEntry is one row of the audit log: one mutating request (or sign-in),
// successful or not. Diff holds {"before": ..., "after": ...} where the
// change has a document; it never holds a secret.
type AuditEntry struct {
	ID         int64           `json:"id"`
	Time       time.Time       `json:"time"`
	Actor      string          `json:"actor"`
	Origin     string          `json:"origin"`
	RequestID  string          `json:"requestId,omitempty"`
	Action     string          `json:"action"`
	Resource   string          `json:"resourceType"`
	Blueprint  string          `json:"blueprint,omitempty"`
	Identifier string          `json:"identifier,omitempty"`
	Route      string          `json:"route,omitempty"`
	Status     string          `json:"status"`
	StatusCode int             `json:"statusCode"`
	Message    string          `json:"message,omitempty"`
	Diff       json.RawMessage `json:"diff,omitempty"`
}
