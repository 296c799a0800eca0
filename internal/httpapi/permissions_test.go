package httpapi_test

import (
	"context"
	"encoding/json"

	"github.com/atrium-idp/atrium/internal/model"
)

// fakeCatalog (transport_test.go) has no permissions; these complete the
// Catalog interface. The routes are tested on the real catalog below.

func (f *fakeCatalog) BlueprintPermissions(context.Context, model.Actor, string) (*model.BlueprintPermissions, error) {
	return nil, model.NotFoundf("fakeCatalog keeps no permissions")
}

func (f *fakeCatalog) BlueprintPermissionsPatch(context.Context, model.Actor, string, json.RawMessage) (before, after *model.BlueprintPermissions, err error) {
	return nil, nil, model.NotFoundf("fakeCatalog keeps no permissions")
}
