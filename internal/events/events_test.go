package events_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/events"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// memOutbox is an in-memory outbox; only EventList and EventLastSeq are
// implemented (the embedded nil Reader panics on anything else).
type memOutbox struct {
	store.Reader
	mu  sync.Mutex
	evs []*model.Event
}

func (m *memOutbox) add(bp string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seq := int64(len(m.evs) + 1)
	m.evs = append(m.evs, &model.Event{Seq: seq, Type: model.EventEntityCreated, Blueprint: bp, Entity: "e" + strconv.FormatInt(seq, 10)})
}

func (m *memOutbox) EventList(_ context.Context, p *store.EventListParams) ([]*model.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*model.Event
	for _, e := range m.evs {
		if e.Seq <= p.AfterSeq || (len(p.Blueprints) > 0 && !slices.Contains(p.Blueprints, e.Blueprint)) {
			continue
		}
		out = append(out, e)
		if p.Limit > 0 && len(out) == p.Limit {
			break
		}
	}
	return out, nil
}

func (m *memOutbox) EventLastSeq(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.evs)), nil
}

// sseClient reads one stream, turning it into a channel of frames: each is
// "id/event/seq-from-data" or "comment".
type frame struct {
	id      string
	event   string
	data    model.Event
	comment string
}

func open(t *testing.T, hub *events.Hub, after int64, blueprints ...string) <-chan frame {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = hub.Stream(r.Context(), w, after, blueprints, nil)
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q", ct)
	}
	ch := make(chan frame, 100)
	go func() {
		defer res.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(res.Body)
		var f frame
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				ch <- f
				f = frame{}
			case strings.HasPrefix(line, ":"):
				f.comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "id: "):
				f.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				f.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(line[6:]), &f.data)
			}
		}
	}()
	return ch
}

func next(t *testing.T, ch <-chan frame) frame {
	t.Helper()
	select {
	case f, ok := <-ch:
		if !ok {
			t.Fatal("stream ended")
		}
		return f
	case <-time.After(5 * time.Second):
		t.Fatal("no frame within 5s")
	}
	return frame{}
}

// nextEvent skips comment frames.
func nextEvent(t *testing.T, ch <-chan frame) frame {
	t.Helper()
	for {
		if f := next(t, ch); f.comment == "" {
			return f
		}
	}
}

func setup(t *testing.T) (*events.Hub, *memOutbox, *clocktest.Fake) {
	t.Helper()
	ob := &memOutbox{}
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	hub, err := events.New(events.Options{Store: ob, Clock: clk, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	return hub, ob, clk
}

func TestStreamOrderWakeAndPoll(t *testing.T) {
	t.Parallel()
	hub, ob, clk := setup(t)
	ob.add("a")
	ob.add("b")
	ob.add("a") // 3 events, batch size 2: the stream must page
	ch := open(t, hub, 0)
	if f := next(t, ch); f.comment != "stream open" {
		t.Fatalf("first frame = %+v, want the open comment", f)
	}
	for want := 1; want <= 3; want++ {
		f := nextEvent(t, ch)
		if f.id != strconv.Itoa(want) || f.data.Seq != int64(want) || f.event != string(model.EventEntityCreated) {
			t.Fatalf("frame = %+v, want id %d", f, want)
		}
	}
	ob.add("a")
	hub.Notify() // woken by a commit
	if f := nextEvent(t, ch); f.id != "4" {
		t.Fatalf("after Notify got %+v, want id 4", f)
	}
	ob.add("b")
	clk.Advance(time.Second) // no Notify: another replica committed; the poll finds it
	if f := nextEvent(t, ch); f.id != "5" {
		t.Fatalf("after poll got %+v, want id 5", f)
	}
	clk.Advance(15 * time.Second)
	for {
		f := next(t, ch)
		if f.comment == "heartbeat" {
			break
		}
		if f.id != "" {
			t.Fatalf("unexpected event %+v while waiting for a heartbeat", f)
		}
	}
}

func TestStreamFilterAndResume(t *testing.T) {
	t.Parallel()
	hub, ob, _ := setup(t)
	for _, bp := range []string{"a", "b", "a", "b", "c"} {
		ob.add(bp)
	}
	ch := open(t, hub, 0, "b", "c")
	for _, want := range []string{"2", "4", "5"} {
		if f := nextEvent(t, ch); f.id != want {
			t.Fatalf("filtered stream got %+v, want id %s", f, want)
		}
	}
	ch = open(t, hub, 3)
	for _, want := range []string{"4", "5"} {
		if f := nextEvent(t, ch); f.id != want {
			t.Fatalf("resumed stream got %+v, want id %s", f, want)
		}
	}
}

// TestStreamFromNow: a stream opened "from now" skips the history and sends
// the first event committed after it opened.
func TestStreamFromNow(t *testing.T) {
	t.Parallel()
	hub, ob, _ := setup(t)
	for _, bp := range []string{"a", "b", "c"} {
		ob.add(bp)
	}
	ch := open(t, hub, events.StreamFromNow)
	if f := next(t, ch); f.comment != "stream open" {
		t.Fatalf("first frame = %+v, want the open comment", f)
	}
	ob.add("d")
	hub.Notify()
	if f := nextEvent(t, ch); f.id != "4" || f.data.Blueprint != "d" {
		t.Fatalf("stream from now got %+v, want id 4 of blueprint d", f)
	}
}

func TestCloseEndsStreams(t *testing.T) {
	t.Parallel()
	hub, _, _ := setup(t)
	ch := open(t, hub, 0)
	next(t, ch)
	hub.Close()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("frame after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stream still open 5s after Close")
	}
}
