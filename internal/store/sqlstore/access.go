package sqlstore

// TODO: placeholder bodies until the access tables land (issue 4); the store
// helper replaces this file with the real implementation.

import (
	"context"
	"errors"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

var errAccessNotBuilt = errors.New("access tables not built yet")

func (r *reader) CredentialGet(context.Context, *store.CredentialGetParams) (*store.Credential, error) {
	return nil, errAccessNotBuilt
}
func (r *reader) CredentialList(context.Context, *store.CredentialListParams) ([]*store.Credential, error) {
	return nil, errAccessNotBuilt
}
func (r *reader) TokenGet(context.Context, *store.TokenGetParams) (*store.Token, error) {
	return nil, errAccessNotBuilt
}
func (r *reader) PasswordGet(context.Context, *store.PasswordGetParams) (*store.Password, error) {
	return nil, errAccessNotBuilt
}
func (r *reader) PermissionsGet(context.Context, *store.PermissionsGetParams) (*model.BlueprintPermissions, error) {
	return nil, model.ErrNotFound
}
func (r *reader) AuditList(context.Context, *store.AuditListParams) ([]*model.AuditEntry, error) {
	return nil, errAccessNotBuilt
}
func (t *Tx) CredentialPut(context.Context, *store.CredentialPutParams) error {
	return errAccessNotBuilt
}
func (t *Tx) CredentialDelete(context.Context, *store.CredentialDeleteParams) error {
	return errAccessNotBuilt
}
func (t *Tx) TokenInsert(context.Context, *store.TokenInsertParams) error { return errAccessNotBuilt }
func (t *Tx) TokenRevoke(context.Context, *store.TokenRevokeParams) error { return errAccessNotBuilt }
func (t *Tx) TokenDeleteExpired(context.Context, *store.TokenDeleteExpiredParams) (int64, error) {
	return 0, errAccessNotBuilt
}
func (t *Tx) PasswordPut(context.Context, *store.PasswordPutParams) error { return errAccessNotBuilt }
func (t *Tx) PasswordDelete(context.Context, *store.PasswordDeleteParams) error {
	return errAccessNotBuilt
}
func (t *Tx) PermissionsPut(context.Context, *store.PermissionsPutParams) error {
	return errAccessNotBuilt
}
func (t *Tx) PermissionsDelete(context.Context, *store.PermissionsDeleteParams) error {
	return nil
}
func (t *Tx) AuditAppend(context.Context, *store.AuditAppendParams) error { return errAccessNotBuilt }
func (t *Tx) AuditDeleteBefore(context.Context, *store.AuditDeleteBeforeParams) (int64, error) {
	return 0, errAccessNotBuilt
}
