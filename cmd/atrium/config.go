package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/spf13/pflag"
)

// serveConfig is everything `atrium serve` is configured with. Sources, highest
// first: flags, ATRIUM_* environment variables, defaults (STYLE §6). It is
// read only here.
type serveConfig struct {
	// Addr is the HOST:PORT to listen on. With InsecureNoAuth it must be a
	// loopback address.
	Addr string `env:"ATRIUM_ADDR"`
	// DB is a SQLite file path (or sqlite:PATH / file:PATH) or a
	// postgres:// / postgresql:// URL.
	DB string `env:"ATRIUM_DB"`
	// Demo loads the demo catalog into an empty store.
	Demo bool `env:"ATRIUM_DEMO"`
	// MaxBodyBytes caps request bodies (413 beyond).
	MaxBodyBytes int64 `env:"ATRIUM_MAX_BODY_BYTES"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"ATRIUM_LOG_LEVEL"`
	// LogFormat is text or json.
	LogFormat string `env:"ATRIUM_LOG_FORMAT"`

	// InsecureNoAuth turns authentication off: every caller is an Admin.
	// Only for a developer's own machine, so only on loopback.
	InsecureNoAuth bool `env:"ATRIUM_INSECURE_NO_AUTH"`
	// PublicURL is the URL users reach Atrium at (behind a proxy, say). It
	// gives the default OIDC redirect URL, and https marks cookies Secure.
	PublicURL string `env:"ATRIUM_PUBLIC_URL"`
	// The bootstrap admin, created on start when no Admin exists
	// (docs/access.md): email, credential (generated and printed once when
	// unset) and an optional local password for the UI.
	AdminEmail        string `env:"ATRIUM_ADMIN_EMAIL"`
	AdminClientID     string `env:"ATRIUM_ADMIN_CLIENT_ID"`
	AdminClientSecret secret `env:"ATRIUM_ADMIN_CLIENT_SECRET"`
	AdminPassword     secret `env:"ATRIUM_ADMIN_PASSWORD"`
	// TokenTTL is the lifetime of access tokens; SessionTTL of browser
	// sessions.
	TokenTTL   time.Duration `env:"ATRIUM_TOKEN_TTL"`
	SessionTTL time.Duration `env:"ATRIUM_SESSION_TTL"`
	// RateLimit is requests per second per credential (negative: off) and
	// RateBurst the bucket size.
	RateLimit float64 `env:"ATRIUM_RATE_LIMIT"`
	RateBurst int     `env:"ATRIUM_RATE_BURST"`
	// TrustedProxies are CIDRs (or addresses) of reverse proxies whose
	// X-Forwarded-For names the client for rate limits.
	TrustedProxies []string `env:"ATRIUM_TRUSTED_PROXIES" envSeparator:","`
	// AuditRetention is how long audit entries are kept.
	AuditRetention time.Duration `env:"ATRIUM_AUDIT_RETENTION"`
	// OIDC sign-in, on when OIDCIssuer is set (docs/access.md "SSO").
	OIDCIssuer         string   `env:"ATRIUM_OIDC_ISSUER"`
	OIDCClientID       string   `env:"ATRIUM_OIDC_CLIENT_ID"`
	OIDCClientSecret   secret   `env:"ATRIUM_OIDC_CLIENT_SECRET"`
	OIDCRedirectURL    string   `env:"ATRIUM_OIDC_REDIRECT_URL"`
	OIDCScopes         []string `env:"ATRIUM_OIDC_SCOPES" envSeparator:","`
	OIDCTeamsClaim     string   `env:"ATRIUM_OIDC_TEAMS_CLAIM"`
	OIDCAllowedDomains []string `env:"ATRIUM_OIDC_ALLOWED_DOMAINS" envSeparator:","`
}

// secret is a configuration value that must never be printed: fmt shows
// "<secret>" (also inside %+v of the whole config); Reveal gives the value.
type secret string

func (s secret) String() string {
	if s == "" {
		return ""
	}
	return "<secret>"
}

// GoString hides the value from %#v too.
func (s secret) GoString() string { return s.String() }

// Reveal returns the value, for the one place that uses it.
func (s secret) Reveal() string { return string(s) }

// defaultServeConfig holds every default in one place.
func defaultServeConfig() serveConfig {
	return serveConfig{
		Addr:         "127.0.0.1:7780",
		DB:           "./atrium.db",
		MaxBodyBytes: 1 << 20,
		LogLevel:     "info",
		LogFormat:    "text",

		AdminEmail:     "admin@atrium.local",
		TokenTTL:       3 * time.Hour,
		SessionTTL:     12 * time.Hour,
		RateLimit:      50,
		RateBurst:      200,
		AuditRetention: 365 * 24 * time.Hour,
		OIDCTeamsClaim: "groups",
	}
}

// addServeFlags declares the flags; their defaults are shown from
// defaultServeConfig but only flags the user set override the environment.
func addServeFlags(fs *pflag.FlagSet) {
	d := defaultServeConfig()
	fs.String("addr", d.Addr, "HOST:PORT to listen on (env ATRIUM_ADDR)")
	fs.String("db", d.DB, "SQLite file path or postgres:// URL (env ATRIUM_DB)")
	fs.Bool("demo", false, "load the demo catalog into an empty store (env ATRIUM_DEMO)")
	fs.Int64("max-body-bytes", d.MaxBodyBytes, "request body limit in bytes (env ATRIUM_MAX_BODY_BYTES)")
	fs.String("log-level", d.LogLevel, "debug, info, warn or error (env ATRIUM_LOG_LEVEL)")
	fs.String("log-format", d.LogFormat, "text or json (env ATRIUM_LOG_FORMAT)")
	fs.Bool("insecure-no-auth", false, "turn authentication off, every caller an Admin; loopback only (env ATRIUM_INSECURE_NO_AUTH)")
	fs.String("public-url", "", "URL users reach Atrium at, e.g. https://portal.example.com (env ATRIUM_PUBLIC_URL)")
	fs.Duration("token-ttl", d.TokenTTL, "access token lifetime (env ATRIUM_TOKEN_TTL)")
	fs.Duration("session-ttl", d.SessionTTL, "browser session lifetime (env ATRIUM_SESSION_TTL)")
	fs.Float64("rate-limit", d.RateLimit, "requests per second per credential, negative for none (env ATRIUM_RATE_LIMIT)")
	fs.Duration("audit-retention", d.AuditRetention, "how long audit entries are kept (env ATRIUM_AUDIT_RETENTION)")
}

// loadServeConfig layers defaults, the environment (environ, "KEY=value"
// pairs; nil means none) and the flags the user set, then validates.
func loadServeConfig(fs *pflag.FlagSet, environ []string) (serveConfig, error) {
	cfg := defaultServeConfig()
	envMap := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			envMap[k] = v
		}
	}
	if err := env.ParseWithOptions(&cfg, env.Options{Environment: envMap}); err != nil {
		return cfg, fmt.Errorf("environment: %w", err)
	}
	var errs []error
	fs.Visit(func(f *pflag.Flag) {
		var err error
		switch f.Name {
		case "addr":
			cfg.Addr, err = fs.GetString("addr")
		case "db":
			cfg.DB, err = fs.GetString("db")
		case "demo":
			cfg.Demo, err = fs.GetBool("demo")
		case "max-body-bytes":
			cfg.MaxBodyBytes, err = fs.GetInt64("max-body-bytes")
		case "log-level":
			cfg.LogLevel, err = fs.GetString("log-level")
		case "log-format":
			cfg.LogFormat, err = fs.GetString("log-format")
		case "insecure-no-auth":
			cfg.InsecureNoAuth, err = fs.GetBool("insecure-no-auth")
		case "public-url":
			cfg.PublicURL, err = fs.GetString("public-url")
		case "token-ttl":
			cfg.TokenTTL, err = fs.GetDuration("token-ttl")
		case "session-ttl":
			cfg.SessionTTL, err = fs.GetDuration("session-ttl")
		case "rate-limit":
			cfg.RateLimit, err = fs.GetFloat64("rate-limit")
		case "audit-retention":
			cfg.AuditRetention, err = fs.GetDuration("audit-retention")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", f.Name, err))
		}
	})
	if len(errs) > 0 {
		return cfg, errors.Join(errs...)
	}
	return cfg, cfg.Validate()
}

// Validate reports every problem, each naming its flag.
func (c serveConfig) Validate() error {
	var errs []error
	if err := checkAddr(c.Addr, c.InsecureNoAuth); err != nil {
		errs = append(errs, fmt.Errorf("--addr (ATRIUM_ADDR): %w", err))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--public-url (ATRIUM_PUBLIC_URL): want http(s)://HOST[:PORT], got %q", c.PublicURL))
		}
	}
	if (c.AdminClientID == "") != (c.AdminClientSecret == "") {
		errs = append(errs, errors.New("ATRIUM_ADMIN_CLIENT_ID and ATRIUM_ADMIN_CLIENT_SECRET: set both or neither"))
	}
	if c.AdminClientSecret != "" && len(c.AdminClientSecret) < 16 {
		errs = append(errs, errors.New("ATRIUM_ADMIN_CLIENT_SECRET: must be at least 16 characters"))
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 12 {
		errs = append(errs, errors.New("ATRIUM_ADMIN_PASSWORD: must be at least 12 characters"))
	}
	if c.AdminEmail == "" || !strings.Contains(c.AdminEmail, "@") {
		errs = append(errs, fmt.Errorf("ATRIUM_ADMIN_EMAIL: want an email address, got %q", c.AdminEmail))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--token-ttl (ATRIUM_TOKEN_TTL)", c.TokenTTL}, {"--session-ttl (ATRIUM_SESSION_TTL)", c.SessionTTL},
		{"--audit-retention (ATRIUM_AUDIT_RETENTION)", c.AuditRetention}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive, got %s", d.name, d.v))
		}
	}
	if c.RateBurst <= 0 && c.RateLimit >= 0 {
		errs = append(errs, fmt.Errorf("ATRIUM_RATE_BURST: must be positive, got %d", c.RateBurst))
	}
	if _, err := c.trustedProxies(); err != nil {
		errs = append(errs, fmt.Errorf("ATRIUM_TRUSTED_PROXIES: %w", err))
	}
	if c.OIDCIssuer != "" {
		if c.OIDCClientID == "" {
			errs = append(errs, errors.New("ATRIUM_OIDC_CLIENT_ID: required when ATRIUM_OIDC_ISSUER is set"))
		}
		if c.OIDCRedirectURL == "" && c.PublicURL == "" {
			errs = append(errs, errors.New("ATRIUM_OIDC_REDIRECT_URL: required when ATRIUM_OIDC_ISSUER is set and ATRIUM_PUBLIC_URL is not"))
		}
	} else if c.OIDCClientID != "" || c.OIDCClientSecret != "" {
		errs = append(errs, errors.New("ATRIUM_OIDC_ISSUER: required when ATRIUM_OIDC_CLIENT_ID or _SECRET is set"))
	}
	if strings.TrimSpace(c.DB) == "" {
		errs = append(errs, errors.New("--db (ATRIUM_DB): must not be empty"))
	} else if _, _, err := storeKind(c.DB); err != nil {
		errs = append(errs, fmt.Errorf("--db (ATRIUM_DB): %w", err))
	}
	if c.MaxBodyBytes <= 0 {
		errs = append(errs, fmt.Errorf("--max-body-bytes (ATRIUM_MAX_BODY_BYTES): must be positive, got %d", c.MaxBodyBytes))
	}
	if _, err := parseLogLevel(c.LogLevel); err != nil {
		errs = append(errs, fmt.Errorf("--log-level (ATRIUM_LOG_LEVEL): %w", err))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format (ATRIUM_LOG_FORMAT): must be text or json, got %q", c.LogFormat))
	}
	return errors.Join(errs...)
}

// trustedProxies parses TrustedProxies; a bare address is a /32 or /128.
func (c serveConfig) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range c.TrustedProxies {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("want a CIDR or an IP address, got %q", v)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// checkAddr checks HOST:PORT and, when authentication is off, refuses
// addresses other than loopback: unauthenticated calls are safe only from
// this machine.
func checkAddr(addr string, noAuth bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want HOST:PORT, got %q: %v", addr, err)
	}
	if port == "" {
		return fmt.Errorf("want HOST:PORT, got %q: missing port", addr)
	}
	if !noAuth || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		host = "all interfaces"
	}
	return fmt.Errorf("%q listens on %s, which is not a loopback address; with --insecure-no-auth "+
		"Atrium serves unauthenticated calls and therefore listens on loopback only (use 127.0.0.1, ::1 or localhost, "+
		"or drop --insecure-no-auth)", addr, host)
}

// storeKind tells the driver from the --db value: "postgres" for
// postgres:// and postgresql:// URLs, else "sqlite" with the file path.
func storeKind(db string) (kind, target string, err error) {
	switch {
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		if _, err := url.Parse(db); err != nil {
			return "", "", fmt.Errorf("bad PostgreSQL URL: %v", redactURLError(err))
		}
		return "postgres", db, nil
	case strings.HasPrefix(db, "sqlite://"):
		return "sqlite", strings.TrimPrefix(db, "sqlite://"), nil
	case strings.HasPrefix(db, "sqlite:"):
		return "sqlite", strings.TrimPrefix(db, "sqlite:"), nil
	case strings.Contains(db, "://"):
		scheme, _, _ := strings.Cut(db, "://")
		return "", "", fmt.Errorf("unknown store scheme %q (want a SQLite path or a postgres:// URL)", scheme)
	}
	return "sqlite", db, nil
}

// redactURLError drops the URL (which may hold a password) from a parse error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactDB returns db fit for logs: a URL's password is masked.
func redactDB(db string) string {
	if u, err := url.Parse(db); err == nil && u.Scheme != "" && u.User != nil {
		return u.Redacted()
	}
	return db
}

func parseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}
