package httpapi_test

import (
	"context"

	"github.com/atrium-idp/atrium/internal/catalog"
)

// EntitySearch completes fakeCatalog for the search routes.
func (f *fakeCatalog) EntitySearch(context.Context, catalog.SearchOptions) (*catalog.SearchPage, error) {
	return &catalog.SearchPage{}, f.err
}
