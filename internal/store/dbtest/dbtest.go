// Package dbtest gives tests fresh, migrated stores on every driver: a SQLite
// file in t.TempDir() and a PostgreSQL schema of its own under
// ATRIUM_TEST_PG_URL, dropped when the test ends.
//
// Without ATRIUM_TEST_PG_URL the PostgreSQL cases skip loudly, except under
// CI (env CI non-empty) or ATRIUM_REQUIRE_PG=1, where they fail: CI never
// skips PostgreSQL (DESIGN §8).
//
// Only _test.go files import it.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver for schema setup

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/postgres"
	"github.com/atrium-idp/atrium/internal/store/sqlite"
)

// PGURLEnv names the variable holding the PostgreSQL server tests use.
const PGURLEnv = "ATRIUM_TEST_PG_URL"

// OpenFunc (an alias, so plain func literals fit) opens a fresh, empty, migrated store that is closed (and, on
// PostgreSQL, dropped) when t ends.
type OpenFunc = func(t testing.TB) store.Store

// DriverFunc is a test body ForEachDriver accepts: one that opens its own
// stores (as many as it needs) or one that takes a single fresh store.
type DriverFunc interface {
	func(t *testing.T, open OpenFunc) | func(t *testing.T, st store.Store)
}

// ForEachDriver runs fn as subtest "sqlite" and subtest "postgres". fn gets
// either an OpenFunc for that driver or one fresh store, whichever its
// signature asks for. fn may call t.Parallel.
func ForEachDriver[F DriverFunc](t *testing.T, fn F) {
	t.Helper()
	run := func(t *testing.T, open OpenFunc) {
		switch fn := any(fn).(type) {
		case func(*testing.T, OpenFunc):
			fn(t, open)
		case func(*testing.T, store.Store):
			fn(t, open(t))
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, OpenSQLite) })
	t.Run("postgres", func(t *testing.T) {
		RequirePostgres(t)
		run(t, OpenPostgres)
	})
}

// OpenSQLite opens a fresh SQLite store in a file under t.TempDir().
func OpenSQLite(t testing.TB) store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "atrium.db")
	d, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("sqlite.Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close sqlite store: %v", err)
		}
	})
	return d
}

// RequirePostgres skips t when ATRIUM_TEST_PG_URL is unset, or fails it
// under CI or ATRIUM_REQUIRE_PG=1, and returns the URL otherwise.
func RequirePostgres(t testing.TB) string {
	t.Helper()
	u := os.Getenv(PGURLEnv)
	if u != "" {
		return u
	}
	msg := "!!! POSTGRESQL NOT TESTED: set " + PGURLEnv + " (e.g. postgres://postgres@127.0.0.1:5432/test) !!!"
	if os.Getenv("CI") != "" || os.Getenv("ATRIUM_REQUIRE_PG") == "1" {
		t.Fatal(msg + " (CI/ATRIUM_REQUIRE_PG forbid skipping)")
	}
	t.Skip(msg)
	return ""
}

// OpenPostgres opens a fresh PostgreSQL store in a new schema under
// ATRIUM_TEST_PG_URL; the schema is dropped when t ends.
func OpenPostgres(t testing.TB) store.Store {
	t.Helper()
	u := PostgresURL(t)
	d, err := postgres.Open(context.Background(), u, nil)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	// Registered after PostgresURL's cleanup, so it runs first (LIFO).
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close postgres store: %v", err)
		}
	})
	return d
}

// PostgresURL creates an empty schema under ATRIUM_TEST_PG_URL and returns a
// URL whose search_path selects it, for tests that open stores themselves
// (stores must be closed before t ends; the schema is then dropped).
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := RequirePostgres(t)
	ctx := context.Background()
	schema := "atrium_test_" + randomHex(t)
	admin := adminDB(t, base)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		defer func() { _ = admin.Close() }()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PGURLEnv, err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String()
}

func adminDB(t testing.TB, u string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatalf("open %s: %v", PGURLEnv, err)
	}
	db.SetMaxOpenConns(1)
	return db
}

func randomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
