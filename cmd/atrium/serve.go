package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/atrium-idp/atrium/internal/gctune"
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the portal: API (and later UI and workers) on SQLite or PostgreSQL",
		Long: `Run the portal.

  atrium serve                                   # SQLite file ./atrium.db on http://127.0.0.1:7780
  atrium serve --demo                            # ... with the demo catalog in an empty store
  atrium serve --db postgres://user@host/atrium  # PostgreSQL (for several replicas)

Flags win over the ATRIUM_* environment (see the README's Configuration).
Every call needs a token or a session; on the first start the bootstrap admin
is created from ATRIUM_ADMIN_* or with a generated credential printed once.
--insecure-no-auth turns authentication off, on loopback only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadServeConfig(cmd.Flags(), os.Environ())
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve(ctx, cfg, cmd.ErrOrStderr())
		},
	}
	addServeFlags(cmd.Flags())
	return cmd
}

// serve builds the server from cfg, logging to logOut, and runs it until ctx
// ends.
func serve(ctx context.Context, cfg serveConfig, logOut io.Writer) error {
	logger, err := newLogger(cfg, logOut)
	if err != nil {
		return err
	}
	logger.Debug("garbage collector", "gogc", gctune.Apply())
	s, err := buildServer(ctx, cfg, logger, logOut)
	if err != nil {
		return err
	}
	return s.run(ctx)
}

func newLogger(cfg serveConfig, out io.Writer) (*slog.Logger, error) {
	level, err := parseLogLevel(cfg.LogLevel)
	if err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	hopts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(out, hopts)), nil
	}
	return slog.New(slog.NewTextHandler(out, hopts)), nil
}
