package sqlite_test

import (
	"testing"

	"github.com/atrium-idp/atrium/internal/store/dbtest"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, dbtest.OpenSQLite)
}

// BenchmarkIngest reports bulk-create throughput; run with -benchtime=100x
// for 100k entities.
func BenchmarkIngest(b *testing.B) { storetest.BenchmarkIngest(b, dbtest.OpenSQLite, 1000) }
