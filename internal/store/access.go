package store

import (
	"context"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
)

// AccessReader reads credentials, tokens, passwords, blueprint permissions
// and the audit log (internal/access, internal/audit, catalog permissions).
type AccessReader interface {
	// CredentialGet returns one credential by client id (model.ErrNotFound
	// when absent).
	CredentialGet(ctx context.Context, p *CredentialGetParams) (*Credential, error)
	// CredentialList lists credentials ordered by client id, optionally of
	// one user.
	CredentialList(ctx context.Context, p *CredentialListParams) ([]*Credential, error)
	// TokenGet returns one token by the hash of its secret
	// (model.ErrNotFound when absent). Expired and revoked tokens are
	// returned; the caller checks.
	TokenGet(ctx context.Context, p *TokenGetParams) (*Token, error)
	// PasswordGet returns a user's password hash (model.ErrNotFound when the
	// user has no local password).
	PasswordGet(ctx context.Context, p *PasswordGetParams) (*Password, error)
	// PermissionsGet returns a blueprint's stored permissions
	// (model.ErrNotFound when never set: the defaults apply).
	PermissionsGet(ctx context.Context, p *PermissionsGetParams) (*model.BlueprintPermissions, error)
	// AuditList returns audit entries matching every set filter, newest
	// first (ID descending).
	AuditList(ctx context.Context, p *AuditListParams) ([]*model.AuditEntry, error)
}

// AccessTx writes them; each method changes only its own table.
type AccessTx interface {
	// CredentialPut inserts or replaces a credential (by client id).
	CredentialPut(ctx context.Context, p *CredentialPutParams) error
	// CredentialDelete deletes credentials by client id or of a user (exactly
	// one set; model.ErrNotFound when a ClientID was given and nothing was
	// deleted).
	CredentialDelete(ctx context.Context, p *CredentialDeleteParams) error
	// TokenInsert stores a new token.
	TokenInsert(ctx context.Context, p *TokenInsertParams) error
	// TokenRevoke marks tokens revoked at p.At: one by hash, or every token of
	// a credential or of a user. Tokens already revoked keep their first
	// revocation time. Revoking nothing is not an error.
	TokenRevoke(ctx context.Context, p *TokenRevokeParams) error
	// TokenDeleteExpired deletes tokens that expired before p.Before and
	// returns how many.
	TokenDeleteExpired(ctx context.Context, p *TokenDeleteExpiredParams) (int64, error)
	// PasswordPut sets a user's password hash.
	PasswordPut(ctx context.Context, p *PasswordPutParams) error
	// PasswordDelete removes a user's password; absent is not an error.
	PasswordDelete(ctx context.Context, p *PasswordDeleteParams) error
	// PermissionsPut stores a blueprint's permissions document.
	PermissionsPut(ctx context.Context, p *PermissionsPutParams) error
	// PermissionsDelete removes a blueprint's permissions (blueprint
	// deleted); absent is not an error.
	PermissionsDelete(ctx context.Context, p *PermissionsDeleteParams) error
	// AuditAppend appends entries, assigning increasing IDs (set on the
	// given entries).
	AuditAppend(ctx context.Context, p *AuditAppendParams) error
	// AuditDeleteBefore deletes entries older than p.Before and returns how
	// many (retention).
	AuditDeleteBefore(ctx context.Context, p *AuditDeleteBeforeParams) (int64, error)
}

// Credential is an API credential (port.md §8.5 "apps"): a client id and
// the SHA-256 of its secret, issued to a user or service account.
type Credential struct {
	ClientID   string
	Name       string
	UserID     string
	SecretHash []byte // SHA-256 of the secret; the secret itself is never stored
	CreatedAt  time.Time
	CreatedBy  string
	UpdatedAt  time.Time // last rename or secret rotation
}

// Token kinds.
const (
	TokenAccess  = "access"  // bearer token from POST /v1/auth/access_token
	TokenSession = "session" // browser session cookie
)

// Token is an issued bearer token or session, stored by the SHA-256 of its
// secret value.
type Token struct {
	Hash      []byte
	Kind      string // TokenAccess or TokenSession
	UserID    string
	ClientID  string // the credential it was issued to; "" for sessions
	CSRFHash  []byte // sessions: SHA-256 of the CSRF token; nil otherwise (empty is stored as nil)
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// Password is a local account's argon2id hash in PHC string form.
type Password struct {
	UserID    string
	Hash      string
	UpdatedAt time.Time
}

// CredentialGetParams selects one credential.
type CredentialGetParams struct{ ClientID string }

// CredentialListParams lists credentials; UserID "" lists all.
type CredentialListParams struct{ UserID string }

// TokenGetParams selects one token by hash.
type TokenGetParams struct{ Hash []byte }

// PasswordGetParams selects one user's password.
type PasswordGetParams struct{ UserID string }

// PermissionsGetParams selects one blueprint's permissions.
type PermissionsGetParams struct{ Blueprint string }

// AuditListParams filters the audit log; zero fields do not filter.
type AuditListParams struct {
	// Identifier matches the entry's identifier (any resource).
	Identifier string
	// Entity and Blueprint match entity entries (Entity) and any entry of a
	// blueprint (Blueprint).
	Entity    string
	Blueprint string
	// Resources matches any of the resource types.
	Resources []string
	Actor     string
	Action    string
	Status    string
	From, To  *time.Time // From inclusive, To exclusive
	// BeforeID pages: only entries with ID < BeforeID (0: from the newest).
	BeforeID int64
	// Limit caps the result; 0 means no limit.
	Limit int
}

// CredentialPutParams inserts or replaces one credential.
type CredentialPutParams struct{ Credential *Credential }

// CredentialDeleteParams deletes by ClientID, or every credential of UserID.
type CredentialDeleteParams struct {
	ClientID string
	UserID   string
}

// TokenInsertParams stores one token.
type TokenInsertParams struct{ Token *Token }

// TokenRevokeParams revokes by Hash, ClientID or UserID (exactly one set).
type TokenRevokeParams struct {
	Hash     []byte
	ClientID string
	UserID   string
	At       time.Time
}

// TokenDeleteExpiredParams deletes tokens expired before Before.
type TokenDeleteExpiredParams struct{ Before time.Time }

// PasswordPutParams sets one password.
type PasswordPutParams struct{ Password *Password }

// PasswordDeleteParams removes one password.
type PasswordDeleteParams struct{ UserID string }

// PermissionsPutParams stores one blueprint's permissions.
type PermissionsPutParams struct {
	Blueprint   string
	Permissions *model.BlueprintPermissions
	Time        time.Time
	Actor       string
}

// PermissionsDeleteParams removes one blueprint's permissions.
type PermissionsDeleteParams struct{ Blueprint string }

// AuditAppendParams appends entries.
type AuditAppendParams struct{ Entries []*model.AuditEntry }

// AuditDeleteBeforeParams deletes entries with Time < Before.
type AuditDeleteBeforeParams struct{ Before time.Time }
