// Package audit owns the audit log (docs/access.md "Audit log"): it records
// one entry per mutating request or sign-in, lists entries to callers who may
// see them, and deletes entries older than the retention period.
//
// It imports model, store and clock only; httpapi (which records and serves
// GET /v1/audit-log) and cmd/atrium (which runs the sweeper) import it.
package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/atrium-idp/atrium/internal/clock"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// Defaults of Options.
const (
	DefaultRetention     = 365 * 24 * time.Hour
	DefaultSweepInterval = time.Hour
)

// ReadChecker reports whether the caller in ctx (model.ActorFrom) may read an
// entity now; *catalog.Service satisfies it. List puts the listing actor in
// ctx before asking. A model.ErrNotFound error (the entity is gone) counts as
// not readable.
type ReadChecker interface {
	EntityReadable(ctx context.Context, blueprint, identifier string) (bool, error)
}

// Options configure a Service.
type Options struct {
	// Store holds the log. Required.
	Store store.Store
	// Clock stamps entries and drives the sweeper; default clock.Real.
	Clock clock.Clock
	// Logger reports sweeps; default discards.
	Logger *slog.Logger
	// Retention is how long entries are kept; default DefaultRetention.
	Retention time.Duration
	// SweepInterval is how often Run deletes expired entries; default
	// DefaultSweepInterval.
	SweepInterval time.Duration
	// Readable decides which entity entries non-Admin callers see. Nil: they
	// see only entries they made themselves.
	Readable ReadChecker
}

// Service records, lists and expires audit entries. It is safe for
// concurrent use.
type Service struct {
	opts Options
	// scanPage and maxScanPages bound a non-Admin's List (see
	// defaultScanPage); tests lower them.
	scanPage, maxScanPages int
	// swept, when set (by tests), is called after every sweep Run makes.
	swept func(n int64, err error)
}

// New returns a Service, validating opts and applying defaults.
func New(opts Options) (*Service, error) {
	if opts.Store == nil {
		return nil, errors.New("audit: Options.Store is required")
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Retention < 0 {
		return nil, errors.New("audit: Options.Retention must not be negative")
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.SweepInterval < 0 {
		return nil, errors.New("audit: Options.SweepInterval must not be negative")
	}
	if opts.SweepInterval == 0 {
		opts.SweepInterval = DefaultSweepInterval
	}
	opts.Logger = opts.Logger.With("component", "audit")
	return &Service{opts: opts, scanPage: defaultScanPage, maxScanPages: defaultMaxScanPages}, nil
}

// now is the clock in UTC at microseconds, the precision both stores keep.
func (s *Service) now() time.Time { return s.opts.Clock.Now().UTC().Truncate(time.Microsecond) }

// Record appends e in its own transaction, so an entry is kept even when the
// request it describes failed and rolled back. It sets e.ID, and e.Time to
// now when zero. Action, Resource and Status are required: an entry without
// them is a programming error.
func (s *Service) Record(ctx context.Context, e *model.AuditEntry) error {
	if e.Action == "" || e.Resource == "" || e.Status == "" {
		return fmt.Errorf("record audit entry: action %q, resource %q and status %q are all required", e.Action, e.Resource, e.Status)
	}
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	return s.write(ctx, "record audit entry", func(tx store.Tx) error {
		return tx.AuditAppend(ctx, &store.AuditAppendParams{Entries: []*model.AuditEntry{e}})
	})
}

// Sweep deletes entries older than Retention and returns how many.
func (s *Service) Sweep(ctx context.Context) (int64, error) {
	var n int64
	err := s.write(ctx, "sweep audit log", func(tx store.Tx) (err error) {
		n, err = tx.AuditDeleteBefore(ctx, &store.AuditDeleteBeforeParams{Before: s.now().Add(-s.opts.Retention)})
		return err
	})
	return n, err
}

// Run sweeps once at start, then every SweepInterval of the clock, until ctx
// ends; it then returns nil. A failed sweep is logged and retried at the next
// tick.
func (s *Service) Run(ctx context.Context) error {
	ticker := s.opts.Clock.NewTicker(s.opts.SweepInterval)
	defer ticker.Stop()
	for {
		n, err := s.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.opts.Logger.Error("audit sweep failed", "err", err)
		case n > 0:
			s.opts.Logger.Info("audit sweep", "deleted", n, "retention", s.opts.Retention)
		}
		if s.swept != nil {
			s.swept(n, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C():
		}
	}
}

// write runs fn in one committed transaction.
func (s *Service) write(ctx context.Context, what string, fn func(tx store.Tx) error) error {
	tx, err := s.opts.Store.Begin(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(tx); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
