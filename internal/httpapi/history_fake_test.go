package httpapi_test

import (
	"context"
	"time"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
)

// The history methods of fakeCatalog (transport_test.go).

func (f *fakeCatalog) EntityHistoryDiff(context.Context, string, string) ([]*catalog.HistoryVersion, error) {
	return nil, f.err
}

func (f *fakeCatalog) EntityGetAsOf(context.Context, string, string, time.Time) (*model.Entity, error) {
	return nil, f.err
}

func (f *fakeCatalog) CatalogDiff(context.Context, catalog.DiffOptions) (*catalog.DiffPage, error) {
	return nil, f.err
}

func (f *fakeCatalog) PropertiesHistory(context.Context, *catalog.PropertiesHistoryRequest) ([]catalog.HistoryPoint, error) {
	return nil, f.err
}
