package store

import "errors"

// ErrRetryable marks a transient failure of a write transaction: the
// database chose it as a deadlock victim or could not serialise it. The
// transaction is then void (roll it back) and running it again from Begin
// may succeed. Drivers wrap it with Retryable; callers ask with IsRetryable,
// never by driver or error code (STYLE §3).
var ErrRetryable = errors.New("transaction may be retried")

// Retryable returns err marked as retryable. Its message and every kind it
// wraps (e.g. model.ErrUnavailable) stay as they were.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &retryableError{err: err}
}

// IsRetryable reports whether err, or an error it wraps, says the
// transaction that failed with it may be run again.
func IsRetryable(err error) bool { return errors.Is(err, ErrRetryable) }

type retryableError struct{ err error }

func (e *retryableError) Error() string   { return e.err.Error() }
func (e *retryableError) Unwrap() []error { return []error{e.err, ErrRetryable} }
