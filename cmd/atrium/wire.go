package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/clock"
	"github.com/atrium-idp/atrium/internal/demo"
	"github.com/atrium-idp/atrium/internal/events"
	"github.com/atrium-idp/atrium/internal/httpapi"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/postgres"
	"github.com/atrium-idp/atrium/internal/store/sqlite"
)

// server is the running portal: every long-lived part `atrium serve` builds,
// in dependency order (STYLE §6: config → logger → clock → store → events →
// services → httpapi).
type server struct {
	cfg     serveConfig
	logger  *slog.Logger
	store   store.Store
	hub     *events.Hub
	catalog *catalog.Service
	api     *httpapi.Server
	http    *http.Server
	ln      net.Listener
}

// shutdownTimeout bounds how long in-flight requests may take to finish.
const shutdownTimeout = 10 * time.Second

// buildServer opens the store and wires every component, listening on
// cfg.Addr. On error everything opened so far is closed.
func buildServer(ctx context.Context, cfg serveConfig, logger *slog.Logger) (_ *server, err error) {
	clk := clock.Real{}
	kind, target, err := storeKind(cfg.DB)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, kind, target, logger)
	if err != nil {
		return nil, fmt.Errorf("open %s store %s: %w", kind, redactDB(cfg.DB), err)
	}
	defer func() {
		if err != nil {
			_ = st.Close()
		}
	}()

	hub, err := events.New(events.Options{Store: st, Clock: clk, Logger: logger})
	if err != nil {
		return nil, err
	}
	cat, err := catalog.New(catalog.Options{
		Store: st, Clock: clk, Logger: logger.With("component", "catalog"),
		OnCommit: hub.Notify, MaxBulk: httpapi.DefaultMaxBulk,
	})
	if err != nil {
		return nil, err
	}
	if err := cat.Init(ctx); err != nil {
		return nil, fmt.Errorf("initialise catalog: %w", err)
	}
	if cfg.Demo {
		loaded, err := demo.Load(ctx, cat, model.Actor{ID: "demo", Origin: model.OriginCLI})
		if err != nil {
			return nil, fmt.Errorf("load demo catalog: %w", err)
		}
		if loaded {
			logger.Info("demo catalog loaded")
		} else {
			logger.Info("demo catalog not loaded: the store already holds blueprints")
		}
	}
	api, err := httpapi.New(httpapi.Options{
		Catalog:      cat,
		Events:       hub,
		Ready:        func(ctx context.Context) error { _, err := st.EventLastSeq(ctx); return err },
		Clock:        clk,
		Logger:       logger,
		MaxBodyBytes: cfg.MaxBodyBytes,
		MaxBulk:      httpapi.DefaultMaxBulk,
	})
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return &server{
		cfg: cfg, logger: logger, store: st, hub: hub, catalog: cat, api: api, ln: ln,
		http: &http.Server{
			Handler:           api,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
			// No WriteTimeout: the event stream is long-lived.
		},
	}, nil
}

// URL is the base URL the server answers on.
func (s *server) URL() string { return "http://" + s.ln.Addr().String() }

// run serves until ctx ends, then stops in reverse order: refuse new HTTP
// (ending live streams first, as they never go idle), wait for in-flight
// requests, close the store.
func (s *server) run(ctx context.Context) error {
	s.logger.Info("atrium serving", "addr", s.URL(), "store", s.store.Dialect().Name(), "db", redactDB(s.cfg.DB))
	s.logger.Warn("access control is not configured: accepting unauthenticated API calls, on loopback only",
		"addr", s.ln.Addr().String(), "actor", httpapi.AnonymousActor)

	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(s.ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
		s.logger.Info("shutting down")
	case serveErr = <-errc:
	}
	s.hub.Close()
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := s.http.Shutdown(shutCtx); err != nil {
		serveErr = errors.Join(serveErr, fmt.Errorf("http shutdown: %w", err))
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	if err := s.store.Close(); err != nil {
		serveErr = errors.Join(serveErr, fmt.Errorf("close store: %w", err))
	}
	s.logger.Info("stopped")
	return serveErr
}

// openStore opens (and migrates) the store driver the --db value names; kind
// and target come from storeKind. This is the only place a driver is chosen.
func openStore(ctx context.Context, kind, target string, logger *slog.Logger) (store.Store, error) {
	switch kind {
	case "postgres":
		return postgres.Open(ctx, target, logger)
	case "sqlite":
		return sqlite.Open(ctx, target, logger)
	}
	return nil, fmt.Errorf("unknown store kind %q", kind)
}
