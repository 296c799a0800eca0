package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// testSettings checks store-wide markers: absent is ErrNotFound, a put is
// read back (inside its transaction and after commit), a second put
// replaces the value, keys are independent and exact, and a rolled-back put
// leaves nothing.
func testSettings(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	get := func(t *testing.T, rd store.Reader, key string) string {
		t.Helper()
		v, err := rd.SettingGet(ctx, &store.SettingGetParams{Key: key})
		if err != nil {
			t.Fatalf("SettingGet(%q) = %v", key, err)
		}
		return v
	}
	put := func(key, value string) func(ctx context.Context, tx store.Tx) error {
		return func(ctx context.Context, tx store.Tx) error {
			return tx.SettingPut(ctx, &store.SettingPutParams{Key: key, Value: value, Time: T0})
		}
	}

	t.Run("PutGet", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.SettingGet(ctx, &store.SettingGetParams{Key: "a.b"})
		checkKind(t, "SettingGet missing", err, model.ErrNotFound, `"a.b"`)

		mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
			if err := put("a.b", "1")(ctx, tx); err != nil {
				return err
			}
			if got := get(t, tx, "a.b"); got != "1" {
				t.Errorf("SettingGet in its transaction = %q, want %q", got, "1")
			}
			return put("a.B", "")(ctx, tx)
		})
		if got := get(t, s, "a.b"); got != "1" {
			t.Errorf("SettingGet(a.b) = %q, want %q", got, "1")
		}
		// Keys are exact (case-sensitive) and an empty value is a value.
		if got := get(t, s, "a.B"); got != "" {
			t.Errorf("SettingGet(a.B) = %q, want empty", got)
		}
		_, err = s.SettingGet(ctx, &store.SettingGetParams{Key: "a"})
		checkKind(t, "SettingGet of a prefix", err, model.ErrNotFound, `"a"`)

		mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
			return tx.SettingPut(ctx, &store.SettingPutParams{Key: "a.b", Value: "two", Time: T0.Add(time.Hour)})
		})
		if got := get(t, s, "a.b"); got != "two" {
			t.Errorf("SettingGet after replace = %q, want %q", got, "two")
		}
		if got := get(t, s, "a.B"); got != "" {
			t.Errorf("SettingGet(a.B) after replacing a.b = %q, want empty", got)
		}
	})

	t.Run("Rollback", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		errStop := errors.New("stop")
		err := write(s, func(ctx context.Context, tx store.Tx) error {
			if err := put("k", "v")(ctx, tx); err != nil {
				return err
			}
			return errStop
		})
		if !errors.Is(err, errStop) {
			t.Fatalf("write = %v, want %v", err, errStop)
		}
		_, err = s.SettingGet(ctx, &store.SettingGetParams{Key: "k"})
		checkKind(t, "SettingGet after rollback", err, model.ErrNotFound, `"k"`)
	})
}
