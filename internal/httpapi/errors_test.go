package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/model"
)

// TestErrorTable walks every error kind of model/errors.go through the one
// table: each has a row, and wrapped errors keep their kind and message.
func TestErrorTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind       error
		wantStatus int
		wantCode   string
	}{
		{model.ErrInvalid, http.StatusUnprocessableEntity, "invalid_request"},
		{model.ErrNotFound, http.StatusNotFound, "not_found"},
		{model.ErrConflict, http.StatusConflict, "conflict"},
		{model.ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
		{model.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
		{model.ErrForbidden, http.StatusForbidden, "forbidden"},
		{model.ErrRateLimited, http.StatusTooManyRequests, "rate_limited"},
		{model.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	}
	if len(tests) != len(kindTable) {
		t.Fatalf("test covers %d kinds, table has %d rows: add the new kind here", len(tests), len(kindTable))
	}
	for _, tc := range tests {
		t.Run(tc.kind.Error(), func(t *testing.T) {
			t.Parallel()
			err := fmt.Errorf("upsert entity service/a: %w", &model.KindError{Kind: tc.kind, Message: "field x is bad"})
			got := toAPIError(context.Background(), err)
			if got.status != tc.wantStatus || got.Code != tc.wantCode || got.OK {
				t.Errorf("toAPIError(%v) = %d %q ok=%v, want %d %q ok=false", tc.kind, got.status, got.Code, got.OK, tc.wantStatus, tc.wantCode)
			}
			if !strings.Contains(got.Message, "field x is bad") {
				t.Errorf("message %q lost the user-facing text", got.Message)
			}
		})
	}
}

func TestValidationErrorDetails(t *testing.T) {
	t.Parallel()
	ve := &model.ValidationError{Subject: `entity "a" of blueprint "service"`}
	ve.Add("properties.replicas", "must be <= 10")
	got := toAPIError(context.Background(), fmt.Errorf("create: %w", ve))
	if got.status != http.StatusUnprocessableEntity || got.Code != "invalid_request" {
		t.Fatalf("got %d %q, want 422 invalid_request", got.status, got.Code)
	}
	if !strings.Contains(got.Message, "properties.replicas") {
		t.Errorf("message %q does not name the field", got.Message)
	}
	want := []model.FieldError{{Field: "properties.replicas", Reason: "must be <= 10"}}
	if diff := cmp.Diff(want, got.Details["fields"]); diff != "" {
		t.Errorf("details.fields (-want +got):\n%s", diff)
	}
}

// An error without a kind must not leak its text; the log gets it.
func TestInternalErrorHidesMessage(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	st := &requestState{requestID: "req-1", logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx := context.WithValue(context.Background(), stateKey{}, st)
	got := toAPIError(ctx, errors.New("pq: password=hunter2 relation entities does not exist"))
	if got.status != http.StatusInternalServerError || got.Code != "internal_error" {
		t.Fatalf("got %d %q, want 500 internal_error", got.status, got.Code)
	}
	b, _ := json.Marshal(got)
	if strings.Contains(string(b), "hunter2") {
		t.Errorf("client body leaks the internal error: %s", b)
	}
	if !strings.Contains(string(b), "req-1") {
		t.Errorf("client body lacks the request id: %s", b)
	}
	if !strings.Contains(logs.String(), "hunter2") || !strings.Contains(logs.String(), "req-1") {
		t.Errorf("log lacks the chain or request id: %s", logs.String())
	}
}

// A request the client cancelled is not a server fault: no error log, no
// 500. A cancellation while the client is still there stays internal.
func TestClientCancelledIsNotInternal(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	st := &requestState{requestID: "req-2", logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), stateKey{}, st))
	err := fmt.Errorf("aggregate: %w", context.Canceled)
	if got := toAPIError(ctx, err); got.status != http.StatusInternalServerError {
		t.Errorf("live request: got %d, want 500", got.status)
	}
	logs.Reset()
	cancel()
	got := toAPIError(ctx, err)
	if got.status != 499 || got.Code != "client_closed" {
		t.Errorf("cancelled request: got %d %q, want 499 client_closed", got.status, got.Code)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("cancelled request logged an error: %s", logs.String())
	}
}
