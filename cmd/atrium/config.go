package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"

	"github.com/caarlos0/env/v11"
	"github.com/spf13/pflag"
)

// serveConfig is everything `atrium serve` is configured with. Sources, highest
// first: flags, ATRIUM_* environment variables, defaults (STYLE §6). It is
// read only here.
type serveConfig struct {
	// Addr is the HOST:PORT to listen on. Until access control lands it must
	// be a loopback address.
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
}

// defaultServeConfig holds every default in one place.
func defaultServeConfig() serveConfig {
	return serveConfig{
		Addr:         "127.0.0.1:7780",
		DB:           "./atrium.db",
		MaxBodyBytes: 1 << 20,
		LogLevel:     "info",
		LogFormat:    "text",
	}
}

// addServeFlags declares the flags; their defaults are shown from
// defaultServeConfig but only flags the user set override the environment.
func addServeFlags(fs *pflag.FlagSet) {
	d := defaultServeConfig()
	fs.String("addr", d.Addr, "HOST:PORT to listen on (env ATRIUM_ADDR); loopback only until access control is configured")
	fs.String("db", d.DB, "SQLite file path or postgres:// URL (env ATRIUM_DB)")
	fs.Bool("demo", false, "load the demo catalog into an empty store (env ATRIUM_DEMO)")
	fs.Int64("max-body-bytes", d.MaxBodyBytes, "request body limit in bytes (env ATRIUM_MAX_BODY_BYTES)")
	fs.String("log-level", d.LogLevel, "debug, info, warn or error (env ATRIUM_LOG_LEVEL)")
	fs.String("log-format", d.LogFormat, "text or json (env ATRIUM_LOG_FORMAT)")
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
	if err := checkLoopback(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr (ATRIUM_ADDR): %w", err))
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

// checkLoopback refuses addresses other than loopback: until access control
// lands every call is unauthenticated, which is safe only on this machine.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want HOST:PORT, got %q: %v", addr, err)
	}
	if port == "" {
		return fmt.Errorf("want HOST:PORT, got %q: missing port", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		host = "all interfaces"
	}
	return fmt.Errorf("%q listens on %s, which is not a loopback address; until access control is configured "+
		"Atrium serves unauthenticated calls and therefore listens on loopback only (use 127.0.0.1, ::1 or localhost)",
		addr, host)
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
