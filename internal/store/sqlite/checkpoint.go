package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Checkpoints off the writer's path.
//
// In WAL mode a commit appends pages to the WAL, and a checkpoint copies
// them into the database file (and, with synchronous=NORMAL, is the only
// fsync). SQLite's automatic checkpoint runs inside the commit that crosses
// wal_autocheckpoint pages, so the single writer paid for it: ~8 µs of the
// ~80 µs per entity of a bulk create (bench/RESULTS.md). The checkpointer
// runs them from its own connection instead, on another core, while the
// writer goes on:
//
//   - every checkpointInterval a PASSIVE checkpoint copies what it can
//     without waiting for anyone;
//   - the WAL restarts from its beginning only when a write transaction
//     begins with every frame copied, which a writer committing back to
//     back never does; so once the WAL holds restartFrames, a RESTART
//     checkpoint runs on the writer's connection, queued like a write
//     transaction: it copies the few frames the PASSIVE ones left and makes
//     the next writer start the WAL over. (Run from this connection it
//     would wait for the write lock, which a busy writer takes again at
//     once after every commit, and starve.) That bounds the WAL at about
//     restartFrames pages plus what the writer commits in one interval.
//
// The writer keeps an automatic checkpoint at writerAutoCheckpoint pages as
// a fallback should this connection fail (it logs why).
const writerAutoCheckpoint = 50000 // ~400 MiB of 8 KiB pages (NewFilePragmas)

// Variables only for tests.
var (
	checkpointInterval = 500 * time.Millisecond
	restartFrames      = 8192 // 64 MiB of 8 KiB pages (NewFilePragmas)
)

type checkpointer struct {
	db, writer *sql.DB
	logger     *slog.Logger
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// startCheckpointer opens the checkpointer's connection (dsn: the database
// with the common pragmas) and starts it.
func startCheckpointer(dsn string, writer *sql.DB, logger *slog.Logger) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, writer: writer, logger: logger, cancel: cancel}
	c.wg.Go(func() { c.run(ctx) })
	return c, nil
}

func (c *checkpointer) run(ctx context.Context) {
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := c.checkpoint(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil && !failing:
			c.logger.Warn("background WAL checkpoint failed; the writer checkpoints itself until it works again", "err", err)
		case err == nil && failing:
			c.logger.Info("background WAL checkpoint works again")
		}
		failing = err != nil
	}
}

// checkpoint runs one PASSIVE checkpoint, and a RESTART one when the WAL
// has grown past restartFrames.
func (c *checkpointer) checkpoint(ctx context.Context) error {
	frames, err := walCheckpoint(ctx, c.db, "PASSIVE")
	if err != nil || frames < restartFrames {
		return err
	}
	_, err = walCheckpoint(ctx, c.writer, "RESTART")
	return err
}

// walCheckpoint runs PRAGMA wal_checkpoint(mode) on db and returns the
// frames in the WAL. A RESTART that could not finish within busy_timeout
// (readers kept using the WAL) reports busy, which is not a failure: the
// next one tries again.
func walCheckpoint(ctx context.Context, db *sql.DB, mode string) (frames int, err error) {
	var busy, copied int
	if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &copied); err != nil {
		return 0, fmt.Errorf("wal_checkpoint(%s): %w", mode, err)
	}
	return frames, nil
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	c.cancel()
	c.wg.Wait()
	err := c.db.Close()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// BackgroundCheckpoints gives a database written through writer (one
// connection) the WAL handling of the store: the writer's automatic
// checkpoint moved to writerAutoCheckpoint and the checkpointer started.
// bench/ingest's floor uses it, so plain inserts and the store differ only
// in the work above SQLite. stop stops the checkpointer.
func BackgroundCheckpoints(ctx context.Context, path string, writer *sql.DB) (stop func() error, err error) {
	if _, err := writer.ExecContext(ctx, "PRAGMA wal_autocheckpoint("+strconv.Itoa(writerAutoCheckpoint)+")"); err != nil {
		return nil, err
	}
	c, err := startCheckpointer(path+"?"+commonPragmas, writer, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	return c.close, nil
}
