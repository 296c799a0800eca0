// Package events moves committed changes out of the outbox: today the live
// stream (server-sent events) that GET /v1/events/stream serves; later the
// ordered dispatcher to subscribers and cross-replica notification (DESIGN §6).
//
// The Hub reads the outbox only through store.Reader.EventList, so every
// replica streams the same ordered events whichever replica committed them.
// It imports model, store (ports) and clock; never a driver, a service or
// httpapi. cmd/atrium builds it and hands Notify to the catalog's OnCommit.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/atrium-idp/atrium/internal/clock"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// Options configure a Hub.
type Options struct {
	// Store is read for events; required.
	Store store.Reader
	// Clock defaults to clock.Real.
	Clock clock.Clock
	// Logger defaults to a discarding logger.
	Logger *slog.Logger
	// PollInterval is how often a stream reads the outbox without being woken
	// (commits on other replicas do not wake this one); default 1 s.
	PollInterval time.Duration
	// HeartbeatInterval is how often an idle stream sends a comment line so
	// proxies keep it open; default 15 s.
	HeartbeatInterval time.Duration
	// BatchSize is how many events one outbox read returns; default 500.
	BatchSize int
}

// Hub wakes live streams when the catalog commits and serves them. It is safe
// for concurrent use.
type Hub struct {
	opts   Options
	logger *slog.Logger

	mu     sync.Mutex    // guards wake and closed
	wake   chan struct{} // closed (and replaced) by Notify
	closed bool
	done   chan struct{} // closed by Close
}

// New validates opts and returns a Hub.
func New(opts Options) (*Hub, error) {
	if opts.Store == nil {
		return nil, errors.New("events: Options.Store is required")
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 15 * time.Second
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	return &Hub{
		opts:   opts,
		logger: opts.Logger.With("component", "events"),
		wake:   make(chan struct{}),
		done:   make(chan struct{}),
	}, nil
}

// Notify wakes every stream to read the outbox. It never blocks on readers,
// so the catalog may call it after each commit (catalog.Options.OnCommit).
func (h *Hub) Notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	close(h.wake)
	h.wake = make(chan struct{})
}

// Close ends every stream (serve calls it before shutting the HTTP server
// down, since a live stream never goes idle). Close is idempotent.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

func (h *Hub) wakeChan() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.wake
}

// StreamFromNow is Stream's `after` for "only events committed from now on".
const StreamFromNow int64 = -1

// Stream writes the events committed after seq `after` — only those of
// blueprints when that is not empty — to w as server-sent events, in outbox
// order, until ctx ends, the Hub closes or a write fails (client gone). Each
// event is
//
//	id: <seq>
//	event: <type>
//	data: <model.Event as JSON>
//
// so a client resumes by sending the last id back as Last-Event-ID. Idle
// streams get a ": heartbeat" comment every HeartbeatInterval.
//
// allow, when not nil, decides per event whether this client may see it (the
// caller's read permission); skipped events still advance the position.
// after == StreamFromNow starts at the newest committed event, so only later
// events are sent.
func (h *Hub) Stream(ctx context.Context, w http.ResponseWriter, after int64, blueprints []string, allow func(*model.Event) bool) error {
	if after == StreamFromNow {
		last, err := h.opts.Store.EventLastSeq(ctx)
		if err != nil {
			return fmt.Errorf("events: newest event: %w", err)
		}
		after = last
	}
	rc := http.NewResponseController(w)
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	// A live stream outlives any server-wide write timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, ": stream open\n\n"); err != nil {
		return err
	}
	if err := rc.Flush(); err != nil {
		return fmt.Errorf("events: response cannot be flushed: %w", err)
	}

	poll := h.opts.Clock.NewTicker(h.opts.PollInterval)
	defer poll.Stop()
	beat := h.opts.Clock.NewTicker(h.opts.HeartbeatInterval)
	defer beat.Stop()

	for {
		// Take the wake channel before reading, so a commit landing during
		// the read wakes the next wait instead of being missed.
		wake := h.wakeChan()
		for {
			evs, err := h.opts.Store.EventList(ctx, &store.EventListParams{
				AfterSeq: after, Blueprints: blueprints, Limit: h.opts.BatchSize,
			})
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				// Keep the stream: the next tick retries.
				h.logger.WarnContext(ctx, "read outbox", "after", after, "err", err)
				break
			}
			for _, ev := range evs {
				after = ev.Seq
				if allow != nil && !allow(ev) {
					continue
				}
				if err := writeEvent(w, ev); err != nil {
					return err
				}
			}
			if len(evs) > 0 {
				if err := rc.Flush(); err != nil {
					return err
				}
			}
			if len(evs) < h.opts.BatchSize {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-h.done:
			return nil
		case <-wake:
		case <-poll.C():
		case <-beat.C():
			if _, err := io.WriteString(w, ": heartbeat\n\n"); err != nil {
				return err
			}
			if err := rc.Flush(); err != nil {
				return err
			}
		}
	}
}

// writeEvent writes one event in the SSE wire format. JSON never contains a
// raw newline, so data fits on one line.
func writeEvent(w io.Writer, ev *model.Event) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("events: encode event %d: %w", ev.Seq, err)
	}
	_, err = fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.Seq, ev.Type, data)
	return err
}
