package postgres_test

import (
	"testing"

	"github.com/atrium-idp/atrium/internal/store/dbtest"
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
