package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/access/oidc"
	"github.com/atrium-idp/atrium/internal/audit"
	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/clock"
	"github.com/atrium-idp/atrium/internal/demo"
	"github.com/atrium-idp/atrium/internal/events"
	"github.com/atrium-idp/atrium/internal/httpapi"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/postgres"
	"github.com/atrium-idp/atrium/internal/store/sqlite"
	"github.com/atrium-idp/atrium/internal/webui"
	"github.com/atrium-idp/atrium/web"
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
	access  *access.Service // nil with --insecure-no-auth
	audit   *audit.Service
	api     *httpapi.Server
	http    *http.Server
	ln      net.Listener
}

// tokenSweepInterval is how often expired tokens and sessions are deleted.
const tokenSweepInterval = time.Hour

// shutdownTimeout bounds how long in-flight requests may take to finish.
const shutdownTimeout = 10 * time.Second

// buildServer opens the store and wires every component, listening on
// cfg.Addr. On error everything opened so far is closed. notice receives
// what must reach the operator but never the log: a generated bootstrap
// credential, printed once.
func buildServer(ctx context.Context, cfg serveConfig, logger *slog.Logger, notice io.Writer) (_ *server, err error) {
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
	aud, err := audit.New(audit.Options{
		Store: st, Clock: clk, Logger: logger,
		Retention: cfg.AuditRetention, Readable: cat,
	})
	if err != nil {
		return nil, err
	}
	proxies, err := cfg.trustedProxies()
	if err != nil {
		return nil, err
	}
	apiOpts := httpapi.Options{
		TrustedProxies: proxies,
		Catalog:        cat,
		Events:         hub,
		Ready:          func(ctx context.Context) error { return store.Ready(ctx, st) },
		Clock:          clk,
		Logger:         logger,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		MaxBulk:        httpapi.DefaultMaxBulk,
		Audit:          aud,
		AuditLog:       aud,
		RateLimit:      cfg.RateLimit,
		RateBurst:      cfg.RateBurst,
		SecureCookies:  strings.HasPrefix(cfg.PublicURL, "https://"),
	}
	// The bootstrap admin comes before the demo catalog, whose fictitious
	// Admins would otherwise count as "an Admin exists".
	var acc *access.Service
	if !cfg.InsecureNoAuth {
		if acc, err = buildAccess(ctx, cfg, st, cat, clk, logger, notice); err != nil {
			return nil, err
		}
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
	if acc != nil {
		apiOpts.Access = acc
		if cfg.OIDCIssuer != "" {
			prov, err := oidc.New(ctx, oidc.Options{Config: oidcConfig(cfg), Clock: clk, Logger: logger.With("component", "oidc")})
			if err != nil {
				return nil, fmt.Errorf("OIDC: %w", err)
			}
			apiOpts.OIDC = prov
		}
	}
	api, err := httpapi.New(apiOpts)
	if err != nil {
		return nil, err
	}
	ui, err := webui.New(webui.Options{FS: web.FS(), Logger: logger.With("component", "webui")})
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return &server{
		cfg: cfg, logger: logger, store: st, hub: hub, catalog: cat, access: acc, audit: aud, api: api, ln: ln,
		http: &http.Server{
			Handler:           routeUI(api, ui),
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
	if s.access == nil {
		s.logger.Warn("authentication is off (--insecure-no-auth): every caller is an Admin; serving on loopback only",
			"addr", s.ln.Addr().String(), "actor", httpapi.AnonymousActor)
	}

	// Background work lives as long as the server: audit retention and the
	// sweep of expired tokens.
	bgCtx, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var bg sync.WaitGroup
	bg.Go(func() {
		if err := s.audit.Run(bgCtx); err != nil {
			s.logger.Error("audit retention stopped", "err", err)
		}
	})
	if s.access != nil {
		bg.Go(func() { s.sweepTokens(bgCtx) })
	}
	// Date-times stored before they were kept canonical (docs/data-model.md):
	// finding them scans the catalog, so it does not hold up serving.
	bg.Go(func() {
		n, err := s.catalog.NormaliseDateTimes(bgCtx)
		if err != nil && bgCtx.Err() == nil {
			s.logger.Error("normalising stored date-times stopped", "err", err, "rewritten", n)
		} else if n > 0 {
			s.logger.Info("normalised stored date-times", "entities", n)
		}
	})

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
	stopBG()
	bg.Wait()
	if err := s.store.Close(); err != nil {
		serveErr = errors.Join(serveErr, fmt.Errorf("close store: %w", err))
	}
	s.logger.Info("stopped")
	return serveErr
}

// routeUI sends the API's paths (/v1/, /healthz, /readyz) to api and every
// other path to the UI, which falls back to index.html for client routes.
func routeUI(api, ui http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/v1/") || p == "/v1" || p == "/healthz" || p == "/readyz" {
			api.ServeHTTP(w, r)
			return
		}
		ui.ServeHTTP(w, r)
	})
}

// sweepTokens deletes expired tokens and sessions every tokenSweepInterval
// until ctx ends.
func (s *server) sweepTokens(ctx context.Context) {
	t := clock.Real{}.NewTicker(tokenSweepInterval)
	defer t.Stop()
	for {
		if n, err := s.access.SweepExpiredTokens(ctx); err != nil && ctx.Err() == nil {
			s.logger.Warn("sweep expired tokens", "err", err)
		} else if n > 0 {
			s.logger.Info("swept expired tokens", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
	}
}

// buildAccess builds the access service and makes sure an Admin exists
// (docs/access.md "Bootstrap"). A credential Atrium generated is written to
// notice once; it never reaches the logger.
func buildAccess(ctx context.Context, cfg serveConfig, st store.Store, cat *catalog.Service, clk clock.Clock,
	logger *slog.Logger, notice io.Writer) (*access.Service, error) {
	acc, err := access.New(access.Options{
		Store: st, Catalog: cat, Clock: clk, Logger: logger,
		TokenTTL: cfg.TokenTTL, SessionTTL: cfg.SessionTTL,
	})
	if err != nil {
		return nil, err
	}
	res, err := acc.Bootstrap(ctx, access.BootstrapOptions{
		Email: cfg.AdminEmail, ClientID: cfg.AdminClientID,
		ClientSecret: cfg.AdminClientSecret.Reveal(), Password: cfg.AdminPassword.Reveal(),
	})
	if err != nil {
		return nil, fmt.Errorf("bootstrap admin: %w", err)
	}
	if !res.Created {
		return acc, nil
	}
	if res.ClientSecret != "" {
		fmt.Fprintf(notice, "\nBootstrap admin %s created with a generated API credential (shown only now):\n"+
			"  client id:     %s\n  client secret: %s\n"+
			"Exchange it for a token: atrium login --client-id %s\n\n", res.Email, res.ClientID, res.ClientSecret, res.ClientID)
	}
	return acc, nil
}

// oidcConfig maps the ATRIUM_OIDC_* settings; the redirect URL defaults to
// the public URL's callback route.
func oidcConfig(cfg serveConfig) oidc.Config {
	redirect := cfg.OIDCRedirectURL
	if redirect == "" {
		redirect = strings.TrimRight(cfg.PublicURL, "/") + "/v1/auth/oidc/callback"
	}
	return oidc.Config{
		Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret.Reveal(),
		RedirectURL: redirect, Scopes: cfg.OIDCScopes, TeamsClaim: cfg.OIDCTeamsClaim,
		AllowedDomains: cfg.OIDCAllowedDomains,
	}
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
