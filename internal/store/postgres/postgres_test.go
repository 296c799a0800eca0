package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
	"github.com/atrium-idp/atrium/internal/store/postgres"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	storetest.Run(t, dbtest.OpenPostgres)
}

// BenchmarkIngest reports bulk-create throughput; run with -benchtime=100x
// for 100k entities.
func BenchmarkIngest(b *testing.B) {
	dbtest.RequirePostgres(b)
	storetest.BenchmarkIngest(b, dbtest.OpenPostgres, 1000)
}

func TestReopen(t *testing.T) {
	t.Parallel()
	u := dbtest.PostgresURL(t)
	storetest.Reopen(t, func(t testing.TB) store.Store {
		d, err := postgres.Open(context.Background(), u, nil)
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		return d
	})
}

func TestOpenHidesPassword(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(context.Background(), "postgres://u:s3cret@127.0.0.1:1/x?sslmode=bogus", nil)
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open with a bad URL: err = %v; want an error without the password", err)
	}
}

// BenchmarkReingest reports bulk-update throughput over existing entities.
func BenchmarkReingest(b *testing.B) {
	dbtest.RequirePostgres(b)
	storetest.BenchmarkReingest(b, dbtest.OpenPostgres, 1000)
}
