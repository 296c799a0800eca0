package store

import (
	"context"
	"time"
)

// SettingReader reads store-wide markers: small values under a key that
// record a fact about the whole store, such as a one-time migration of
// stored data having finished (catalog.NormaliseDateTimes).
type SettingReader interface {
	// SettingGet returns the value stored under p.Key (model.ErrNotFound
	// when absent).
	SettingGet(ctx context.Context, p *SettingGetParams) (string, error)
}

// SettingTx writes them.
type SettingTx interface {
	// SettingPut inserts or replaces the value under p.Key.
	SettingPut(ctx context.Context, p *SettingPutParams) error
}

// SettingGetParams selects one setting.
type SettingGetParams struct{ Key string }

// SettingPutParams stores one setting; Time is kept as its updated_at.
type SettingPutParams struct {
	Key   string
	Value string
	Time  time.Time
}
