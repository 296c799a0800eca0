package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// write runs fn in a transaction and commits it, returning fn's error (and
// rolling back) when it fails.
func write(s store.Store, fn func(ctx context.Context, tx store.Tx) error) error {
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(ctx, tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// mustWrite is write failing t on error.
func mustWrite(t testing.TB, s store.Store, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	if err := write(s, fn); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// hash returns the SHA-256 of s, as stored for secrets.
func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func newCredential(clientID, user string) *store.Credential {
	return &store.Credential{
		ClientID: clientID, Name: "name of " + clientID, UserID: user, SecretHash: hash("secret-" + clientID),
		CreatedAt: T0, CreatedBy: "admin@example.com", UpdatedAt: T0.Add(time.Microsecond),
	}
}

func newToken(secret, kind, user, clientID string) *store.Token {
	return &store.Token{
		Hash: hash(secret), Kind: kind, UserID: user, ClientID: clientID,
		CreatedAt: T0, ExpiresAt: T0.Add(time.Hour),
	}
}

func testAccess(t *testing.T, open OpenFunc) {
	ctx := context.Background()

	t.Run("Credentials", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.CredentialGet(ctx, &store.CredentialGetParams{ClientID: "nope"})
		checkKind(t, "CredentialGet missing", err, model.ErrNotFound, `"nope"`)

		b1, a1, a2 := newCredential("b1", "bob"), newCredential("a1", "alice"), newCredential("a2", "alice")
		mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, c := range []*store.Credential{b1, a2, a1} {
				if err := tx.CredentialPut(ctx, &store.CredentialPutParams{Credential: c}); err != nil {
					return err
				}
			}
			return nil
		})
		got, err := s.CredentialGet(ctx, &store.CredentialGetParams{ClientID: "a1"})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "credential", a1, got)

		// Put replaces: a rotated secret and a new name.
		a1b := *a1
		a1b.Name, a1b.SecretHash, a1b.UpdatedAt = "renamed", hash("rotated"), T0.Add(time.Hour)
		mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
			return tx.CredentialPut(ctx, &store.CredentialPutParams{Credential: &a1b})
		})
		for _, tc := range []struct {
			user string
			want []*store.Credential
		}{
			{"", []*store.Credential{&a1b, a2, b1}},
			{"alice", []*store.Credential{&a1b, a2}},
			{"bob", []*store.Credential{b1}},
			{"carol", []*store.Credential{}},
		} {
			got, err := s.CredentialList(ctx, &store.CredentialListParams{UserID: tc.user})
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "credentials of "+tc.user, tc.want, got)
		}

		err = write(s, func(ctx context.Context, tx store.Tx) error {
			return tx.CredentialDelete(ctx, &store.CredentialDeleteParams{ClientID: "gone"})
		})
		checkKind(t, "delete missing credential", err, model.ErrNotFound, `"gone"`)
		if err := write(s, func(ctx context.Context, tx store.Tx) error {
			return tx.CredentialDelete(ctx, &store.CredentialDeleteParams{})
		}); err == nil {
			t.Error("CredentialDelete with nothing selected: no error")
		}
		mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
			if err := tx.CredentialDelete(ctx, &store.CredentialDeleteParams{ClientID: "b1"}); err != nil {
				return err
			}
			if err := tx.CredentialDelete(ctx, &store.CredentialDeleteParams{UserID: "alice"}); err != nil {
				return err
			}
			// A user without credentials is not an error.
			return tx.CredentialDelete(ctx, &store.CredentialDeleteParams{UserID: "alice"})
		})
		all, err := s.CredentialList(ctx, &store.CredentialListParams{})
		if err != nil || len(all) != 0 {
			t.Errorf("credentials after deletes = %v, %v; want none", all, err)
		}
	})

	t.Run("Tokens", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.TokenGet(ctx, &store.TokenGetParams{Hash: hash("nope")})
		checkKind(t, "TokenGet missing", err, model.ErrNotFound)

		access := newToken("t-access", store.TokenAccess, "alice", "a1")
		session := newToken("t-session", store.TokenSession, "alice", "")
		session.CSRFHash = hash("csrf")
		emptyCSRF := newToken("t-empty", store.TokenSession, "bob", "")
		emptyCSRF.CSRFHash = []byte{}
		revoked := newToken("t-revoked", store.TokenAccess, "bob", "b1")
		at := T0.Add(30 * time.Minute)
		revoked.RevokedAt = &at
		tokens := []*store.Token{access, session, emptyCSRF, revoked}
		mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, tk := range tokens {
				if err := tx.TokenInsert(ctx, &store.TokenInsertParams{Token: tk}); err != nil {
					return err
				}
			}
			return nil
		})
		emptyCSRF.CSRFHash = nil // an empty hash is stored as none
		for _, want := range tokens {
			got, err := s.TokenGet(ctx, &store.TokenGetParams{Hash: want.Hash})
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "token "+want.Kind+" of "+want.UserID, want, got)
		}

		err = write(s, func(ctx context.Context, tx store.Tx) error {
			return tx.TokenInsert(ctx, &store.TokenInsertParams{Token: newToken("t-access", store.TokenAccess, "eve", "")})
		})
		checkKind(t, "insert existing token", err, model.ErrConflict)

		if err := write(s, func(ctx context.Context, tx store.Tx) error {
			return tx.TokenRevoke(ctx, &store.TokenRevokeParams{Hash: access.Hash, UserID: "alice", At: T0})
		}); err == nil {
			t.Error("TokenRevoke with two selectors: no error")
		}
		if err := write(s, func(ctx context.Context, tx store.Tx) error {
			return tx.TokenRevoke(ctx, &store.TokenRevokeParams{At: T0})
		}); err == nil {
			t.Error("TokenRevoke with no selector: no error")
		}
	})

	t.Run("TokenRevoke", func(t *testing.T) {
		t.Parallel()
		at1, at2 := T0.Add(time.Minute), T0.Add(2*time.Minute)
		for _, tc := range []struct {
			name string
			p    store.TokenRevokeParams
			want map[string]*time.Time // secret → revoked_at after
		}{
			{"ByHash", store.TokenRevokeParams{Hash: hash("a-1")}, map[string]*time.Time{"a-1": &at2, "a-2": nil, "b-1": nil, "old": &at1}},
			{"ByClient", store.TokenRevokeParams{ClientID: "c-a"}, map[string]*time.Time{"a-1": &at2, "a-2": &at2, "b-1": nil, "old": &at1}},
			{"ByUser", store.TokenRevokeParams{UserID: "bob"}, map[string]*time.Time{"a-1": nil, "a-2": nil, "b-1": &at2, "old": &at1}},
			{"AlreadyRevokedKeepsTime", store.TokenRevokeParams{Hash: hash("old")}, map[string]*time.Time{"a-1": nil, "a-2": nil, "b-1": nil, "old": &at1}},
			{"Nothing", store.TokenRevokeParams{UserID: "nobody"}, map[string]*time.Time{"a-1": nil, "a-2": nil, "b-1": nil, "old": &at1}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				s := open(t)
				old := newToken("old", store.TokenAccess, "carol", "c-c")
				old.RevokedAt = &at1
				mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
					for _, tk := range []*store.Token{
						newToken("a-1", store.TokenAccess, "alice", "c-a"),
						newToken("a-2", store.TokenAccess, "alice", "c-a"),
						newToken("b-1", store.TokenSession, "bob", ""),
						old,
					} {
						if err := tx.TokenInsert(ctx, &store.TokenInsertParams{Token: tk}); err != nil {
							return err
						}
					}
					return nil
				})
				p := tc.p
				p.At = at2
				mustWrite(t, s, func(ctx context.Context, tx store.Tx) error { return tx.TokenRevoke(ctx, &p) })
				got := map[string]*time.Time{}
				for secret := range tc.want {
					tk, err := s.TokenGet(ctx, &store.TokenGetParams{Hash: hash(secret)})
					if err != nil {
						t.Fatal(err)
					}
					got[secret] = tk.RevokedAt
				}
				diff(t, "revoked_at by token", tc.want, got)
			})
		}
	})

	t.Run("TokenDeleteExpired", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
			for i, secret := range []string{"t0", "t1", "t2"} {
				tk := newToken(secret, store.TokenAccess, "alice", "")
				tk.ExpiresAt = T0.Add(time.Duration(i) * time.Microsecond)
				if err := tx.TokenInsert(ctx, &store.TokenInsertParams{Token: tk}); err != nil {
					return err
				}
			}
			return nil
		})
		var n int64
		mustWrite(t, s, func(ctx context.Context, tx store.Tx) (err error) {
			// Before is exclusive: t1 expires exactly at it and stays.
			n, err = tx.TokenDeleteExpired(ctx, &store.TokenDeleteExpiredParams{Before: T0.Add(time.Microsecond)})
			return err
		})
		if n != 1 {
			t.Errorf("TokenDeleteExpired = %d, want 1", n)
		}
		for secret, kept := range map[string]bool{"t0": false, "t1": true, "t2": true} {
			_, err := s.TokenGet(ctx, &store.TokenGetParams{Hash: hash(secret)})
			if kept && err != nil || !kept && !errors.Is(err, model.ErrNotFound) {
				t.Errorf("TokenGet(%s) after delete: %v, want kept=%v", secret, err, kept)
			}
		}
	})

	t.Run("Passwords", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.PasswordGet(ctx, &store.PasswordGetParams{UserID: "alice"})
		checkKind(t, "PasswordGet missing", err, model.ErrNotFound, `"alice"`)
		p1 := &store.Password{UserID: "alice", Hash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA", UpdatedAt: T0}
		p2 := &store.Password{UserID: "alice", Hash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdDI$aGFzaDI", UpdatedAt: T0.Add(time.Hour)}
		for _, p := range []*store.Password{p1, p2} {
			mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
				return tx.PasswordPut(ctx, &store.PasswordPutParams{Password: p})
			})
			got, err := s.PasswordGet(ctx, &store.PasswordGetParams{UserID: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "password", p, got)
		}
		mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
			if err := tx.PasswordDelete(ctx, &store.PasswordDeleteParams{UserID: "alice"}); err != nil {
				return err
			}
			return tx.PasswordDelete(ctx, &store.PasswordDeleteParams{UserID: "alice"}) // absent: no error
		})
		_, err = s.PasswordGet(ctx, &store.PasswordGetParams{UserID: "alice"})
		checkKind(t, "PasswordGet deleted", err, model.ErrNotFound)
	})

	t.Run("Permissions", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.PermissionsGet(ctx, &store.PermissionsGetParams{Blueprint: "service"})
		checkKind(t, "PermissionsGet missing", err, model.ErrNotFound, `"service"`)
		p1 := model.DefaultBlueprintPermissions(NewBlueprint("service"))
		p2 := model.DefaultBlueprintPermissions(NewBlueprint("service"))
		p2.Entities.Update.OwnedByTeam = true
		p2.Entities.Read.Policy = []byte(`{"combinator":"and","rules":[{"property":"$team","operator":"containsAny","value":{"context":"userTeams"}}]}`)
		for _, p := range []*model.BlueprintPermissions{p1, p2} {
			mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
				return tx.PermissionsPut(ctx, &store.PermissionsPutParams{Blueprint: "service", Permissions: p, Time: T0, Actor: "admin"})
			})
			got, err := s.PermissionsGet(ctx, &store.PermissionsGetParams{Blueprint: "service"})
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "permissions", p, got)
		}
		mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
			if err := tx.PermissionsDelete(ctx, &store.PermissionsDeleteParams{Blueprint: "service"}); err != nil {
				return err
			}
			return tx.PermissionsDelete(ctx, &store.PermissionsDeleteParams{Blueprint: "service"}) // absent: no error
		})
		_, err = s.PermissionsGet(ctx, &store.PermissionsGetParams{Blueprint: "service"})
		checkKind(t, "PermissionsGet deleted", err, model.ErrNotFound)
	})

	t.Run("RolledBack", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tk := newToken("t", store.TokenSession, "alice", "")
		entry := &model.AuditEntry{Time: T0, Actor: "alice", Action: model.AuditCreate, Resource: model.AuditResourceEntity, Status: model.AuditSuccess}
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range []error{
			tx.CredentialPut(ctx, &store.CredentialPutParams{Credential: newCredential("c", "alice")}),
			tx.TokenInsert(ctx, &store.TokenInsertParams{Token: tk}),
			tx.PasswordPut(ctx, &store.PasswordPutParams{Password: &store.Password{UserID: "alice", Hash: "h", UpdatedAt: T0}}),
			tx.PermissionsPut(ctx, &store.PermissionsPutParams{Blueprint: "service",
				Permissions: model.DefaultBlueprintPermissions(NewBlueprint("service")), Time: T0}),
			tx.AuditAppend(ctx, &store.AuditAppendParams{Entries: []*model.AuditEntry{entry}}),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = s.CredentialGet(ctx, &store.CredentialGetParams{ClientID: "c"})
		checkKind(t, "credential after rollback", err, model.ErrNotFound)
		_, err = s.TokenGet(ctx, &store.TokenGetParams{Hash: tk.Hash})
		checkKind(t, "token after rollback", err, model.ErrNotFound)
		_, err = s.PasswordGet(ctx, &store.PasswordGetParams{UserID: "alice"})
		checkKind(t, "password after rollback", err, model.ErrNotFound)
		_, err = s.PermissionsGet(ctx, &store.PermissionsGetParams{Blueprint: "service"})
		checkKind(t, "permissions after rollback", err, model.ErrNotFound)
		entries, err := s.AuditList(ctx, &store.AuditListParams{})
		if err != nil || len(entries) != 0 {
			t.Errorf("audit entries after rollback = %d, %v; want none", len(entries), err)
		}
	})
}
