package httpapi_test

import (
	"context"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/model"
)

// fakeAccess (authn_test.go) only authenticates; these stubs complete the
// Access interface. Identity routes are tested against the real access
// service (users_test.go and the others).

var errFakeIdentities = &model.KindError{Kind: model.ErrNotFound, Message: "fakeAccess keeps no identities"}

func (*fakeAccess) IssueAccessToken(context.Context, string, string) (*access.AccessToken, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) Login(context.Context, string, string) (*access.Session, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) LoginExternal(context.Context, access.ExternalIdentity) (*access.Session, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) Logout(context.Context, string) error { return nil }

func (*fakeAccess) Principal(context.Context, string) (*model.Principal, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) UserList(context.Context, model.Actor) ([]*access.User, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) UserGet(context.Context, model.Actor, string) (*access.User, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) UserCreate(context.Context, model.Actor, *access.UserInput) (*access.User, *access.NewCredential, error) {
	return nil, nil, errFakeIdentities
}

func (*fakeAccess) UserInvite(context.Context, model.Actor, *access.UserInput) (*access.User, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) UserPatch(context.Context, model.Actor, string, *access.UserPatch) (*access.User, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) UserDelete(context.Context, model.Actor, string) error { return errFakeIdentities }

func (*fakeAccess) UserSetPassword(context.Context, model.Actor, string, string) error {
	return errFakeIdentities
}

func (*fakeAccess) RotateUserCredentials(context.Context, model.Actor, string) ([]access.NewCredential, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) TeamList(context.Context, model.Actor) ([]*access.Team, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) TeamGet(context.Context, model.Actor, string) (*access.Team, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) TeamCreate(context.Context, model.Actor, *access.Team) (*access.Team, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) TeamReplace(context.Context, model.Actor, string, *access.Team) (*access.Team, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) TeamPatch(context.Context, model.Actor, string, *access.TeamPatch) (*access.Team, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) TeamDelete(context.Context, model.Actor, string) error { return errFakeIdentities }

func (*fakeAccess) AppCreate(context.Context, model.Actor, string, string) (*access.App, string, error) {
	return nil, "", errFakeIdentities
}

func (*fakeAccess) AppList(context.Context, model.Actor) ([]*access.App, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) AppGet(context.Context, model.Actor, string) (*access.App, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) AppRename(context.Context, model.Actor, string, string) (*access.App, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) AppRotateSecret(context.Context, model.Actor, string) (*access.App, string, error) {
	return nil, "", errFakeIdentities
}

func (*fakeAccess) AppDelete(context.Context, model.Actor, string) error { return errFakeIdentities }
