package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// Credentials, tokens, passwords and blueprint permissions (migration
// 0004_access). The audit log is in audit.go.

const credentialCols = "client_id, name, user_id, secret_hash, created_at, created_by, updated_at"

// CredentialGet returns one credential or ErrNotFound.
func (r *reader) CredentialGet(ctx context.Context, p *store.CredentialGetParams) (*store.Credential, error) {
	a := NewArgs(r.f)
	q := "SELECT " + credentialCols + " FROM credentials WHERE client_id = " + a.Add(p.ClientID)
	c, err := scanCredential(r.q.QueryRowContext(ctx, q, a.Vals...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.NotFoundf("credential %q not found", p.ClientID)
	}
	if err != nil {
		return nil, r.wrap("get credential", err)
	}
	return c, nil
}

// CredentialList lists credentials in client id order, of one user when
// p.UserID is set; never nil.
func (r *reader) CredentialList(ctx context.Context, p *store.CredentialListParams) ([]*store.Credential, error) {
	a := NewArgs(r.f)
	q := "SELECT " + credentialCols + " FROM credentials"
	if p.UserID != "" {
		q += " WHERE user_id = " + a.Add(p.UserID)
	}
	rows, err := r.q.QueryContext(ctx, q+" ORDER BY client_id", a.Vals...)
	if err != nil {
		return nil, r.wrap("list credentials", err)
	}
	defer rows.Close()
	out := []*store.Credential{}
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, r.wrap("list credentials", err)
		}
		out = append(out, c)
	}
	return out, r.wrap("list credentials", rows.Err())
}

func scanCredential(row rowScanner) (*store.Credential, error) {
	var c store.Credential
	err := row.Scan(&c.ClientID, &c.Name, &c.UserID, &c.SecretHash, timeScan{&c.CreatedAt}, &c.CreatedBy, timeScan{&c.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CredentialPut inserts or replaces a credential by client id.
func (t *Tx) CredentialPut(ctx context.Context, p *store.CredentialPutParams) error {
	c := p.Credential
	a := NewArgs(t.f)
	q := "INSERT INTO credentials (" + credentialCols + ") VALUES (" +
		a.Add(c.ClientID) + ", " + a.Add(c.Name) + ", " + a.Add(c.UserID) + ", " + a.Add(c.SecretHash) + ", " +
		a.Add(t.f.TimeValue(c.CreatedAt)) + ", " + a.Add(c.CreatedBy) + ", " + a.Add(t.f.TimeValue(c.UpdatedAt)) + ")" +
		" ON CONFLICT (client_id) DO UPDATE SET name = excluded.name, user_id = excluded.user_id," +
		" secret_hash = excluded.secret_hash, created_at = excluded.created_at, created_by = excluded.created_by," +
		" updated_at = excluded.updated_at"
	_, err := t.q.ExecContext(ctx, q, a.Vals...)
	return t.wrap("put credential", err)
}

// CredentialDelete deletes one credential by client id (ErrNotFound when
// absent) or every credential of a user; exactly one must be set.
func (t *Tx) CredentialDelete(ctx context.Context, p *store.CredentialDeleteParams) error {
	a := NewArgs(t.f)
	var q string
	switch {
	case p.ClientID != "" && p.UserID == "":
		q = "DELETE FROM credentials WHERE client_id = " + a.Add(p.ClientID)
	case p.UserID != "" && p.ClientID == "":
		q = "DELETE FROM credentials WHERE user_id = " + a.Add(p.UserID)
	default:
		return errors.New("delete credentials: set exactly one of ClientID and UserID")
	}
	res, err := t.q.ExecContext(ctx, q, a.Vals...)
	if err != nil {
		return t.wrap("delete credentials", err)
	}
	if p.ClientID != "" {
		n, err := res.RowsAffected()
		if err != nil {
			return t.wrap("delete credentials", err)
		}
		if n == 0 {
			return model.NotFoundf("credential %q not found", p.ClientID)
		}
	}
	return nil
}

// TokenGet returns one token by hash or ErrNotFound, whether or not it has
// expired or been revoked.
func (r *reader) TokenGet(ctx context.Context, p *store.TokenGetParams) (*store.Token, error) {
	a := NewArgs(r.f)
	q := "SELECT hash, kind, user_id, client_id, csrf_hash, created_at, expires_at, revoked_at FROM tokens WHERE hash = " +
		a.Add(p.Hash)
	var tk store.Token
	err := r.q.QueryRowContext(ctx, q, a.Vals...).Scan(&tk.Hash, &tk.Kind, &tk.UserID, &tk.ClientID, &tk.CSRFHash,
		timeScan{&tk.CreatedAt}, timeScan{&tk.ExpiresAt}, nullTimeScan{&tk.RevokedAt})
	if errors.Is(err, sql.ErrNoRows) {
		// The hash is of a secret: never echo it.
		return nil, model.NotFoundf("token not found")
	}
	if err != nil {
		return nil, r.wrap("get token", err)
	}
	if len(tk.CSRFHash) == 0 {
		tk.CSRFHash = nil
	}
	return &tk, nil
}

// TokenInsert stores a new token (ErrConflict when its hash exists). An
// empty CSRFHash is stored as NULL and reads back nil.
func (t *Tx) TokenInsert(ctx context.Context, p *store.TokenInsertParams) error {
	tk := p.Token
	var csrf, revoked any
	if len(tk.CSRFHash) > 0 {
		csrf = tk.CSRFHash
	}
	if tk.RevokedAt != nil {
		revoked = t.f.TimeValue(*tk.RevokedAt)
	}
	a := NewArgs(t.f)
	q := "INSERT INTO tokens (hash, kind, user_id, client_id, csrf_hash, created_at, expires_at, revoked_at) VALUES (" +
		a.Add(tk.Hash) + ", " + a.Add(tk.Kind) + ", " + a.Add(tk.UserID) + ", " + a.Add(tk.ClientID) + ", " +
		a.Add(csrf) + ", " + a.Add(t.f.TimeValue(tk.CreatedAt)) + ", " + a.Add(t.f.TimeValue(tk.ExpiresAt)) + ", " +
		a.Add(revoked) + ")"
	if _, err := t.q.ExecContext(ctx, q, a.Vals...); err != nil {
		if errors.Is(t.f.InterpretError(err), model.ErrConflict) {
			return model.Conflictf("token already exists")
		}
		return t.wrap("insert token", err)
	}
	return nil
}

// TokenRevoke sets revoked_at on the selected tokens that are not revoked
// yet, so the first revocation time is kept.
func (t *Tx) TokenRevoke(ctx context.Context, p *store.TokenRevokeParams) error {
	a := NewArgs(t.f)
	q := "UPDATE tokens SET revoked_at = " + a.Add(t.f.TimeValue(p.At)) + " WHERE revoked_at IS NULL AND "
	set := 0
	if len(p.Hash) > 0 {
		set++
		q += "hash = " + a.Add(p.Hash)
	}
	if p.ClientID != "" {
		set++
		q += "client_id = " + a.Add(p.ClientID)
	}
	if p.UserID != "" {
		set++
		q += "user_id = " + a.Add(p.UserID)
	}
	if set != 1 {
		return errors.New("revoke tokens: set exactly one of Hash, ClientID and UserID")
	}
	_, err := t.q.ExecContext(ctx, q, a.Vals...)
	return t.wrap("revoke tokens", err)
}

// TokenDeleteExpired deletes tokens with expires_at < p.Before.
func (t *Tx) TokenDeleteExpired(ctx context.Context, p *store.TokenDeleteExpiredParams) (int64, error) {
	a := NewArgs(t.f)
	res, err := t.q.ExecContext(ctx, "DELETE FROM tokens WHERE expires_at < "+a.Add(t.f.TimeValue(p.Before)), a.Vals...)
	if err != nil {
		return 0, t.wrap("delete expired tokens", err)
	}
	n, err := res.RowsAffected()
	return n, t.wrap("delete expired tokens", err)
}

// PasswordGet returns a user's password hash or ErrNotFound.
func (r *reader) PasswordGet(ctx context.Context, p *store.PasswordGetParams) (*store.Password, error) {
	a := NewArgs(r.f)
	q := "SELECT user_id, hash, updated_at FROM passwords WHERE user_id = " + a.Add(p.UserID)
	var pw store.Password
	err := r.q.QueryRowContext(ctx, q, a.Vals...).Scan(&pw.UserID, &pw.Hash, timeScan{&pw.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.NotFoundf("user %q has no password", p.UserID)
	}
	if err != nil {
		return nil, r.wrap("get password", err)
	}
	return &pw, nil
}

// PasswordPut inserts or replaces a user's password hash.
func (t *Tx) PasswordPut(ctx context.Context, p *store.PasswordPutParams) error {
	pw := p.Password
	a := NewArgs(t.f)
	q := "INSERT INTO passwords (user_id, hash, updated_at) VALUES (" + a.Add(pw.UserID) + ", " + a.Add(pw.Hash) + ", " +
		a.Add(t.f.TimeValue(pw.UpdatedAt)) + ") ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at"
	_, err := t.q.ExecContext(ctx, q, a.Vals...)
	return t.wrap("put password", err)
}

// PasswordDelete removes a user's password if there is one.
func (t *Tx) PasswordDelete(ctx context.Context, p *store.PasswordDeleteParams) error {
	a := NewArgs(t.f)
	_, err := t.q.ExecContext(ctx, "DELETE FROM passwords WHERE user_id = "+a.Add(p.UserID), a.Vals...)
	return t.wrap("delete password", err)
}

// PermissionsGet returns a blueprint's stored permissions or ErrNotFound.
func (r *reader) PermissionsGet(ctx context.Context, p *store.PermissionsGetParams) (*model.BlueprintPermissions, error) {
	a := NewArgs(r.f)
	var doc []byte
	err := r.q.QueryRowContext(ctx, "SELECT doc FROM blueprint_permissions WHERE blueprint = "+a.Add(p.Blueprint),
		a.Vals...).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.NotFoundf("permissions of blueprint %q not set", p.Blueprint)
	}
	if err != nil {
		return nil, r.wrap("get permissions", err)
	}
	var bp model.BlueprintPermissions
	if err := json.Unmarshal(doc, &bp); err != nil {
		return nil, fmt.Errorf("decode permissions of blueprint %q: %w", p.Blueprint, err)
	}
	return &bp, nil
}

// PermissionsPut inserts or replaces a blueprint's permissions document.
func (t *Tx) PermissionsPut(ctx context.Context, p *store.PermissionsPutParams) error {
	doc, err := json.Marshal(p.Permissions)
	if err != nil {
		return fmt.Errorf("encode permissions: %w", err)
	}
	a := NewArgs(t.f)
	// string, not []byte: SQLite would store a BLOB.
	q := "INSERT INTO blueprint_permissions (blueprint, doc, updated_at, updated_by) VALUES (" + a.Add(p.Blueprint) + ", " +
		a.Add(string(doc)) + ", " + a.Add(t.f.TimeValue(p.Time)) + ", " + a.Add(p.Actor) + ")" +
		" ON CONFLICT (blueprint) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at, updated_by = excluded.updated_by"
	_, err = t.q.ExecContext(ctx, q, a.Vals...)
	return t.wrap("put permissions", err)
}

// PermissionsDelete removes a blueprint's permissions if set.
func (t *Tx) PermissionsDelete(ctx context.Context, p *store.PermissionsDeleteParams) error {
	a := NewArgs(t.f)
	_, err := t.q.ExecContext(ctx, "DELETE FROM blueprint_permissions WHERE blueprint = "+a.Add(p.Blueprint), a.Vals...)
	return t.wrap("delete permissions", err)
}
