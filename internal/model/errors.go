package model

import (
	"errors"
	"fmt"
	"strings"
)

// Error kinds. Every error a service returns to a transport wraps one of these
// (or is internal). httpapi/errors.go maps each to exactly one HTTP status.
var (
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrInvalid         = errors.New("invalid")
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrForbidden       = errors.New("forbidden")
	ErrTooLarge        = errors.New("too large")
	ErrRateLimited     = errors.New("rate limited")
	ErrUnavailable     = errors.New("unavailable")
)

// KindError is an error of a known kind with a message written for users.
// Use NotFoundf, Conflictf and Invalidf to build one.
type KindError struct {
	Kind    error
	Message string
}

func (e *KindError) Error() string { return e.Message }
func (e *KindError) Unwrap() error { return e.Kind }

// NotFoundf returns an ErrNotFound with a user-facing message.
func NotFoundf(format string, args ...any) error {
	return &KindError{Kind: ErrNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflictf returns an ErrConflict with a user-facing message.
func Conflictf(format string, args ...any) error {
	return &KindError{Kind: ErrConflict, Message: fmt.Sprintf(format, args...)}
}

// Invalidf returns an ErrInvalid with a user-facing message.
func Invalidf(format string, args ...any) error {
	return &KindError{Kind: ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

// FieldError says what is wrong with one field of the input. Field is a dotted
// path from the top of the request body, e.g. "properties.replicas" or
// "schema.properties.tier.maximum".
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ValidationError lists every problem found in one input. It unwraps to
// ErrInvalid, so errors.Is(err, ErrInvalid) holds.
type ValidationError struct {
	// Subject names what was validated, e.g. `entity "payments" of blueprint "service"`.
	Subject string
	Fields  []FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.Subject != "" {
		b.WriteString(e.Subject)
		b.WriteString(": ")
	}
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		if f.Field != "" {
			b.WriteString(f.Field)
			b.WriteString(": ")
		}
		b.WriteString(f.Reason)
	}
	return b.String()
}

func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Add records a problem with field.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Err returns e when it holds at least one problem, else nil.
func (e *ValidationError) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}
