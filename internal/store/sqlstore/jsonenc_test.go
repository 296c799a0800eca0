package sqlstore

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
)

func TestAppendJSONMatchesMarshal(t *testing.T) {
	t.Parallel()
	tests := []any{
		nil, "", "plain", "héllo ✓ 😀", "\"q\" \\ <b> & \u2028 \x01 \t\n", "\xff invalid utf8",
		true, false, 0.0, -0.0, 1.0, -1.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, 5e-324, math.MaxFloat64,
		float64(9007199254740993), 0.1, 2.5e-10,
		map[string]any{}, map[string]any(nil), []any{}, []any(nil), []string{}, []string(nil), []string{"a", "<b>"},
		map[string]any{"b": 1.0, "a": []any{nil, "x", map[string]any{"z": true, "é": 2.0, "A": "<"}}, "": ""},
		map[string]any{"num": json.Number("12"), "raw": json.RawMessage(`{"x": 1}`), "int": 3, "time": time.Unix(0, 0).UTC()},
	}
	for _, v := range tests {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendJSON(nil, v)
		if err != nil {
			t.Errorf("appendJSON(%#v): %v", v, err)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("appendJSON(%#v) = %s, want %s", v, got, want)
		}
	}
	if _, err := appendJSON(nil, map[string]any{"x": math.NaN()}); err == nil {
		t.Error("appendJSON(NaN) succeeded, want an error as from json.Marshal")
	}
}

func TestEncodeEntityMatchesMarshal(t *testing.T) {
	t.Parallel()
	e := &model.Entity{
		Identifier: "a<b>", Title: "T ✓", Icon: "I", Blueprint: "svc", Team: []string{"x"},
		Properties: map[string]any{"n": 1.5, "s": "x", "o": map[string]any{"k": []any{1.0}}},
		Relations:  map[string]any{"one": "a", "many": []string{"b", "c"}, "none": nil},
		CreatedAt:  time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC), CreatedBy: "me",
		UpdatedAt: time.Date(2026, 1, 2, 3, 4, 6, 0, time.FixedZone("X", 3600)), UpdatedBy: "you",
	}
	for _, icon := range []string{"I", ""} {
		e.Icon = icon
		want, _ := json.Marshal(e)
		got, err := encodeEntity(e)
		if err != nil {
			t.Fatal(err)
		}
		if got.doc != string(want) {
			t.Errorf("encodeEntity doc =\n%s\nwant\n%s", got.doc, want)
		}
	}
}
