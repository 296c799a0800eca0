package model_test

import (
	"errors"
	"testing"

	"github.com/atrium-idp/atrium/internal/model"
)

func TestValidationErrorNamesFieldsAndIsInvalid(t *testing.T) {
	t.Parallel()
	ve := &model.ValidationError{Subject: `entity "a"`}
	if ve.Err() != nil {
		t.Fatal("empty ValidationError.Err() != nil")
	}
	ve.Add("properties.tier", "must be at most %d", 3)
	ve.Add("", "is empty")
	err := ve.Err()
	if !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("errors.Is(%v, ErrInvalid) = false", err)
	}
	if got, want := err.Error(), `entity "a": properties.tier: must be at most 3; is empty`; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}

func TestKindErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		kind error
		msg  string
	}{
		{model.NotFoundf("entity %q not found", "x"), model.ErrNotFound, `entity "x" not found`},
		{model.Conflictf("exists"), model.ErrConflict, "exists"},
		{model.Invalidf("bad %s", "limit"), model.ErrInvalid, "bad limit"},
	} {
		if !errors.Is(tc.err, tc.kind) || tc.err.Error() != tc.msg {
			t.Errorf("%v: kind %v, message %q; want kind %v, message %q", tc.err, errors.Unwrap(tc.err), tc.err.Error(), tc.kind, tc.msg)
		}
	}
}
