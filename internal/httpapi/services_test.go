package httpapi_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/audit"
	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/clock"
	"github.com/atrium-idp/atrium/internal/events"
	"github.com/atrium-idp/atrium/internal/store"
)

// services are the real services an access-controlled API test wires over
// one store, as serve does: events hub, catalog (initialised), audit log and
// access service (with cheap password hashes).
type services struct {
	hub *events.Hub
	cat *catalog.Service
	aud *audit.Service
	acc *access.Service
}

// newServices builds them on clk; logger may be nil.
func newServices(t testing.TB, st store.Store, clk clock.Clock, logger *slog.Logger) *services {
	t.Helper()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	hub, err := events.New(events.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	cat, err := catalog.New(catalog.Options{Store: st, Clock: clk, OnCommit: hub.Notify})
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	aud, err := audit.New(audit.Options{Store: st, Clock: clk, Logger: logger, Readable: cat})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := access.New(access.Options{Store: st, Catalog: cat, Clock: clk, Logger: logger, FastPasswordHashesForTests: true})
	if err != nil {
		t.Fatal(err)
	}
	return &services{hub: hub, cat: cat, aud: aud, acc: acc}
}
